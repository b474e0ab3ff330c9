// Ereignisprotokoll (seed 003 §7, under Meldungen): what Poststelle's processes reported, newest first — a
// campaign loaded, waiting for its limit or finished, an IMAP mailbox failing, sign-ups expired, a login
// locked, a complaint — with its type (information, warning, error), the process, the record it concerns and
// a "checked" tick (GET/PATCH /v1/event-log). Filters by type, process, checked and time live in the URL.
// The campaign page shows its own entries with the same rows (EventLogEntries).
import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { FilterBar, TimeRange, timeQuery, useUrlFilters } from "../../components/filters";
import { PagedTable } from "../../components/PagedTable";
import { PageHeader } from "../../components/PageHeader";
import { useI18n } from "../../i18n";
import { eventLogDetail } from "../../i18n/event-log";
import { useSession } from "../../session/session";
import { SentenceText } from "./SentenceText";

export interface EventLogEntry {
  id: string;
  at: string;
  severity: string;
  process: string;
  trigger: string;
  record_kind: string | null;
  record_id: string | null;
  detail: string;
  checked: boolean;
  checked_by: string | null;
  checked_at: string | null;
}

const keys = ["severity", "process", "checked", "since", "until"] as const;
const severities = ["information", "warning", "error"];

/** The dashboard's page of the record an entry concerns, where it has one. */
function recordLink(kind: string | null, id: string | null): string | null {
  if (!id) return null;
  if (kind === "message") return `/messages/${id}`;
  if (kind === "campaign") return `/campaigns/${id}`;
  if (kind === "contact") return `/contacts/${id}`;
  if (kind === "list") return `/lists/${id}`;
  return null;
}

/** The "checked" tick: editors and admins set it, everyone sees who set it. */
function CheckedBox({ entry }: { entry: EventLogEntry }) {
  const { t } = useI18n();
  const { canWrite } = useSession();
  const [checked, setChecked] = useState(entry.checked);
  const [by, setBy] = useState(entry.checked_by);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const toggle = async (next: boolean) => {
    // The tick follows the click at once and goes back if the server refuses it.
    setChecked(next);
    setBusy(true);
    setFailed(false);
    try {
      const r = await api.patch<EventLogEntry>(`/v1/event-log/${entry.id}`, { checked: next });
      setChecked(r.checked);
      setBy(r.checked_by);
    } catch {
      setChecked(!next);
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <input
        type="checkbox"
        checked={checked}
        disabled={!canWrite || busy}
        aria-label={t.eventLog.markChecked}
        onChange={(e) => void toggle(e.target.checked)}
      />
      {checked && by ? <div className="small muted">{t.eventLog.checkedBy(by)}</div> : null}
      {failed ? (
        <div className="small field-error" role="alert">
          {t.app.unexpected}
        </div>
      ) : null}
    </>
  );
}

/** One entry as a table row: when, type, process, what it says (in the user's language), the record, checked. */
export function EventLogRow({ e, showRecord = true }: { e: EventLogEntry; showRecord?: boolean }) {
  const { t, date, lang } = useI18n();
  const link = recordLink(e.record_kind, e.record_id);
  const kindLabel = t.activities.kinds[e.record_kind ?? ""] ?? e.record_kind ?? "";
  return (
    <tr className={`event-log-entry severity-${e.severity}`}>
      <td data-label={t.eventLog.when}>
        <time dateTime={e.at}>{date(e.at)}</time>
      </td>
      <td data-label={t.eventLog.type}>
        <span className={`chip chip-severity-${e.severity}`}>
          {t.eventLog.severities[e.severity] ?? e.severity}
        </span>
      </td>
      <td data-label={t.eventLog.process}>
        {t.eventLog.processes[e.process] ?? e.process}
        <div className="small muted">{t.eventLog.triggers[e.trigger] ?? e.trigger}</div>
      </td>
      <td data-label={t.eventLog.message}>
        <div>
          <SentenceText text={eventLogDetail(e.detail, lang, date)} />
        </div>
        {showRecord && e.record_id ? (
          // The record's page in words where there is one; otherwise its kind, the id in the tooltip.
          <div className="small muted">
            {link ? (
              <Link to={link}>{t.activities.openRecord(kindLabel)}</Link>
            ) : (
              <span title={e.record_id}>{kindLabel}</span>
            )}
          </div>
        ) : null}
      </td>
      <td data-label={t.eventLog.checked}>
        <CheckedBox entry={e} />
      </td>
    </tr>
  );
}

function useHeaders() {
  const { t } = useI18n();
  return [
    { label: t.eventLog.when },
    { label: t.eventLog.type },
    { label: t.eventLog.process },
    { label: t.eventLog.message },
    { label: t.eventLog.checked },
  ];
}

/** The entries about one record (a campaign's, on its page), newest first, with "more". */
export function EventLogEntries({ recordId, empty }: { recordId: string; empty: string }) {
  const { t } = useI18n();
  const list = usePaged<EventLogEntry>("/v1/event-log", { record_id: recordId }, 20);
  return (
    <PagedTable
      list={list}
      name="event-log"
      caption={t.eventLog.title}
      headers={useHeaders()}
      empty={empty}
      row={(e) => <EventLogRow e={e} showRecord={false} />}
    />
  );
}

export function EventLogPage() {
  const { t } = useI18n();
  const { values, apply } = useUrlFilters(keys);
  const list = usePaged<EventLogEntry>("/v1/event-log", {
    severity: values.severity,
    process: values.process,
    checked: values.checked,
    ...timeQuery(values.since, values.until),
  });
  const filtered = keys.some((k) => values[k]);
  const headers = useHeaders();
  return (
    <>
      <PageHeader title={t.eventLog.title} intro={t.eventLog.intro} />
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <label>
              {t.eventLog.type}
              <select value={d.severity} onChange={(e) => set("severity", e.target.value)}>
                <option value="">{t.app.all}</option>
                {severities.map((s) => (
                  <option key={s} value={s}>
                    {t.eventLog.severities[s]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.eventLog.process}
              <select value={d.process} onChange={(e) => set("process", e.target.value)}>
                <option value="">{t.app.all}</option>
                {Object.entries(t.eventLog.processes).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.eventLog.checked}
              <select value={d.checked} onChange={(e) => set("checked", e.target.value)}>
                <option value="">{t.app.all}</option>
                <option value="false">{t.eventLog.onlyUnchecked}</option>
                <option value="true">{t.eventLog.onlyChecked}</option>
              </select>
            </label>
            <TimeRange draft={d} set={set} />
          </>
        )}
      </FilterBar>
      <PagedTable
        list={list}
        name="event-log"
        caption={t.eventLog.title}
        headers={headers}
        empty={filtered ? t.states.emptyFiltered : t.states.emptyEventLog}
        row={(e) => <EventLogRow e={e} />}
      />
    </>
  );
}
