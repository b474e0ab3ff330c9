// Archive mailbox (seed 002): the BCC address every message goes to, and the IMAP mailboxes Poststelle
// reads (archive and bounces). Their credentials are shown to admins on request only.
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useWorkspace } from "./GeneralSection";
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

function MailboxRow({ m }: { m: Mailbox }) {
  const { t, date } = useI18n();
  const [creds, setCreds] = useState<Credentials | null>(null);
  const [error, setError] = useState<unknown>(null);
  const show = () =>
    api.get<Credentials>(`/v1/inbound-mailboxes/${m.id}/credentials`).then(setCreds, setError);
  return (
    <li>
      <strong>{m.name}</strong> ({m.purpose}) · {m.host}:{m.port} · {m.folder}
      <div className="small muted">
        {date(m.last_polled_at)}
        {m.last_error ? ` · ${m.last_error}` : ""}
      </div>
      <ErrorBanner error={error} />
      {creds ? (
        <dl className="props">
          <dt>{t.settings.host}</dt>
          <dd>
            {creds.host}:{creds.port}
          </dd>
          <dt>{t.settings.username}</dt>
          <dd>
            <code>{creds.user}</code>
          </dd>
          <dt>{t.settings.password}</dt>
          <dd>
            <code>{creds.password}</code>
          </dd>
        </dl>
      ) : (
        <button type="button" className="btn btn-small" onClick={show}>
          {t.settings.showCredentials}
        </button>
      )}
    </li>
  );
}

export function ArchiveSection() {
  const { t } = useI18n();
  const ws = useWorkspace();
  const form = useSave();
  const [bcc, setBcc] = useState("");
  const boxes = usePaged<Mailbox>("/v1/inbound-mailboxes", {});
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
      <section className="card" aria-labelledby="mb-h">
        <h2 id="mb-h">{t.settings.mailboxes}</h2>
        <ErrorBanner error={boxes.error} onRetry={boxes.reload} />
        {boxes.loading ? <Loading /> : null}
        {!boxes.loading && boxes.items.length === 0 ? <Empty>{t.settings.noMailboxes}</Empty> : null}
        <ul className="plain-list">
          {boxes.items.map((m) => (
            <MailboxRow key={m.id} m={m} />
          ))}
        </ul>
      </section>
    </>
  );
}
