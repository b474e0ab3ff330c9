// E-Mail-Status (seed 000): every message with its status chip, the meaning of each status, filters by
// status, recipient, campaign and time, read page by page.
import { useNavigate } from "react-router-dom";
import { usePaged } from "../../api/hooks";
import { FilterBar, RecordSelect, TimeRange, timeQuery, useUrlFilters } from "../../components/filters";
import { PagedTable } from "../../components/PagedTable";
import { PageHeader } from "../../components/PageHeader";
import { StatusChip } from "../../components/StatusChip";
import { useI18n } from "../../i18n";
import { eventDetail } from "../../i18n/events";
import { type MessageSummary, messageStatuses } from "./types";

const keys = ["status", "to", "campaign_id", "since", "until"] as const;

function StatusLegend() {
  const { t } = useI18n();
  return (
    <details className="card">
      <summary>{t.messages.legend}</summary>
      <div className="legend">
        {messageStatuses.map((s) => (
          <div key={s}>
            <StatusChip status={s} />
            <p>{t.statuses[s]?.help}</p>
          </div>
        ))}
      </div>
    </details>
  );
}

export function MessagesPage() {
  const { t, date, lang } = useI18n();
  const navigate = useNavigate();
  const { values, apply } = useUrlFilters(keys);
  const list = usePaged<MessageSummary>("/v1/messages", {
    status: values.status,
    to: values.to,
    campaign_id: values.campaign_id,
    ...timeQuery(values.since, values.until),
  });
  const filtered = keys.some((k) => values[k]);
  return (
    <>
      <PageHeader title={t.messages.title} intro={t.messages.intro} />
      <StatusLegend />
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <label>
              {t.filters.status}
              <select value={d.status} onChange={(e) => set("status", e.target.value)}>
                <option value="">{t.app.all}</option>
                {messageStatuses.map((s) => (
                  <option key={s} value={s}>
                    {t.statuses[s]?.label ?? s}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t.filters.recipient}
              <input type="search" value={d.to} onChange={(e) => set("to", e.target.value)} />
            </label>
            <RecordSelect
              label={t.filters.campaign}
              path="/v1/campaigns"
              query={{ kind: "email" }}
              allLabel={t.app.all}
              value={d.campaign_id}
              onChange={(id) => set("campaign_id", id)}
            />
            <TimeRange draft={d} set={set} />
          </>
        )}
      </FilterBar>
      <PagedTable
        list={list}
        name="messages"
        caption={t.messages.title}
        headers={[
          { label: t.messages.status },
          { label: t.messages.to },
          { label: t.messages.subject },
          { label: t.messages.created },
          { label: t.messages.sent },
        ]}
        empty={filtered ? t.states.emptyFiltered : t.states.emptyMessages}
        row={(m) => (
          <tr className="clickable" onClick={() => navigate(`/messages/${m.id}`)}>
            <td data-label={t.messages.status}>
              <StatusChip status={m.status} />
            </td>
            <td data-label={t.messages.to}>
              {/* The link is the keyboard's way in; the row click is a convenience for the mouse. */}
              <a href={`/messages/${m.id}`} onClick={(e) => e.preventDefault()}>
                {m.to}
              </a>
            </td>
            <td data-label={t.messages.subject}>
              {m.subject}
              {m.status_reason ? (
                <div className="small muted">{eventDetail(m.status_reason, lang)}</div>
              ) : null}
            </td>
            <td data-label={t.messages.created}>
              <time dateTime={m.created_at}>{date(m.created_at)}</time>
            </td>
            <td data-label={t.messages.sent}>{m.sent_at ? date(m.sent_at) : t.app.none}</td>
          </tr>
        )}
      />
    </>
  );
}
