// Archive mailbox (seed 002): the BCC address every message goes to, and the IMAP mailboxes Poststelle
// reads (archive and bounces), added, edited and deleted here. Their credentials are shown to admins on
// request only, never filled into the edit form.
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSettingsLabels } from "../../i18n/settings";
import { useWorkspace } from "./GeneralSection";
import { RecordSection } from "./RecordSection";
import { useSave } from "./useForm";

interface Mailbox {
  id: string;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  user: string;
  folder: string;
  purpose: string;
  after: string;
  move_to: string | null;
  poll_seconds: number;
  enabled: boolean;
  last_polled_at: string | null;
  last_error: string | null;
}

interface Credentials {
  host: string;
  port: number;
  user: string;
  password: string;
  folder: string;
}

/** The credentials in clear, on request (seed 002: admins may open the archive directly; it is logged). */
function ShowCredentials({ m }: { m: Mailbox }) {
  const { t } = useI18n();
  const [creds, setCreds] = useState<Credentials | null>(null);
  const [error, setError] = useState<unknown>(null);
  const show = () =>
    api.get<Credentials>(`/v1/inbound-mailboxes/${m.id}/credentials`).then(setCreds, setError);
  if (!creds) {
    return (
      <>
        <ErrorBanner error={error} />
        <button type="button" className="btn btn-small" onClick={show}>
          {t.settings.showCredentials}
        </button>
      </>
    );
  }
  return (
    <dl className="props">
      <dt>{t.settings.username}</dt>
      <dd>
        <code>{creds.user}</code>
      </dd>
      <dt>{t.settings.password}</dt>
      <dd>
        <code>{creds.password}</code>
      </dd>
    </dl>
  );
}

type Values = Record<string, string>;

function initialValues(m?: Mailbox): Values {
  return {
    name: m?.name ?? "",
    host: m?.host ?? "",
    port: String(m?.port ?? 993),
    tls: m === undefined || m.tls ? "yes" : "",
    user: m?.user ?? "",
    password: "",
    folder: m?.folder ?? "INBOX",
    purpose: m?.purpose ?? "archive",
    after: m?.after ?? "flag",
    move_to: m?.move_to ?? "",
    poll_seconds: String(m?.poll_seconds ?? 60),
    enabled: m === undefined || m.enabled ? "yes" : "",
  };
}

