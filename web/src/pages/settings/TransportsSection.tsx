// Transports: how mail leaves (SMTP relay, provider APIs, the capture outbox) with their sending limits.
// Admins add, edit and delete them here. Credentials are write-only: the form never fills them in, an empty
// credential field keeps the stored value (PATCH merges the configuration).
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSettingsLabels } from "../../i18n/settings";
import { RecordSection } from "./RecordSection";
import { useSave } from "./useForm";

type Kind = "smtp" | "sendgrid" | "mailgun" | "postmark" | "ses";
const kinds: Kind[] = ["smtp", "sendgrid", "mailgun", "postmark", "ses"];

interface Transport {
  id: string;
  name: string;
  kind: string;
  is_default: boolean;
  endpoint: string | null;
  rate_limit: number | null;
  rate_window_seconds: number | null;
  max_concurrency: number | null;
  config?: Record<string, unknown>;
}

/** One configuration field of a kind; `secret` ones are never filled in and kept when left empty. */
interface ConfigField {
  key: string;
  secret?: boolean;
  number?: boolean;
  options?: string[];
  /** Needed when the transport is created. */
  required?: boolean;
}

const configFields: Record<Kind, ConfigField[]> = {
  // user and pass travel as config.auth (see smtpConfig).
  smtp: [
    { key: "host", required: true },
    { key: "port", number: true, required: true },
    { key: "user" },
    { key: "pass", secret: true },
  ],
  sendgrid: [{ key: "api_key", secret: true, required: true }, { key: "base_url" }],
  mailgun: [
    { key: "api_key", secret: true, required: true },
    { key: "domain", required: true },
    { key: "region", options: ["us", "eu"] },
    { key: "base_url" },
  ],
  postmark: [
    { key: "server_token", secret: true, required: true },
    { key: "message_stream" },
    { key: "base_url" },
  ],
  ses: [
    { key: "region", required: true },
    { key: "access_key_id", required: true },
    { key: "secret_access_key", secret: true, required: true },
    { key: "configuration_set" },
  ],
};

type Values = Record<string, string>;

/** The form's starting values: the stored non-secret configuration, secrets always empty. */
function initialValues(kind: Kind, t?: Transport): Values {
  const c = (t?.config ?? {}) as Record<string, unknown>;
  const auth = (c.auth ?? {}) as { user?: string };
  const v: Values = {
    name: t?.name ?? "",
    rate: t?.rate_limit ? String(t.rate_limit) : "",
    window: t?.rate_window_seconds ? String(t.rate_window_seconds) : "",
    concurrency: t?.max_concurrency ? String(t.max_concurrency) : "",
    is_default: t?.is_default ? "yes" : "",
  };
  for (const f of configFields[kind]) {
    const stored = f.key === "user" ? auth.user : c[f.key];
    v[f.key] = f.secret || stored === undefined || stored === null ? "" : String(stored);
  }
  if (kind === "smtp" && !v.port) v.port = "587";
  if (kind === "mailgun" && !v.region) v.region = "us";
  return v;
}

/** The configuration to send: changed or given fields only when editing, so stored secrets stay. */
function configBody(kind: Kind, v: Values, stored?: Transport): Record<string, unknown> {
  const before = initialValues(kind, stored);
  const out: Record<string, unknown> = {};
  for (const f of configFields[kind]) {
    if (f.key === "user" || f.key === "pass") continue;
    const value = v[f.key].trim();
    if (!value || (stored && value === before[f.key])) continue;
    out[f.key] = f.number ? Number(value) : value;
  }
  if (kind === "smtp") {
    const user = v.user.trim();
    const storedAuth = (stored?.config?.auth ?? null) as { pass?: string } | null;
    // A new user name without a new password keeps the stored password (auth is replaced as a whole).
    if (user && (v.pass || !stored || user !== before.user)) {
      out.auth = { user, pass: v.pass || storedAuth?.pass || "" };
    }
  }
  return out;
}

const optionalNumber = (s: string) => (s.trim() ? Number(s) : null);

