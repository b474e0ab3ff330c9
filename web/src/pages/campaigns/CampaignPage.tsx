// One serial e-mail or serial letter (seed 004): its state and live progress (polled while a worker is on
// it), the actions its state allows — send, send again to those not yet sent, complete, delete, generate
// letters — and every recipient's processing status with the reason.
import "./campaigns.css";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { ApiError, api, type Page } from "../../api/client";
import { useResource } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { localToIso, useDateTimeText } from "../../components/filters";
import { PageHeader } from "../../components/PageHeader";
import { ErrorBanner, Loading, Notice } from "../../components/states";
import { isoToValue } from "../../i18n/datetime";
import { useSession } from "../../session/session";
import { EventLogEntries } from "../eventlog/EventLogPage";
import { useWorkspace } from "../settings/GeneralSection";
import { StateChip } from "./CampaignsPage";
import { LetterPanel } from "./LetterPanel";
import {
  activeStates,
  type Campaign,
  filterSummary,
  type ListSummary,
  resendStates,
  type TemplateSummary,
  useCampaignText,
} from "./model";
import { ProgressPanel } from "./ProgressPanel";
import { RecipientsTable } from "./RecipientsTable";
import { TrackingCheckbox, trackingWords } from "./TrackingCheckbox";

const POLL_MS = 2000;

/** Reloads every POLL_MS while `active`, and tells how often it did (to refresh dependants). */
function usePolling(reload: () => void, active: boolean): number {
  const [ticks, setTicks] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      reload();
      setTicks((n) => n + 1);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [active, reload]);
  return ticks;
}

type Pending = "send" | "complete" | "delete" | "unschedule" | null;

