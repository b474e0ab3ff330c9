// How a run ends (seed 004): the end state from the recipients' counts, and the counts in words.
import type { CampaignState } from "./states.js";

/** The state a finished e-mail run ends in (seed 004): all sent; nothing sent and something failed;
 * otherwise incomplete (exclusions, or errors beside messages that went out). */
export function endStateOf(counts: Record<string, number>): CampaignState {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const sent = counts.sent ?? 0;
  if (sent === total) return "completed_automatic";
  if (sent === 0 && (counts.error ?? 0) + (counts.unknown ?? 0) > 0) return "failed_sending";
  return "incomplete_sent";
}

export function describeCounts(counts: Record<string, number>): string {
  const order = ["sent", "created", "excluded", "error", "unknown", "pending"];
  return order
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s}`)
    .join(", ");
}

/** The state a generation run ends in (seed 004): every letter created; none; or some. */
export function letterEndState(counts: { created: number; total: number }): CampaignState {
  if (counts.created === 0) return "failed_creating";
  return counts.created === counts.total ? "created" : "incomplete_created";
}
