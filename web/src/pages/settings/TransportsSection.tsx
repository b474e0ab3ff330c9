// Transports: how mail leaves (SMTP relay, provider APIs, the capture outbox) with their sending limits.
// Adding an SMTP relay is a form here; everything else is in the API (POST /v1/transports).
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSave } from "./useForm";

interface Transport {
  id: string;
  name: string;
  kind: string;
  is_default: boolean;
  endpoint: string | null;
  rate_limit: number | null;
  rate_window_seconds: number | null;
  max_concurrency: number | null;
}

function AddSmtp({ onAdded }: { onAdded(): void }) {
  const { t } = useI18n();
  const form = useSave();
  const [v, setV] = useState({ name: "", host: "", port: "587", user: "", pass: "", rate: "", window: "" });
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) =>
    setV({ ...v, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await form.save(() =>
      api.post("/v1/transports", {
        name: v.name.trim(),
        kind: "smtp",
        config: {
          host: v.host.trim(),
          port: Number(v.port) || 587,
          ...(v.user ? { auth: { user: v.user, pass: v.pass } } : {}),
        },
        ...(v.rate ? { rate_limit: Number(v.rate), rate_window_seconds: Number(v.window) || 60 } : {}),
      }),
    );
    if (r) onAdded();
  };
  return (
    <form className="card" onSubmit={submit} noValidate>
      <h3>{t.settings.addTransport} (SMTP)</h3>
      <ErrorBanner error={form.error} />
      {form.saved ? <Notice>{t.app.saved}</Notice> : null}
      <div className="grid2">
        <Field label={t.settings.transportName} error={form.at("name")}>
          {(p) => <input {...p} value={v.name} onChange={set("name")} />}
        </Field>
        <Field label={t.settings.host} error={form.at("config.host")}>
          {(p) => <input {...p} value={v.host} onChange={set("host")} />}
        </Field>
        <Field label={t.settings.port} error={form.at("config.port")}>
          {(p) => <input {...p} type="number" value={v.port} onChange={set("port")} />}
        </Field>
        <Field label={t.settings.username} error={form.at("config.auth.user")}>
          {(p) => <input {...p} autoComplete="off" value={v.user} onChange={set("user")} />}
        </Field>
        <Field label={t.settings.password} error={form.at("config.auth.pass")}>
          {(p) => (
            <input {...p} type="password" autoComplete="new-password" value={v.pass} onChange={set("pass")} />
          )}
        </Field>
        <Field label={`${t.settings.rateLimit} (n)`} error={form.at("rate_limit")}>
          {(p) => <input {...p} type="number" min={1} value={v.rate} onChange={set("rate")} />}
        </Field>
        <Field label={`${t.settings.rateLimit} (s)`} error={form.at("rate_window_seconds")}>
          {(p) => <input {...p} type="number" min={1} value={v.window} onChange={set("window")} />}
        </Field>
      </div>
      <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
        {t.settings.addTransport}
      </button>
    </form>
  );
}

export function TransportsSection() {
  const { t } = useI18n();
  const list = usePaged<Transport>("/v1/transports", {});
  return (
    <>
      <section className="card" aria-labelledby="tr-h">
        <h2 id="tr-h">{t.settings.sections.transports}</h2>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {list.loading ? <Loading /> : null}
        {!list.loading && list.items.length === 0 ? <Empty>{t.settings.noTransports}</Empty> : null}
        {list.items.length > 0 ? (
          <table className="table responsive">
            <thead>
              <tr>
                <th scope="col">{t.settings.transportName}</th>
                <th scope="col">{t.settings.transportKind}</th>
                <th scope="col">{t.settings.host}</th>
                <th scope="col">{t.settings.rateLimit}</th>
                <th scope="col">{t.settings.concurrency}</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((tr) => (
                <tr key={tr.id}>
                  <td data-label={t.settings.transportName}>
                    {tr.name}
                    {tr.is_default ? <span className="chip"> {t.settings.isDefault}</span> : null}
                  </td>
                  <td data-label={t.settings.transportKind}>{tr.kind}</td>
                  <td data-label={t.settings.host}>{tr.endpoint ?? t.app.none}</td>
                  <td data-label={t.settings.rateLimit}>
                    {tr.rate_limit
                      ? t.settings.perWindow(tr.rate_limit, tr.rate_window_seconds ?? 0)
                      : t.app.none}
                  </td>
                  <td data-label={t.settings.concurrency}>{tr.max_concurrency ?? t.app.none}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <AddSmtp onAdded={list.reload} />
    </>
  );
}
