// General statistics of a mailing (seed 003 §6.5), computed the way the seed's tool shows them:
// "71 Empfänger — 91,55 % (65) erreicht | 8,45 % (6) Hard- und Softbounces — Öffnungen 3,08 % (2) —
// Klicks 0 % (0) — Abmeldungen 0 % (0) — Keine Reaktion 96,92 % (63) — Click-To-Open-Rate".
// Bounces are a share of the recipients; opens, clicks, unsubscribes and "no reaction" are shares of the
// recipients reached (65), not of all recipients; the click-to-open rate is clicks per opener.
import type { RemoteMailingReport } from "./tool.js";

export interface MailingStatistics {
  recipients: number;
  reached: number;
  bounces: number;
  opens: number;
  clicks: number;
  /** null where the tool keeps no per-mailing count (listmonk). */
  unsubscribes: number | null;
  no_reaction: number;
  /** Percentages rounded to two decimals; null where the base is zero or the count unknown. */
  rates: {
    reached: number | null;
    bounces: number | null;
    opens: number | null;
    clicks: number | null;
    unsubscribes: number | null;
    no_reaction: number | null;
    click_to_open: number | null;
  };
  /** The tool counted open and click events rather than people, so the shares are upper bounds. */
  counts_events: boolean;
}

const pct = (part: number | null, whole: number): number | null =>
  part === null || whole <= 0 ? null : Math.round((part / whole) * 10_000) / 100;

export function mailingStatistics(r: RemoteMailingReport): MailingStatistics {
  const recipients = Math.max(0, r.recipients);
  const bounces = Math.min(Math.max(0, r.bounces), recipients);
  const reached = recipients - bounces;
  const opens = Math.min(Math.max(0, r.opens), reached);
  const clicks = Math.min(Math.max(0, r.clicks), reached);
  // Whoever clicked reacted even if the tool saw no open (images blocked): the larger of the two reacted.
  const reacted = Math.max(opens, clicks);
  const noReaction = reached - reacted;
  return {
    recipients,
    reached,
    bounces,
    opens,
    clicks,
    unsubscribes: r.unsubscribes,
    no_reaction: noReaction,
    rates: {
      reached: pct(reached, recipients),
      bounces: pct(bounces, recipients),
      opens: pct(opens, reached),
      clicks: pct(clicks, reached),
      unsubscribes: pct(r.unsubscribes, reached),
      no_reaction: pct(noReaction, reached),
      // A click without a recorded open (images blocked) still counts as an open here, so it stays ≤ 100 %.
      click_to_open: pct(clicks, reacted),
    },
    counts_events: r.counts_events === true,
  };
}
