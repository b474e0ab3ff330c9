// Aktivitäten (seed 000): who created, changed, deleted or cancelled what and when, colour-coded by action,
// filtered by kind, action, actor and time; a row opens the before/after of its change.
import { Fragment, useState } from "react";
import { Link } from "react-router-dom";
import { usePaged } from "../../api/hooks";
import { FilterBar, TimeRange, timeQuery, useUrlFilters } from "../../components/filters";
import { PagedTable } from "../../components/PagedTable";
import { PageHeader } from "../../components/PageHeader";
import { useI18n } from "../../i18n";
import { actionWord, activitySentence, processName } from "../../i18n/reasons";
import { ChangeTable } from "./ChangeTable";

export interface Activity {
  id: string;
  at: string;
  action: string;
  kind: string;
  record_id: string | null;
  summary: string | null;
  actor: { type: string; id: string | null; name: string | null };
  changes: Record<string, { before: unknown; after: unknown }> | null;
  data: unknown;
}

const keys = ["kind", "action", "actor", "since", "until"] as const;
const knownActions = ["created", "updated", "deleted", "cancelled"];

/** The page of a record the dashboard has one for. */
function recordLink(kind: string, id: string | null): string | null {
  if (!id) return null;
  if (kind === "message") return `/messages/${id}`;
  if (kind === "contact") return `/contacts/${id}`;
  if (kind === "list") return `/lists/${id}`;
  if (kind === "campaign") return `/campaigns/${id}`;
  if (kind === "template") return `/campaigns/templates/${id}`;
  return null;
}

function ActivityRow({ a }: { a: Activity }) {
  const { t, date, lang } = useI18n();
  const [open, setOpen] = useState(false);
  const action = knownActions.includes(a.action) ? a.action : "other";
  // A process by its words ("Eingang (Rückläufer, Bestätigungen)"), a user or key by its name.
  const who =
    a.actor.type === "system"
      ? processName(a.actor.id ?? a.actor.name ?? "", lang)
      : (a.actor.name ?? a.actor.id ?? t.activities.actorTypes[a.actor.type] ?? a.actor.type);
  const link = a.action === "deleted" ? null : recordLink(a.kind, a.record_id);
  const kindLabel = t.activities.kinds[a.kind] ?? a.kind;
  const detailsId = `act-${a.id}`;
  return (
    <Fragment>
      <tr className={`activity activity-${action}`}>
        <td data-label={t.activities.when}>
          <time dateTime={a.at}>{date(a.at)}</time>
        </td>
        <td data-label={t.activities.who}>
          {who}
          <span className="muted small"> · {t.activities.actorTypes[a.actor.type] ?? a.actor.type}</span>
        </td>
        <td data-label={t.activities.what}>
          <span className={`action-badge action-${action}`}>
            {kindLabel} {actionWord(a.action, lang, t)}
          </span>
          <div>{activitySentence(a, lang, t)}</div>
          {/* The server's own sentence is English: shown as a detail in English only. */}
          {lang === "en" && a.summary ? <div className="small muted">{a.summary}</div> : null}
          {/* The record's page where there is one; its id only with the changes (for support). */}
          {link ? (
            <div className="small">
              <Link to={link}>{t.activities.openRecord(kindLabel)}</Link>
            </div>
          ) : null}
        </td>
        <td>
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? t.activities.hideChanges : t.activities.showChanges}
          </button>
        </td>
      </tr>
      {open ? (
        <tr id={detailsId} className="activity-details">
          <td colSpan={4}>
            {a.record_id ? (
              <p className="small muted">
                {t.activities.record}: <code>{a.record_id}</code>
              </p>
            ) : null}
            <ChangeTable changes={a.changes} />
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

export function ActivitiesPage() {
  const { t } = useI18n();
  const { values, apply } = useUrlFilters(keys);
  const list = usePaged<Activity>("/v1/activities", {
    kind: values.kind,
    action: values.action,
    // Part of the name, any case ("Anna" finds "Anna Becker", "buchung" the key "Buchungssystem").
    actor_contains: values.actor?.trim() || undefined,
    ...timeQuery(values.since, values.until),
  });
  const filtered = keys.some((k) => values[k]);
  return (
    <>
      <PageHeader title={t.activities.title} intro={t.activities.intro} />
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <label>
              {t.filters.kind}
              <select value={d.kind} onChange={(e) => set("kind", e.target.value)}>
                <option value="">{t.app.all}</option>
                {Object.entries(t.activities.kinds).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.filters.action}
              <select value={d.action} onChange={(e) => set("action", e.target.value)}>
                <option value="">{t.app.all}</option>
                {knownActions.map((k) => (
                  <option key={k} value={k}>
                    {t.activities.actions[k]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.filters.actor}
              <input
                value={d.actor}
                placeholder={t.filters.actorHint}
                onChange={(e) => set("actor", e.target.value)}
              />
            </label>
            <TimeRange draft={d} set={set} />
          </>
        )}
      </FilterBar>
      <PagedTable
        list={list}
        name="activities"
        caption={t.activities.title}
        headers={[
          { label: t.activities.when },
          { label: t.activities.who },
          { label: t.activities.what },
          { label: t.activities.changes, hidden: true },
        ]}
        empty={filtered ? t.states.emptyFiltered : t.states.emptyActivities}
        row={(a) => <ActivityRow a={a} />}
      />
    </>
  );
}
