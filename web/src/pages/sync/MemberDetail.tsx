// One member's reconciliation (seed 003 §5.2 "Informationen zum Abgleich"): the last result with both
// sides' values next to each other, the task with only the tasks that make sense, and the event log.
import { api } from "../../api/client";
import { useResource } from "../../api/hooks";
import { ErrorBanner, Loading } from "../../components/states";
import { eventDetail } from "../../i18n/events";
import { type SyncMember, useListText } from "../lists/model";

interface Event {
  id: string;
  at: string;
  severity: string;
  detail: string;
}

const shown = (v: unknown, none: string) => (v === null || v === undefined || v === "" ? none : String(v));

export function MemberDetail({ listId, member }: { listId: string; member: SyncMember }) {
  const { l, t, date, lang } = useListText();
  const events = useResource(
    () =>
      api
        .get<{ items: Event[] }>("/v1/event-log", { record_id: member.subscription_id, limit: 20 })
        .then((p) => p.items),
    [member.subscription_id, listId],
  );
  const conflicts = member.result_detail.conflicts ?? [];
  const toolSide = member.tool;
  // Without a conflict list, compare the fields both sides have.
  const rows =
    conflicts.length > 0
      ? conflicts.map((c) => ({ field: c.field, crm: c.crm, tool: c.tool, differs: true }))
      : [
          { field: "email", crm: member.contact.email, tool: toolSide?.email },
          { field: "status", crm: member.status.value, tool: toolSide?.status },
          { field: "first_name", crm: member.contact.first_name, tool: toolSide?.first_name },
          { field: "last_name", crm: member.contact.last_name, tool: toolSide?.last_name },
        ].map((r) => ({ ...r, differs: toolSide !== null && (r.crm ?? null) !== (r.tool ?? null) }));
  const label = (field: string, v: unknown) =>
    field === "status" && typeof v === "string"
      ? (t.contact.subscriptionStatuses[v] ?? l.toolStatuses[v] ?? v)
      : shown(v, t.app.none);
  return (
    <div className="sync-detail">
      <p>
        <strong>{member.result ? l.results[member.result] : l.notReconciled}</strong>
        {member.result_at ? ` · ${date(member.result_at)}` : null}
      </p>
      <table className="table compare">
        <caption className="sr-only">{l.detail}</caption>
        <thead>
          <tr>
            <th scope="col">{l.field}</th>
            <th scope="col">{l.inCrm}</th>
            <th scope="col">{l.inTool}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.field} className={r.differs ? "differs" : undefined}>
              <th scope="row">{l.fields[r.field] ?? r.field}</th>
              <td>{label(r.field, r.crm)}</td>
              <td>{toolSide ? label(r.field, r.tool) : l.results.not_in_tool}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {(member.result_detail.warnings ?? []).map((w) => (
        <p key={w} className="muted">
          {eventDetail(w, lang)}
        </p>
      ))}
      {member.task_reason ? (
        <p>
          {l.taskReason}: {l.taskReasons[member.task_reason] ?? member.task_reason}
        </p>
      ) : null}
      {member.transmit ? (
        <p>
          {l.transmitOutcome}: {l.transmitOutcomes[member.transmit.outcome] ?? member.transmit.outcome}
          {member.transmit.error ? ` — ${eventDetail(member.transmit.error, lang)}` : ""} (
          {date(member.transmit.at)})
        </p>
      ) : null}
      <h4>{l.eventLog}</h4>
      <ErrorBanner error={events.error} onRetry={events.reload} />
      {events.loading ? <Loading /> : null}
      {events.data && events.data.length === 0 ? <p className="muted">{l.noEvents}</p> : null}
      <ul className="plain-list">
        {(events.data ?? []).map((e) => (
          <li key={e.id}>
            {date(e.at)} · {l.severities[e.severity] ?? e.severity} · {eventDetail(e.detail, lang)}
          </li>
        ))}
      </ul>
    </div>
  );
}
