// The campaign's progress as seed 004 shows it: a bar of the recipients by processing status, how many are
// done, the rate, the expected end, and why it may be standing still (no worker yet, or a sending limit).
import type { Progress } from "./model";
import { useCampaignText } from "./model";

const segments = ["sent", "created", "excluded", "error", "unknown"] as const;

export function ProgressPanel({ progress }: { progress: Progress }) {
  const { c, date, number, lang } = useCampaignText();
  const total = Math.max(progress.total, 1);
  const pct = Math.round((progress.done / total) * 100);
  const rate = new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-GB", { maximumFractionDigits: 1 });
  return (
    <section className="card" aria-labelledby="progress-h">
      <h2 id="progress-h">{c.progress}</h2>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label={c.progress}
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.done}
        aria-valuetext={c.done(number(progress.done), number(progress.total))}
      >
        {segments.map((s) => {
          const n = progress.counts[s] ?? 0;
          return n > 0 ? (
            <span
              key={s}
              className={`seg-${s}`}
              style={{ width: `${(n / total) * 100}%` }}
              title={c.recipientStatuses[s]}
            />
          ) : null;
        })}
      </div>
      <p>
        <strong>{c.done(number(progress.done), number(progress.total))}</strong> ({pct} %)
      </p>
      <ul className="legend">
        {Object.entries(progress.counts).map(([s, n]) => (
          <li key={s}>
            <i className={`seg-${s}`} aria-hidden="true" />
            {c.recipientStatuses[s] ?? s}: {number(n)}
          </li>
        ))}
      </ul>
      <dl className="kv">
        <dt>{c.rate}</dt>
        <dd>{c.perSecond(rate.format(progress.rate_per_second))}</dd>
        {progress.expected_end ? (
          <>
            <dt>{c.expectedEnd}</dt>
            <dd>
              <time dateTime={progress.expected_end}>{date(progress.expected_end)}</time>
            </dd>
          </>
        ) : null}
      </dl>
      {progress.waiting_for_processing ? (
        <p className="banner banner-info" role="status">
          {c.waitingForProcessing}
        </p>
      ) : null}
      {progress.resume_at ? (
        <p className="banner banner-warn" role="status">
          {c.resumeAt(date(progress.resume_at))}
        </p>
      ) : null}
    </section>
  );
}
