// One message: its status and why, the timeline with the evidence of every event (SMTP reply, DSN,
// provider payload, MDN), the error registry's explanation and remedy (seed 001), the raw MIME that left
// and, for admins, where its archive copy went (seed 002).
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, request } from "../../api/client";
import { useResource } from "../../api/hooks";
import { PageHeader } from "../../components/PageHeader";
import { StatusChip } from "../../components/StatusChip";
import { ErrorBanner, Loading, Notice } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { useI18n } from "../../i18n";
import { eventDetail } from "../../i18n/events";
import { useSession } from "../../session/session";
import { show } from "../activities/ChangeTable";
import { SentenceText } from "../eventlog/SentenceText";
import type { MessageDetail, TimelineEvent } from "../messages/types";

function Timeline({ events }: { events: TimelineEvent[] }) {
  const { t, date, lang } = useI18n();
  return (
    <ol className="timeline" aria-label={t.message.timeline}>
      {events.map((e) => (
        <li key={e.id}>
          <div>
            <StatusChip status={e.type} /> <time dateTime={e.at}>{date(e.at)}</time>
            <span className="muted small">
              {" "}
              · {t.message.source}: <span title={e.source}>{t.message.sources[e.source] ?? e.source}</span>
            </span>
          </div>
          {e.detail ? (
            <div>
              <SentenceText text={eventDetail(e.detail, lang)} />
            </div>
          ) : null}
          {e.error_code ? (
            <div className="small">
              <code>{e.error_code}</code>
            </div>
          ) : null}
          {e.evidence ? (
            <details>
              <summary>{t.message.evidence}</summary>
              <pre className="raw">{show(e.evidence)}</pre>
            </details>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function RawMime({ id, purged }: { id: string; purged: boolean }) {
  const { t } = useI18n();
  const [raw, setRaw] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (purged) return <p className="muted">{t.message.rawPurged}</p>;
  const load = () => {
    setError(null);
    request<string>(`/v1/messages/${id}/raw`, { text: true }).then(setRaw, setError);
  };
  return (
    <>
      <ErrorBanner error={error} />
      {raw === null ? (
        <button type="button" className="btn" onClick={load}>
          {t.message.showRaw}
        </button>
      ) : (
        <pre className="raw" data-testid="raw-mime">
          {raw}
        </pre>
      )}
    </>
  );
}

export function MessagePage() {
  const { id = "" } = useParams();
  const { t, lang, date } = useI18n();
  const { isAdmin } = useSession();
  const navigate = useNavigate();
  const msg = useResource(() => api.get<MessageDetail>(`/v1/messages/${id}`, { lang }), [id, lang]);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const resend = async () => {
    setActionError(null);
    try {
      const m = await api.post<{ id: string }>(`/v1/messages/${id}/resend`, {});
      setNotice(t.message.resent);
      navigate(`/messages/${m.id}`);
    } catch (e) {
      setActionError(e);
    }
  };

  if (msg.loading && !msg.data) return <Loading />;
  if (msg.error || !msg.data) {
    return (
      <>
        <PageHeader title={t.message.title} />
        <ErrorBanner error={msg.error} onRetry={msg.reload} />
        <Link to="/messages">{t.app.back}</Link>
      </>
    );
  }
  const m = msg.data;
  return (
    <>
      <PageHeader
        title={`${t.message.title}: ${m.subject ?? m.id}`}
        intro={m.to}
        actions={
          <WriteButton className="btn" onClick={resend}>
            {t.message.resend}
          </WriteButton>
        }
      />
      <p>
        <Link to="/messages">← {t.messages.title}</Link>
      </p>
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorBanner error={actionError} />
      <div className="grid2">
        <section className="card" aria-labelledby="msg-overview">
          <h2 id="msg-overview">{t.message.overview}</h2>
          <dl className="props">
            <dt>{t.message.status}</dt>
            <dd>
              <StatusChip status={m.status} />
              <div className="small muted">{t.statuses[m.status]?.help}</div>
            </dd>
            <dt>{t.message.reason}</dt>
            <dd>
              {m.status_reason ? <SentenceText text={eventDetail(m.status_reason, lang)} /> : t.app.none}
            </dd>
            <dt>{t.message.from}</dt>
            <dd>{m.from_name ? `${m.from_name} <${m.from}>` : m.from}</dd>
            <dt>{t.message.to}</dt>
            <dd>{m.contact_id ? <Link to={`/contacts/${m.contact_id}`}>{m.to}</Link> : m.to}</dd>
            <dt>{t.message.subject}</dt>
            <dd>{m.subject ?? t.app.none}</dd>
            <dt>{t.message.created}</dt>
            <dd>{date(m.created_at)}</dd>
            <dt>{t.message.sentAt}</dt>
            <dd>{date(m.sent_at)}</dd>
            <dt>{t.message.messageId}</dt>
            <dd>
              <code>{m.message_id ?? t.app.none}</code>
            </dd>
            <dt>{t.message.returnPath}</dt>
            <dd>
              <code>{m.return_path ?? t.app.none}</code>
            </dd>
            {m.campaign_id ? (
              <>
                <dt>{t.message.campaign}</dt>
                <dd>
                  <code>{m.campaign_id}</code>
                </dd>
              </>
            ) : null}
            {m.tags.length > 0 ? (
              <>
                <dt>{t.message.tags}</dt>
                <dd>{m.tags.join(", ")}</dd>
              </>
            ) : null}
            {m.read_receipt ? (
              <>
                <dt>{t.message.readReceipt}</dt>
                <dd>{t.app.yes}</dd>
              </>
            ) : null}
          </dl>
        </section>
        {m.error ? (
          <section className="card error-card" aria-labelledby="msg-error">
            <h2 id="msg-error">{t.message.error}</h2>
            <p>
              <strong>{m.error.label ?? m.error.code}</strong> <code>{m.error.code}</code>
            </p>
            <h3>{t.message.explanation}</h3>
            <p>{m.error.explanation}</p>
            <h3>{t.message.remedy}</h3>
            <p>{m.error.remedy}</p>
          </section>
        ) : null}
        {isAdmin ? (
          <section className="card" aria-labelledby="msg-archive">
            <h2 id="msg-archive">{t.message.archive}</h2>
            <p>{m.archive_bcc ? t.message.archiveText(m.archive_bcc) : t.message.archiveNone}</p>
          </section>
        ) : null}
      </div>
      <section className="card" aria-labelledby="msg-timeline">
        <h2 id="msg-timeline">{t.message.timeline}</h2>
        <Timeline events={m.timeline} />
      </section>
      <section className="card" aria-labelledby="msg-raw">
        <h2 id="msg-raw">{t.message.raw}</h2>
        <RawMime id={m.id} purged={m.body_purged_at !== null} />
      </section>
    </>
  );
}
