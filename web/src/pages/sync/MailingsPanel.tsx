// Mailings the linked tool sent to this list (/v1/mailings?list_id=…) with their statistics; editors fetch
// the statistics again from the tool.
import { useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { useListText } from "../lists/model";

interface Mailing {
  id: string;
  name: string;
  remote_mailing_id: string;
  recipient_count: number;
  statistics: Record<string, unknown> | null;
  statistics_fetched_at: string | null;
}

export function MailingsPanel({ listId }: { listId: string }) {
  const { l, date, number } = useListText();
  const mailings = usePaged<Mailing>("/v1/mailings", { list_id: listId });
  const [error, setError] = useState<unknown>(null);
  async function fetchStats(m: Mailing) {
    setError(null);
    try {
      await api.post(`/v1/mailings/${m.id}/fetch`, {});
      mailings.reload();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <section aria-labelledby="mailings">
      <h2 id="mailings">{l.mailings}</h2>
      <p className="muted">{l.mailingsIntro}</p>
      <ErrorBanner error={error ?? mailings.error} onRetry={error ? undefined : mailings.reload} />
      {mailings.items.map((m) => (
        <article key={m.id} className="card" aria-labelledby={`m-${m.id}`}>
          <h3 id={`m-${m.id}`}>{m.name}</h3>
          <dl className="props">
            <dt>{l.recipients}</dt>
            <dd>{number(m.recipient_count)}</dd>
            <dt>{l.statsFetched}</dt>
            <dd>{date(m.statistics_fetched_at)}</dd>
            {Object.entries(m.statistics ?? {})
              .filter(([, v]) => typeof v === "number")
              .map(([k, v]) => (
                <div key={k} className="contents">
                  <dt>{k}</dt>
                  <dd>{number(v as number)}</dd>
                </div>
              ))}
          </dl>
          <WriteButton className="btn btn-small" onClick={() => void fetchStats(m)}>
            {l.fetchStats}
          </WriteButton>
        </article>
      ))}
      {mailings.loading ? <Loading /> : null}
      {!mailings.loading && !mailings.error && mailings.items.length === 0 ? (
        <Empty>{l.noMailings}</Empty>
      ) : null}
      <LoadMore hasMore={mailings.hasMore} loading={mailings.loading} onClick={mailings.loadMore} />
    </section>
  );
}