export function TransportForm({ stored, onDone }: { stored?: Transport; onDone(saved: boolean): void }) {
  const { t } = useI18n();
  const s = useSettingsLabels();
  const form = useSave();
  const [kind, setKind] = useState<Kind>((stored?.kind as Kind) ?? "smtp");
  const [v, setV] = useState<Values>(() => initialValues(kind, stored));
  const set = (k: string) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  const chooseKind = (k: Kind) => {
    setKind(k);
    setV({ ...initialValues(k), name: v.name });
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const config = configBody(kind, v, stored);
    const limits = {
      rate_limit: optionalNumber(v.rate),
      rate_window_seconds: v.rate.trim() ? (optionalNumber(v.window) ?? 60) : null,
      max_concurrency: optionalNumber(v.concurrency),
      is_default: v.is_default === "yes",
    };
    const r = await form.save(() =>
      stored
        ? api.patch(`/v1/transports/${stored.id}`, {
            ...(v.name.trim() !== stored.name ? { name: v.name.trim() } : {}),
            ...(Object.keys(config).length > 0 ? { config } : {}),
            ...limits,
          })
        : api.post("/v1/transports", { name: v.name.trim(), kind, config, ...limits }),
    );
    if (r) {
      if (!stored) setV(initialValues(kind));
      onDone(true);
    }
  };
  const fieldOf = (f: ConfigField) => {
    const path =
      kind === "smtp" && (f.key === "user" || f.key === "pass") ? `config.auth.${f.key}` : `config.${f.key}`;
    const label = `${s.config[f.key] ?? f.key}${f.required && !stored ? " *" : ""}`;
    return (
      <Field
        key={f.key}
        label={label}
        error={form.at(path)}
        hint={f.secret && stored ? s.keepSecret : undefined}
      >
        {(p) =>
          f.options ? (
            <select {...p} value={v[f.key]} onChange={set(f.key)}>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              {...p}
              type={f.secret ? "password" : f.number ? "number" : "text"}
              autoComplete={f.secret ? "new-password" : "off"}
              value={v[f.key]}
              onChange={set(f.key)}
            />
          )
        }
      </Field>
    );
  };
  const title = stored ? s.editTransport(stored.name) : s.addTransport;
  return (
    <form className={stored ? "edit-entry" : "card"} onSubmit={submit} noValidate aria-label={title}>
      {stored ? null : <h3>{title}</h3>}
      <ErrorBanner error={form.error} />
      <div className="grid2">
        <Field label={t.settings.transportName} error={form.at("name")}>
          {(p) => <input {...p} value={v.name} onChange={set("name")} />}
        </Field>
        <Field label={t.settings.transportKind} error={form.at("kind")}>
          {(p) => (
            <select
              {...p}
              value={kind}
              disabled={Boolean(stored)}
              onChange={(e) => chooseKind(e.target.value as Kind)}
            >
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {s.kinds[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {configFields[kind].map(fieldOf)}
        <Field label={s.rateCount} error={form.at("rate_limit")}>
          {(p) => <input {...p} type="number" min={1} value={v.rate} onChange={set("rate")} />}
        </Field>
        <Field label={s.rateWindow} error={form.at("rate_window_seconds")}>
          {(p) => <input {...p} type="number" min={1} value={v.window} onChange={set("window")} />}
        </Field>
        <Field label={s.concurrency} error={form.at("max_concurrency")}>
          {(p) => <input {...p} type="number" min={1} value={v.concurrency} onChange={set("concurrency")} />}
        </Field>
      </div>
      <div className="check">
        <input
          id={`default-${stored?.id ?? "new"}`}
          type="checkbox"
          checked={v.is_default === "yes"}
          onChange={(e) => setV({ ...v, is_default: e.target.checked ? "yes" : "" })}
        />
        <label htmlFor={`default-${stored?.id ?? "new"}`}>{s.makeDefault}</label>
      </div>
      <div className="actions">
        {stored ? (
          <button type="button" className="btn" onClick={() => onDone(false)}>
            {t.app.cancel}
          </button>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
          {stored ? t.app.save : s.addTransport}
        </button>
      </div>
    </form>
  );
}

export function TransportsSection() {
  const { t } = useI18n();
  const s = useSettingsLabels();
  const list = usePaged<Transport>("/v1/transports", {}, null);
  return (
    <RecordSection
      name="transports"
      title={t.settings.sections.transports}
      list={list}
      empty={t.settings.noTransports}
      columns={[
        {
          label: t.settings.transportName,
          cell: (tr) => (
            <>
              {tr.name}
              {tr.is_default ? <span className="chip"> {t.settings.isDefault}</span> : null}
            </>
          ),
        },
        { label: t.settings.transportKind, cell: (tr) => s.kinds[tr.kind] ?? tr.kind },
        { label: t.settings.host, cell: (tr) => tr.endpoint ?? t.app.none },
        {
          label: t.settings.rateLimit,
          cell: (tr) =>
            tr.rate_limit ? t.settings.perWindow(tr.rate_limit, tr.rate_window_seconds ?? 0) : t.app.none,
        },
        { label: t.settings.concurrency, cell: (tr) => tr.max_concurrency ?? t.app.none },
      ]}
      editLabel={(tr) => s.editTransport(tr.name)}
      // The capture outbox has nothing to configure; the form covers the relays and providers.
      editable={(tr) => kinds.includes(tr.kind as Kind)}
      edit={(tr, close) => <TransportForm stored={tr} onDone={close} />}
      remove={{
        label: s.deleteTransport,
        question: (tr) => <p>{s.deleteTransportQuestion(tr.name)}</p>,
        run: (tr) => api.del(`/v1/transports/${tr.id}`),
        done: s.transportDeleted,
      }}
      bottom={<TransportForm onDone={(saved) => saved && list.reload()} />}
    />
  );
}
