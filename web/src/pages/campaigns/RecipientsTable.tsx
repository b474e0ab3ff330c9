// The campaign's recipients with their processing status and its reason (seed 004
// "Bearbeitungsstatus"), filtered by status; a sent recipient links to its message and timeline.
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { usePaged } from "../../api/hooks";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { eventDetail } from "../../i18n/events";
import { type Recipient, useCampaignText } from "./model";

/** `refresh` changes whenever the campaign's progress did (state, count done, poll tick): the table follows. */
export function RecipientsTable({ campaignId, refresh }: { campaignId: string; refresh: string }) {
  const { c, t, date, lang } = useCampaignText();
  const [status, setStatus] = useState("");
  const list = usePaged<Recipient>(`/v1/campaigns/${campaignId}/recipients`, { status }, 50);
  const { reload } = list;
  const first = useRef(refresh);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is the trigger, not an input.
  useEffect(() => {
    if (refresh !== first.current) reload();
  }, [refresh]);
  return (
    <section className="card" aria-labelledby="recipients-h">
      <h2 id="recipients-h">{c.recipients}</h2>
      <label>
        {c.status}{" "}
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t.app.all}</option>
          {Object.entries(c.recipientStatuses).map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.items.length > 0 ? (
        <table className="table responsive">
          <caption className="sr-only">{c.recipients}</caption>
          <thead>
            <tr>
              <th scope="col">{c.recipient}</th>
              <th scope="col">{c.status}</th>
              <th scope="col">{c.reason}</th>
              <th scope="col">{c.message}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((r) => (
              <tr key={r.contact_id}>
                <td data-label={c.recipient}>
                  <Link to={`/contacts/${r.contact_id}`}>{r.name ?? r.contact_id}</Link>
                  <div className="small muted">{r.to ?? r.email ?? ""}</div>
                </td>
                <td data-label={c.status}>
                  {c.recipientStatuses[r.status] ?? r.status}
                  {r.done_at ? <div className="small muted">{date(r.done_at)}</div> : null}
                </td>
                <td data-label={c.reason}>
                  {r.reason ? (c.reasons[r.reason] ?? r.reason) : t.app.none}
                  {r.detail ? <div className="small muted">{eventDetail(r.detail, lang)}</div> : null}
                </td>
                <td data-label={c.message}>
                  {r.message_id ? (
                    <Link to={`/messages/${r.message_id}`}>
                      {t.activities.openRecord(t.activities.kinds.message)}
                    </Link>
                  ) : (
                    t.app.none
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>{c.noRecipients}</Empty> : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </section>
  );
}