/** Adds a mailbox, or edits one: the password is never filled in and kept when left empty. */
export function MailboxForm({ stored, onDone }: { stored?: Mailbox; onDone(saved: boolean): void }) {
  const { t } = useI18n();
  const s = useSettingsLabels();
  const form = useSave();
  const [v, setV] = useState<Values>(() => initialValues(stored));
  const set = (k: string) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  const flag = (k: string) => (e: { target: { checked: boolean } }) =>
    setV({ ...v, [k]: e.target.checked ? "yes" : "" });
  const uid = stored?.id ?? "new";
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      name: v.name.trim(),
      host: v.host.trim(),
      port: Number(v.port),
      tls: v.tls === "yes",
      user: v.user.trim(),
      ...(v.password || !stored ? { password: v.password } : {}),
      folder: v.folder.trim() || "INBOX",
      purpose: v.purpose,
      after: v.after,
      move_to: v.after === "move" ? v.move_to.trim() || null : null,
      poll_seconds: Number(v.poll_seconds),
      enabled: v.enabled === "yes",
    };
    const r = await form.save(() =>
      stored
        ? api.patch(`/v1/inbound-mailboxes/${stored.id}`, body)
        : api.post("/v1/inbound-mailboxes", body),
    );
    if (r) {
      if (!stored) setV(initialValues());
      onDone(true);
    }
  };
  const text = (k: string, label: string, type = "text", hint?: string) => (
    <Field label={label} error={form.at(k)} hint={hint}>
      {(p) => (
        <input
          {...p}
          type={type}
          autoComplete={type === "password" ? "new-password" : "off"}
          value={v[k]}
          onChange={set(k)}
        />
      )}
    </Field>
  );
  const choice = (k: string, label: string, options: Record<string, string>) => (
    <Field label={label} error={form.at(k)}>
      {(p) => (
        <select {...p} value={v[k]} onChange={set(k)}>
          {Object.entries(options).map(([value, name]) => (
            <option key={value} value={value}>
              {name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const title = stored ? s.editMailbox(stored.name) : s.addMailbox;
  return (
    <form className={stored ? "edit-entry" : "card"} onSubmit={submit} noValidate aria-label={title}>
      {stored ? null : <h3>{title}</h3>}
      <ErrorBanner error={form.error} />
      <div className="grid2">
        {text("name", s.mailboxName)}
        {choice("purpose", s.purpose, s.purposes)}
        {text("host", t.settings.host)}
        {text("port", t.settings.port, "number")}
        {text("user", t.settings.username)}
        {text("password", t.settings.password, "password", stored ? s.keepSecret : undefined)}
        {text("folder", s.folder)}
        {choice("after", s.after, s.afters)}
        {v.after === "move" ? text("move_to", s.moveTo) : null}
        {text("poll_seconds", s.pollSeconds, "number")}
      </div>
      <div className="check">
        <input id={`tls-${uid}`} type="checkbox" checked={v.tls === "yes"} onChange={flag("tls")} />
        <label htmlFor={`tls-${uid}`}>{s.tls}</label>
      </div>
      <div className="check">
        <input id={`on-${uid}`} type="checkbox" checked={v.enabled === "yes"} onChange={flag("enabled")} />
        <label htmlFor={`on-${uid}`}>{s.enabled}</label>
      </div>
      <div className="actions">
        {stored ? (
          <button type="button" className="btn" onClick={() => onDone(false)}>
            {t.app.cancel}
          </button>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
          {stored ? t.app.save : s.addMailbox}
        </button>
      </div>
    </form>
  );
}

function Mailboxes() {
  const { t, date } = useI18n();
  const s = useSettingsLabels();
  const boxes = usePaged<Mailbox>("/v1/inbound-mailboxes", {});
  return (
    <RecordSection
      name="mailboxes"
      title={t.settings.mailboxes}
      list={boxes}
      empty={t.settings.noMailboxes}
      columns={[
        { label: s.mailboxName, cell: (m) => m.name },
        { label: s.purpose, cell: (m) => s.purposes[m.purpose] ?? m.purpose },
        { label: t.settings.host, cell: (m) => `${m.host}:${m.port} · ${m.folder}` },
        {
          label: s.lastPolled,
          cell: (m) => (
            <>
              {date(m.last_polled_at)}
              {m.last_error ? <div className="small muted">{m.last_error}</div> : null}
            </>
          ),
        },
        { label: t.settings.password, cell: (m) => <ShowCredentials m={m} /> },
      ]}
      editLabel={(m) => s.editMailbox(m.name)}
      edit={(m, close) => <MailboxForm stored={m} onDone={close} />}
      remove={{
        label: s.deleteMailbox,
        question: (m) => <p>{s.deleteMailboxQuestion(m.name)}</p>,
        run: (m) => api.del(`/v1/inbound-mailboxes/${m.id}`),
        done: s.mailboxDeleted,
      }}
      bottom={<MailboxForm onDone={(saved) => saved && boxes.reload()} />}
    />
  );
}

export function ArchiveSection() {
  const { t } = useI18n();
  const ws = useWorkspace();
  const form = useSave();
  const [bcc, setBcc] = useState("");
  useEffect(() => setBcc(ws.data?.settings.archive_bcc ?? ""), [ws.data]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void form.save(() => api.patch("/v1/workspace", { settings: { archive_bcc: bcc.trim() || null } }));
  };
  return (
    <>
      <form className="card" onSubmit={submit} noValidate>
        <h2>{t.settings.sections.archive}</h2>
        <ErrorBanner error={form.error ?? ws.error} />
        {form.saved ? <Notice>{t.app.saved}</Notice> : null}
        <Field
          label={t.settings.archiveBcc}
          hint={t.settings.archiveHint}
          error={form.at("settings.archive_bcc")}
        >
          {(p) => <input {...p} type="email" value={bcc} onChange={(e) => setBcc(e.target.value)} />}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
          {t.app.save}
        </button>
      </form>
      <Mailboxes />
    </>
  );
}
