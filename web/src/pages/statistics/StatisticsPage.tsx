// Statistik (issue 5 item 9, seed 003 "Statistik"): per serial correspondence and time range, the delivery
// funnel, opens and clicks over time, human against machine opens, bounce reasons, and each recipient's
// reaction. Everything comes from /v1/stats*.
import "../campaigns/campaigns.css";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { usePaged, useResource } from "../../api/hooks";
import {
  FilterBar,
  LoadMore,
  RecordSelect,
  TimeRange,
  timeQuery,
  useUrlFilters,
} from "../../components/filters";
import { PageHeader } from "../../components/PageHeader";
import { StatusChip } from "../../components/StatusChip";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { useCampaignText } from "../campaigns/model";
import { BarChart, ChartTable, ColumnChart } from "./charts";

interface Stats {
  messages: number;
  sent: number;
  delivered: number;
  hard_bounced: number;
  soft_bounced: number;
  blocked: number;
  opened_unique: number;
  opened_human: number;
  opened_machine: number;
  clicked_unique: number;
  clicked_human: number;
  unsubscribed: number;
  complaints: number;
  no_reaction: number;
  click_to_open_rate: number | null;
  bounce_reasons: Record<string, number>;
}

interface Bucket {
  at: string;
  opens_human: number;
  opens_machine: number;
  clicks_human: number;
  clicks_machine: number;
}

interface Reaction {
  message_id: string;
  contact_id: string | null;
  to: string | null;
  status: string;
  reaction: string;
  first_opened_at: string | null;
  first_clicked_at: string | null;
  machine_opens: number;
  machine_clicks: number;
}

const keys = ["campaign_id", "since", "until", "bucket", "reaction"] as const;
const funnelKeys = ["messages", "sent", "delivered", "opened_human", "clicked_human"] as const;
const tiles = [
  "sent",
  "delivered",
  "opened_human",
  "clicked_human",
  "hard_bounced",
  "soft_bounced",
  "blocked",
  "unsubscribed",
  "complaints",
  "no_reaction",
] as const;

/** Statuses of a message that never reached the mailbox: "not opened" would say too little there. */
const undelivered = new Set(["hard_bounced", "blocked", "failed", "dropped"]);