function EditForm({
  campaign,
  workspaceTracking,
  onSaved,
}: {
  campaign: Campaign;
  workspaceTracking: boolean | null;
  onSaved(): void;
}) {
  const { c, t } = useCampaignText();
  const templates = useResource(
    () => api.get<Page<TemplateSummary>>("/v1/templates", { limit: 500, kind: campaign.kind }),
    [campaign.kind],
  );
  const [name, setName] = useState(campaign.name);
  const [subject, setSubject] = useState(campaign.subject ?? "");
  const [from, setFrom] = useState(campaign.from ?? "");
  const [fromName, setFromName] = useState(campaign.from_name ?? "");
  const [templateId, setTemplateId] = useState(campaign.template_id ?? "");
  const [scheduled, setScheduled] = useState(isoToValue(campaign.scheduled_at));
  const [tracking, setTracking] = useState(campaign.tracking);
  // Typed in the app's language, as when the campaign was created.
  const when = useDateTimeText(scheduled, setScheduled);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const issues = error instanceof ApiError ? error.fieldIssues() : {};
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    // A time that is no date-time is not saved (nor guessed): it stays marked at its field.
    if (when.bad) return;
    try {
      await api.patch(`/v1/campaigns/${campaign.id}`, {
        name,
        subject: subject.trim() || null,
        from: from.trim() || null,
        from_name: fromName.trim() || null,
        template_id: templateId || null,
        // Rescheduling (or, emptied, sending at once when "Senden" is pressed).
        ...(campaign.kind === "email" ? { scheduled_at: localToIso(scheduled) ?? null } : {}),
        // Left as it is while the workspace does not track (the box is disabled then).
        ...(campaign.kind === "email" && workspaceTracking !== false ? { tracking } : {}),
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={save} noValidate aria-labelledby="edit-h">
      <h2 id="edit-h">{c.settings}</h2>
      <ErrorBanner error={error && Object.keys(issues).length === 0 ? error : null} />
      {saved ? <Notice>{t.app.saved}</Notice> : null}
      <div className="form-grid">
        <Field label={c.name} error={issues.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label={c.template} error={issues.template_id}>
          {(p) => (
            <select {...p} value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
              <option value="">{c.noTemplate}</option>
              {templates.data?.items.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={c.subject} error={issues.subject}>
          {(p) => <input {...p} value={subject} onChange={(e) => setSubject(e.target.value)} />}
        </Field>
        {campaign.kind === "email" ? (
          <>
            <Field label={c.from} error={issues.from}>
              {(p) => <input {...p} type="email" value={from} onChange={(e) => setFrom(e.target.value)} />}
            </Field>
            <Field label={c.fromName} error={issues.from_name}>
              {(p) => <input {...p} value={fromName} onChange={(e) => setFromName(e.target.value)} />}
            </Field>
            <Field
              label={c.scheduledAt}
              hint={c.scheduledHint(when.format)}
              error={when.bad ? t.filters.dateTimeInvalid(when.format) : issues.scheduled_at}
            >
              {(p) => <input {...p} {...when.input} />}
            </Field>
            <TrackingCheckbox
              checked={tracking}
              workspaceTracking={workspaceTracking}
              onChange={setTracking}
            />
          </>
        ) : null}
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary">
          {c.edit}
        </button>
        {templateId ? (
          <Link className="btn" to={`/campaigns/templates/${templateId}`}>
            {c.editTemplate}
          </Link>
        ) : (
          <Link className="btn" to={`/campaigns/templates/new?kind=${campaign.kind}`}>
            {c.newTemplate}
          </Link>
        )}
      </div>
    </form>
  );
}

export function CampaignPage() {
  const { id = "" } = useParams();
  const { c, t, date, number } = useCampaignText();
  const { canWrite } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const campaign = useResource(() => api.get<Campaign>(`/v1/campaigns/${id}`), [id]);
  const lists = useResource(() => api.get<Page<ListSummary>>("/v1/lists", { limit: 500 }), []);
  const templateId = campaign.data?.template_id ?? null;
  const template = useResource(
    () => (templateId ? api.get<TemplateSummary>(`/v1/templates/${templateId}`) : Promise.resolve(null)),
    [templateId],
  );
  const ws = useWorkspace();
  const workspaceTracking = ws.data ? ws.data.settings.tracking === true : null;
  const [pending, setPending] = useState<Pending>(null);
  const [includeUnknown, setIncludeUnknown] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(
    (location.state as { notice?: string } | null)?.notice ?? null,
  );
  const x = campaign.data;
  const active = x ? activeStates.has(x.state) : false;
  const ticks = usePolling(campaign.reload, active);

  if (!x) {
    return (
      <>
        <PageHeader title={c.title} />
        {campaign.loading ? <Loading /> : <ErrorBanner error={campaign.error} onRetry={campaign.reload} />}
      </>
    );
  }

  const act = async (what: Exclude<Pending, null>) => {
    setPending(null);
    setActionError(null);
    setNotice(null);
    try {
      if (what === "send") {
        const r = await api.post<Campaign>(
          `/v1/campaigns/${x.id}/send`,
          includeUnknown ? { include_unknown: true } : {},
        );
        setNotice(r.send_scheduled && r.state === "ready" ? c.sendScheduled : c.sendStarted);
      } else if (what === "complete") {
        await api.post(`/v1/campaigns/${x.id}/complete`, {});
      } else if (what === "unschedule") {
        await api.patch(`/v1/campaigns/${x.id}`, { send_scheduled: false });
        setNotice(c.scheduleCancelled);
      } else {
        await api.del(`/v1/campaigns/${x.id}`);
        navigate("/campaigns", { state: { notice: c.deleted } });
        return;
      }
      campaign.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  const counts = x.progress?.counts ?? {};
  const canSend = canWrite && x.kind === "email" && (x.state === "ready" || resendStates.has(x.state));
  const canComplete =
    canWrite &&
    (resendStates.has(x.state) || ["created", "incomplete_created", "failed_creating"].includes(x.state));
  const canDelete = canWrite && x.run_count === 0 && !active && !x.frozen;
  // A send that was asked for and has not started (waiting for its time, or for the recipients to load).
  const canUnschedule =
    canWrite && x.send_scheduled && (x.state === "ready" || x.state === "loading_recipients");
  const sendAt =
    x.scheduled_at && new Date(x.scheduled_at).getTime() > Date.now() ? date(x.scheduled_at) : null;
  const editable = canWrite && !x.frozen && !active;
  const dialogText = {
    send: {
      title: sendAt && x.state === "ready" ? c.sendAtConfirmTitle(sendAt) : c.sendConfirmTitle,
      confirm: x.state === "ready" ? c.send : c.sendAgain,
      body: c.sendConfirm(number(x.recipient_count)),
    },
    complete: { title: c.completeConfirmTitle, confirm: c.complete, body: c.completeConfirm },
    delete: { title: c.deleteConfirmTitle, confirm: t.app.delete, body: c.deleteConfirm },
    unschedule: {
      title: `${c.cancelSchedule}?`,
      confirm: c.cancelSchedule,
      body: x.scheduled_at ? `${c.scheduledAt}: ${date(x.scheduled_at)}` : "",
    },
  };
  const listNames = x.list_ids.map((lid) => lists.data?.items.find((l) => l.id === lid)?.name ?? lid);

  return (
    <>
      <PageHeader
        title={x.name}
        intro={`${c.kinds[x.kind] ?? x.kind} · ${c.purposes[x.purpose] ?? x.purpose}`}
        actions={
          <>
            <StateChip state={x.state} />
            {canSend ? (
              <button type="button" className="btn btn-primary" onClick={() => setPending("send")}>
                {x.state === "ready" ? c.send : c.sendAgain}
              </button>
            ) : null}
            {canUnschedule ? (
              <button type="button" className="btn" onClick={() => setPending("unschedule")}>
                {c.cancelSchedule}
              </button>
            ) : null}
            {canComplete ? (
              <button type="button" className="btn" onClick={() => setPending("complete")}>
                {c.complete}
              </button>
            ) : null}
            {canDelete ? (
              <button type="button" className="btn btn-danger" onClick={() => setPending("delete")}>
                {t.app.delete}
              </button>
            ) : null}
            <Link className="btn" to={`/statistics?campaign_id=${x.id}`}>
              {c.statistics}
            </Link>
          </>
        }
      />
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorBanner error={actionError} />
      {x.frozen ? <p className="banner banner-info">{c.frozen}</p> : null}
      {active ? <p className="banner banner-info">{c.locked}</p> : null}
      {canSend && resendStates.has(x.state) && (counts.unknown ?? 0) > 0 ? (
        <label className="banner banner-warn">
          <input
            type="checkbox"
            checked={includeUnknown}
            onChange={(e) => setIncludeUnknown(e.target.checked)}
          />{" "}
          {c.includeUnknown} ({number(counts.unknown)}) — {c.includeUnknownHint}
        </label>
      ) : null}
      <div className="two-col">
        {x.progress ? <ProgressPanel progress={x.progress} /> : null}
        <section className="card" aria-labelledby="details-h">
          <h2 id="details-h">{t.app.details}</h2>
          <dl className="kv">
            <dt>{c.lists}</dt>
            <dd>{listNames.length ? listNames.join(", ") : t.app.none}</dd>
            {x.filter ? (
              <>
                <dt>{c.filterLabel}</dt>
                <dd>
                  {filterSummary(
                    x.filter,
                    c,
                    (lid) => lists.data?.items.find((l) => l.id === lid)?.name ?? lid,
                  )}
                </dd>
              </>
            ) : null}
            <dt>{c.template}</dt>
            <dd>
              {x.template_id ? (
                <Link to={`/campaigns/templates/${x.template_id}`}>
                  {template.data?.name ?? x.template_id}
                </Link>
              ) : (
                t.app.none
              )}
            </dd>
            <dt>{c.subject}</dt>
            <dd>{x.subject ?? t.app.none}</dd>
            {x.kind === "email" ? (
              <>
                <dt>{c.from}</dt>
                <dd>{x.from ? `${x.from_name ? `${x.from_name} ` : ""}<${x.from}>` : t.app.none}</dd>
                <dt>{c.scheduledAt}</dt>
                <dd>
                  {x.scheduled_at ? (
                    <>
                      {date(x.scheduled_at)}
                      {x.state === "ready" || x.state === "loading_recipients" ? (
                        <span className="muted small">
                          {" "}
                          ({x.send_scheduled ? c.scheduledWaiting : c.scheduledNotArmed})
                        </span>
                      ) : null}
                    </>
                  ) : (
                    t.app.none
                  )}
                </dd>
                <dt>{c.tracking}</dt>
                <dd>{trackingWords(c, x.tracking, workspaceTracking)}</dd>
              </>
            ) : null}
            <dt>{c.recipients}</dt>
            <dd>{number(x.recipient_count)}</dd>
          </dl>
        </section>
      </div>
      {editable && x.run_count === 0 ? (
        <EditForm campaign={x} workspaceTracking={workspaceTracking} onSaved={campaign.reload} />
      ) : null}
      {x.kind === "letter" ? (
        <LetterPanel campaign={x} canWrite={canWrite} onChanged={campaign.reload} />
      ) : null}
      <RecipientsTable campaignId={x.id} refresh={`${x.state}:${x.progress?.done ?? 0}:${ticks}`} />
      <section className="card" aria-labelledby="campaign-log-h">
        <h2 id="campaign-log-h">{t.eventLog.campaignTitle}</h2>
        {/* Entries come with state changes (loaded, waiting, finished): a new state reads them again. */}
        <EventLogEntries key={x.state} recordId={x.id} empty={t.eventLog.campaignEmpty} />
      </section>
      {pending ? (
        // One dialog at a time: the dialog's heading id is unique on the page.
        <ConfirmDialog
          open
          title={dialogText[pending].title}
          confirmLabel={dialogText[pending].confirm}
          danger={pending === "delete"}
          onConfirm={() => void act(pending)}
          onCancel={() => setPending(null)}
        >
          <p>{dialogText[pending].body}</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
