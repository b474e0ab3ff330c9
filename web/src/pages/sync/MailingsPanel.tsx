// Mailings the linked tool sent to this list (/v1/mailings?list_id=…) with their statistics; editors fetch
// the statistics again from the tool.
import { useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { useListText } from "../lists/model";

/** The general statistics of a mailing as the API gives them (seed 003 §6.5). */
interface MailingStatistics {
  recipients: number;
  reached: number;
  bounces: number;
  opens: number;
  clicks: number;
  unsubscribes: number | null;
  no_reaction: number;
  rates: Record<string, number | null>;
  counts_events: boolean;
}

/** The figures in the seed's order: recipients, reached, bounces, opens, clicks, unsubscribes, no reaction. */
const figureKeys = [
  "recipients",
  "reached",
  "bounces",
  "opens",
  "clicks",
  "unsubscribes",
  "no_reaction",
  "click_to_open",
] as const;
type FigureKey = (typeof figureKeys)[number];

/** "91,55 % (65)" as in the seed: the share and the count; the recipients as a plain count. */
function figureText(s: MailingStatistics, k: FigureKey, i18n: ReturnType<typeof useListText>): string {
  const rate = s.rates?.[k] ?? null;
  const percent = rate === null ? null : `${i18n.number(rate)} %`;
  if (k === "click_to_open") return percent ?? i18n.t.app.none;
  const count = s[k];
  if (count === null || count === undefined) return i18n.l.notCounted;
  if (k === "recipients" || percent === null) return i18n.number(count);
  return `${percent} (${i18n.number(count)})`;
}

interface Mailing {
  id: string;
  name: string;
  remote_mailing_id: string;
  recipient_count: number;
  statistics: MailingStatistics | null;
  statistics_fetched_at: string | null;
}

export function MailingsPanel({ listId }: { listId: string }) {
  const i18n = useListText();
  const { l, date, number } = i18n;
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
            {m.statistics
              ? figureKeys.map((k) => (
                  <div key={k} className="contents">
                    <dt>{l.mailingFigures[k]}</dt>
                    <dd>{figureText(m.statistics as MailingStatistics, k, i18n)}</dd>
                  </div>
                ))
              : null}
          </dl>
          {m.statistics?.counts_events ? <p className="muted small">{l.countsEvents}</p> : null}
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