export function StatisticsPage() {
  const { c, t, number, date, lang } = useCampaignText();
  const { values, apply } = useUrlFilters(keys);
  const scope = { campaign_id: values.campaign_id, ...timeQuery(values.since, values.until) };
  const scopeKey = JSON.stringify(scope);
  const stats = useResource(() => api.get<Stats>("/v1/stats", JSON.parse(scopeKey)), [scopeKey]);
  const bucket = values.bucket || "day";
  const series = useResource(
    () => api.get<{ items: Bucket[] }>("/v1/stats/timeseries", { ...JSON.parse(scopeKey), bucket }),
    [scopeKey, bucket],
  );
  const reactions = usePaged<Reaction>("/v1/stats/recipients", { ...scope, reaction: values.reaction });
  // Bounce reasons are error-registry codes (userunknown, 4.2.2): shown by the registry's label in the
  // user's language, the code in the tooltip and the table. Without the registry (not loaded, an unknown
  // code) the code stands alone.
  const reasonCodes = Object.keys(stats.data?.bounce_reasons ?? {})
    .sort()
    .join(" ");
  const registry = useResource(
    () =>
      reasonCodes
        ? api.get<{ items: Array<{ code: string; label: string }> }>("/v1/error-registry", {
            lang,
            limit: 500,
          })
        : Promise.resolve({ items: [] }),
    [reasonCodes, lang],
  );
  const reasonLabel = (code: string) => registry.data?.items.find((e) => e.code === code)?.label ?? code;
  const pct = new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-GB", {
    style: "percent",
    maximumFractionDigits: 1,
  });
  const fmt = (n: number) => number(n);
  const s = stats.data;
  const bucketLabel = (iso: string) =>
    new Intl.DateTimeFormat(lang === "de" ? "de-DE" : "en-GB", {
      timeZone: "UTC",
      day: "2-digit",
      month: "2-digit",
      ...(bucket === "hour" ? { hour: "2-digit" } : {}),
    }).format(new Date(iso));

  return (
    <>
      <PageHeader title={c.statsTitle} intro={c.statsIntro} />
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <RecordSelect
              label={c.title}
              path="/v1/campaigns"
              query={{ kind: "email" }}
              allLabel={c.allCampaigns}
              value={d.campaign_id}
              onChange={(id) => set("campaign_id", id)}
            />
            <TimeRange draft={d} set={set} />
            <label>
              {c.bucket}
              <select value={d.bucket || "day"} onChange={(e) => set("bucket", e.target.value)}>
                {Object.entries(c.buckets).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
      </FilterBar>
      <ErrorBanner error={stats.error} onRetry={stats.reload} />
      {stats.loading && !s ? <Loading /> : null}
      {s ? (
        <>
          <div className="stat-grid">
            {tiles.map((k) => (
              <div className="stat" key={k}>
                <span className="value">{fmt(s[k])}</span>
                <span className="label">{c.metrics[k]}</span>
              </div>
            ))}
            <div className="stat">
              <span className="value">
                {s.click_to_open_rate === null ? t.app.none : pct.format(s.click_to_open_rate)}
              </span>
              <span className="label">{c.ctor}</span>
            </div>
          </div>
          <div className="two-col">
            <section className="card" aria-labelledby="funnel-h">
              <h2 id="funnel-h">{c.funnel}</h2>
              <BarChart
                title={c.funnel}
                format={fmt}
                bars={funnelKeys.map((k) => ({ label: c.metrics[k], value: s[k] }))}
              />
              <ChartTable
                caption={c.chartTable}
                head={[c.metric, c.count]}
                rows={funnelKeys.map((k) => [c.metrics[k], fmt(s[k])])}
              />
            </section>
            <section className="card" aria-labelledby="hvm-h">
              <h2 id="hvm-h">{c.humanVsMachine}</h2>
              <BarChart
                title={c.humanVsMachine}
                format={fmt}
                bars={[
                  { label: c.metrics.opened_human, value: s.opened_human, tone: "bar-human" },
                  { label: c.metrics.opened_machine, value: s.opened_machine, tone: "bar-machine" },
                ]}
              />
              <ChartTable
                caption={c.chartTable}
                head={[c.metric, c.count]}
                rows={[
                  [c.metrics.opened_human, fmt(s.opened_human)],
                  [c.metrics.opened_machine, fmt(s.opened_machine)],
                ]}
              />
            </section>
          </div>
          <section className="card" aria-labelledby="time-h">
            <h2 id="time-h">{c.overTime}</h2>
            <ErrorBanner error={series.error} onRetry={series.reload} />
            {series.data && series.data.items.length > 0 ? (
              <>
                <ColumnChart
                  title={c.overTime}
                  buckets={series.data.items.map((b) => bucketLabel(b.at))}
                  series={[
                    {
                      label: `${c.opens} (${c.human})`,
                      tone: "bar-human",
                      values: series.data.items.map((b) => b.opens_human),
                    },
                    {
                      label: `${c.opens} (${c.machine})`,
                      tone: "bar-machine",
                      values: series.data.items.map((b) => b.opens_machine),
                    },
                    {
                      label: `${c.clicks} (${c.human})`,
                      tone: "bar-funnel",
                      values: series.data.items.map((b) => b.clicks_human),
                    },
                  ]}
                />
                <ul className="legend">
                  <li>
                    <i className="seg-human" style={{ background: "#0b5cad" }} aria-hidden="true" />
                    {c.opens} ({c.human})
                  </li>
                  <li>
                    <i style={{ background: "#9aa4b0" }} aria-hidden="true" />
                    {c.opens} ({c.machine})
                  </li>
                  <li>
                    <i style={{ background: "#2f8a4a" }} aria-hidden="true" />
                    {c.clicks} ({c.human})
                  </li>
                </ul>
                <ChartTable
                  caption={c.chartTable}
                  head={[
                    c.at,
                    `${c.opens} (${c.human})`,
                    `${c.opens} (${c.machine})`,
                    `${c.clicks} (${c.human})`,
                    `${c.clicks} (${c.machine})`,
                  ]}
                  rows={series.data.items.map((b) => [
                    bucketLabel(b.at),
                    b.opens_human,
                    b.opens_machine,
                    b.clicks_human,
                    b.clicks_machine,
                  ])}
                />
              </>
            ) : series.loading ? (
              <Loading />
            ) : (
              <Empty>{c.noEngagement}</Empty>
            )}
          </section>
          <section className="card" aria-labelledby="reasons-h">
            <h2 id="reasons-h">{c.bounceReasons}</h2>
            {Object.keys(s.bounce_reasons).length > 0 ? (
              <>
                <BarChart
                  title={c.bounceReasons}
                  format={fmt}
                  bars={Object.entries(s.bounce_reasons).map(([reason, n]) => ({
                    label: reasonLabel(reason),
                    value: n,
                    tone: "bar-bounce",
                  }))}
                />
                <ChartTable
                  caption={c.chartTable}
                  head={[c.reason, c.code, c.count]}
                  rows={Object.entries(s.bounce_reasons).map(([reason, n]) => [
                    reasonLabel(reason),
                    reason,
                    fmt(n),
                  ])}
                />
              </>
            ) : (
              <Empty>{c.noBounces}</Empty>
            )}
          </section>
        </>
      ) : null}
      <section className="card" aria-labelledby="reactions-h">
        <h2 id="reactions-h">{c.reactions}</h2>
        <label>
          {c.reaction}{" "}
          <select value={values.reaction} onChange={(e) => apply({ ...values, reaction: e.target.value })}>
            <option value="">{t.app.all}</option>
            {Object.entries(c.reactionNames).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <ErrorBanner error={reactions.error} onRetry={reactions.reload} />
        {reactions.items.length > 0 ? (
          <table className="table responsive">
            <caption className="sr-only">{c.reactions}</caption>
            <thead>
              <tr>
                <th scope="col">{c.recipient}</th>
                <th scope="col">{c.deliveryStatus}</th>
                <th scope="col">{c.reaction}</th>
                <th scope="col">{c.opens}</th>
                <th scope="col">{c.clicks}</th>
                <th scope="col">{c.machine}</th>
              </tr>
            </thead>
            <tbody>
              {reactions.items.map((r) => (
                <tr key={r.message_id}>
                  <td data-label={c.recipient}>
                    <Link to={`/messages/${r.message_id}`}>{r.to ?? r.message_id}</Link>
                  </td>
                  <td data-label={c.deliveryStatus}>
                    <StatusChip status={r.status} />
                  </td>
                  <td data-label={c.reaction}>
                    {r.reaction === "not_opened" && undelivered.has(r.status)
                      ? c.notDelivered
                      : (c.reactionNames[r.reaction] ?? r.reaction)}
                  </td>
                  <td data-label={c.opens}>{r.first_opened_at ? date(r.first_opened_at) : t.app.none}</td>
                  <td data-label={c.clicks}>{r.first_clicked_at ? date(r.first_clicked_at) : t.app.none}</td>
                  <td data-label={c.machine}>
                    {r.machine_opens} / {r.machine_clicks}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {reactions.loading ? <Loading /> : null}
        {!reactions.loading && !reactions.error && reactions.items.length === 0 ? (
          <Empty>{c.noRecipientsStats}</Empty>
        ) : null}
        <LoadMore hasMore={reactions.hasMore} loading={reactions.loading} onClick={reactions.loadMore} />
      </section>
    </>
  );
}
