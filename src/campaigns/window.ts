// Sending a prepared batch through a sliding window (DESIGN §3.4 and §8 together): up to `inFlight` SMTP
// transactions at once; recipients are marked `sending` in groups of `markGroup`, always ahead of the
// window and never before they are close to going; outcomes are recorded in groups of `recordGroup` while
// the window moves on. A crash therefore leaves `unknown` only for recipients marked but not recorded —
// at most markGroup + inFlight + 2 × recordGroup per lane — instead of a whole batch, while the database
// sees one UPDATE per mark group and one transaction per record group instead of statements per message.
import type { MailSender, OutgoingMail, SendResult } from "../delivery/senders.js";

export interface WindowSizes {
  inFlight: number;
  markGroup: number;
  recordGroup: number;
}

export interface WindowSteps<T> {
  /** Marks the items `sending`; returns the keys still held (an expired lease may have lost some). */
  mark(items: T[]): Promise<Set<string>>;
  /** Records a group of outcomes. */
  record(results: Array<{ item: T; result: SendResult }>): Promise<void>;
  key(item: T): string;
  mail(item: T): OutgoingMail;
}

export async function sendThroughWindow<T>(
  items: T[],
  sender: MailSender,
  sizes: WindowSizes,
  steps: WindowSteps<T>,
): Promise<void> {
  const n = items.length;
  const markGroup = Math.max(1, sizes.markGroup);
  const groups: Array<Promise<Set<string>>> = [];
  // Groups are marked in order, each after the one before, created on demand and ahead of need.
  const group = (g: number): Promise<Set<string>> => {
    for (let k = groups.length; k <= g && k * markGroup < n; k++) {
      const before = groups[k - 1] ?? Promise.resolve(new Set<string>());
      const slice = items.slice(k * markGroup, (k + 1) * markGroup);
      groups[k] = before.then(() => steps.mark(slice));
      groups[k].catch(() => {}); // seen by whoever awaits it
    }
    return groups[g];
  };
  let done: Array<{ item: T; result: SendResult }> = [];
  const records: Promise<void>[] = [];
  const flush = () => {
    if (done.length === 0) return;
    const p = steps.record(done);
    p.catch(() => {});
    records.push(p);
    done = [];
  };
  let next = 0;
  let failed: unknown = null;
  const lane = async () => {
    while (next < n && failed === null) {
      const i = next++;
      const held = await group(Math.floor(i / markGroup));
      // Mark the group the window will reach next while this one is being sent.
      void group(Math.floor(Math.min(i + sizes.inFlight, n - 1) / markGroup));
      const item = items[i];
      if (!held.has(steps.key(item))) continue;
      const result = await sender.send(steps.mail(item));
      done.push({ item, result });
      if (done.length >= sizes.recordGroup) flush();
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(sizes.inFlight, n)) }, () =>
    lane().catch((err: unknown) => {
      failed ??= err;
    }),
  );
  await Promise.all(lanes);
  // Whatever was sent is recorded, even when marking failed for the rest.
  flush();
  await Promise.all(records);
  if (failed !== null) throw failed;
}
