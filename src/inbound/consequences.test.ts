// The bounce rules applied to a set of messages at once (a webhook batch) must leave exactly the state that
// applying the old per-message rules one message after another leaves: blocklist, subscriptions, sync
// proposals, activities, event log and the reports (soft-bounce counters included). Each run builds the same
// random workspace twice inside a transaction that is rolled back, once per path, and compares.
import fc from "fast-check";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { addressHash } from "../blocklist/hash.js";
import type { DB, SubscriptionStatus } from "../db/schema.js";
import { insertEvents } from "../events/store.js";
import { newId } from "../util/ids.js";
import { applyConsequenceSet, type ConsequenceReport } from "./consequences.js";
import { applyConsequencesOneByOne } from "./consequences-oracle.testkit.js";
import type { Consequence, Observation } from "./observations.js";
import type { MatchedMessage } from "./store.js";

let env: TestEnv;
const NOW = new Date("2026-05-04T10:00:00Z");
const DAY = 86_400_000;

beforeAll(async () => {
  env = await createTestEnv();
  env.setNow(NOW);
});
afterAll(() => env.close());

// Case variants and an address that does not normalise: the rules must treat them alike on both paths.
const ADDRESSES = [
  "anna@praxis.example",
  "Bert@Praxis.example",
  "bert@praxis.example",
  "carla@hof.example",
  "kein-at",
];
const STATUSES: SubscriptionStatus[] = [
  "subscribed",
  "unsubscribed",
  "pending",
  "bounced_permanent",
  "bounced_temporary",
  "bounced_general",
];
const CONSEQUENCES: Consequence[] = ["hard", "soft", "complaint", "delivered"];

const world = fc.record({
  contacts: fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 2 }), {
    minLength: 1,
    maxLength: 4,
  }),
  subscriptions: fc.array(
    fc.record({
      contact: fc.nat(),
      list: fc.integer({ min: 0, max: 1 }),
      status: fc.constantFrom(...STATUSES),
      sync: fc.option(
        fc.record({
          remote: fc.constantFrom("subscribed", "pending", "unsubscribed"),
          task: fc.constantFrom(null, "transmit", "unsubscribe", "delete", "change_email"),
        }),
      ),
    }),
    { maxLength: 8 },
  ),
  blocked: fc.array(fc.record({ address: fc.integer({ min: 0, max: 3 }), lifted: fc.boolean() }), {
    maxLength: 2,
  }),
  messages: fc.array(
    fc.record({ contact: fc.option(fc.nat()), to: fc.option(fc.integer({ min: 0, max: 4 })) }),
    { minLength: 1, maxLength: 5 },
  ),
  earlierSoftBounces: fc.array(fc.record({ message: fc.nat(), daysAgo: fc.integer({ min: 0, max: 20 }) }), {
    maxLength: 4,
  }),
  settings: fc.record({
    soft_bounce_limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    soft_bounce_window_days: fc.option(fc.constantFrom(1, 7, 14), { nil: undefined }),
  }),
  batch: fc.array(
    fc.record({
      message: fc.nat(),
      observations: fc.array(
        fc.record({
          consequence: fc.constantFrom(...CONSEQUENCES),
          recipient: fc.integer({ min: 0, max: 4 }),
          reason: fc.option(fc.constantFrom("userunknown", "mailboxfull", "ratelimited"), { nil: undefined }),
          diagnostic: fc.constantFrom("", "550 5.1.1 unknown user", "452 4.2.2 over quota"),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

const TYPE: Record<Consequence, Observation["type"]> = {
  hard: "hard_bounced",
  soft: "soft_bounced",
  complaint: "complained",
  delivered: "delivered",
};

/** The world's rows with ids fixed once, so both paths start from identical databases. */
function plan(w: World, ws: string) {
  const contacts = w.contacts.map((keys) => ({
    id: newId("con"),
    keys: [...new Set(keys.map((k) => ADDRESSES[k]?.toLowerCase() ?? ""))],
  }));
  const lists = [newId("lst"), newId("lst")];
  const seenPairs = new Set<string>();
  const subscriptions = w.subscriptions.flatMap((s) => {
    const contact = contacts[s.contact % contacts.length];
    const list = lists[s.list];
    if (!contact || !list || seenPairs.has(`${contact.id}/${list}`)) return [];
    seenPairs.add(`${contact.id}/${list}`);
    return [{ ...s, id: newId("sub"), contactId: contact.id, listId: list }];
  });
  const messages: MatchedMessage[] = w.messages.map((m) => {
    const id = newId("msg");
    return {
      id,
      workspace_id: ws,
      contact_id: m.contact === null ? null : (contacts[m.contact % contacts.length]?.id ?? null),
      to_address: m.to === null ? null : (ADDRESSES[m.to] ?? null),
      archive_bcc: null,
      message_id_header: `<${id}@praxis.example>`,
    };
  });
  const pick = (i: number) => messages[i % messages.length] as MatchedMessage;
  const items = w.batch.map((b, n) => ({
    message: pick(b.message),
    inboundId: `inb_${n}`,
    observations: b.observations.map(
      (o): Observation => ({
        type: TYPE[o.consequence],
        recipient: ADDRESSES[o.recipient] ?? "",
        detail: "d",
        error_code: null,
        evidence: {},
        consequence: o.consequence,
        reason: o.reason,
        diagnostic: o.diagnostic,
      }),
    ),
  }));
  return { contacts, lists, subscriptions, messages, items, pick };
}
type Plan = ReturnType<typeof plan>;

async function build(tx: Kysely<DB>, w: World, p: Plan, ws: string) {
  await tx
    .updateTable("workspaces")
    .set({ settings: JSON.stringify(w.settings) })
    .where("id", "=", ws)
    .execute();
  for (const [i, id] of p.lists.entries())
    await tx
      .insertInto("lists")
      .values({ id, workspace_id: ws, name: `Liste ${i}` })
      .execute();
  if (p.contacts.length)
    await tx
      .insertInto("contacts")
      .values(p.contacts.map((c) => ({ id: c.id, workspace_id: ws, emails: c.keys, email_keys: c.keys })))
      .execute();
  const old = new Date(NOW.getTime() - 30 * DAY);
  for (const s of p.subscriptions) {
    await tx
      .insertInto("subscriptions")
      .values({
        id: s.id,
        workspace_id: ws,
        list_id: s.listId,
        contact_id: s.contactId,
        status: s.status,
        status_set_at: old,
        status_set_by: "user:setup",
        created_at: old,
        updated_at: old,
      })
      .execute();
    if (s.sync)
      await tx
        .insertInto("subscription_sync")
        .values({
          subscription_id: s.id,
          workspace_id: ws,
          list_id: s.listId,
          remote_status: s.sync.remote,
          task: s.sync.task,
        })
        .execute();
  }
  for (const b of w.blocked) {
    const address = ADDRESSES[b.address]?.toLowerCase() ?? "";
    await tx
      .insertInto("blocklist")
      .values({
        id: newId("blk"),
        workspace_id: ws,
        kind: "email",
        address,
        address_hash: addressHash(env.rt.secret, "email", address),
        reason: "earlier",
        source: "manual",
        created_at: old,
        created_by: "user:setup",
        lifted_at: b.lifted ? old : null,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const m of p.messages)
    await tx
      .insertInto("messages")
      .values({
        id: m.id,
        workspace_id: ws,
        contact_id: m.contact_id,
        to_address: m.to_address,
        from_address: "praxis@praxis.example",
        subject: "Termin",
        message_id_header: m.message_id_header,
        return_path: `bounce+${m.id}@praxis.example`,
      })
      .execute();
  // Soft bounces stored before, and those of this batch (appended before the rules run, as ingest does).
  const soft = [
    ...w.earlierSoftBounces.map((e) => ({
      m: p.pick(e.message),
      at: new Date(NOW.getTime() - e.daysAgo * DAY),
    })),
    ...p.items.flatMap((i) =>
      i.observations.filter((o) => o.consequence === "soft").map(() => ({ m: i.message, at: NOW })),
    ),
  ];
  await insertEvents(
    tx,
    soft.map(({ m, at }) => ({
      id: newId("evt"),
      message_id: m.id,
      workspace_id: ws,
      type: "soft_bounced",
      source: "test",
      at,
      detail: "soft",
      error_code: null,
      evidence: {},
      dedupe_key: null,
    })),
  );
}

/** Everything the rules may write, without the ids they draw (blocklist entries are named by address). */
async function snapshot(tx: Kysely<DB>, ws: string, reports: ConsequenceReport[]) {
  const entries = await tx.selectFrom("blocklist").selectAll().where("workspace_id", "=", ws).execute();
  const entryName = new Map(
    entries.map((e) => [e.id, `entry:${e.address}:${e.lifted_at ? "lifted" : "active"}`]),
  );
  const name = (id: string | null) => (id && entryName.get(id)) ?? id;
  const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
  const activities = await tx.selectFrom("activities").selectAll().where("workspace_id", "=", ws).execute();
  const log = await tx.selectFrom("event_log").selectAll().where("workspace_id", "=", ws).execute();
  const subs = await tx
    .selectFrom("subscriptions")
    .select(["id", "status", "status_set_at", "status_set_by", "updated_at"])
    .where("workspace_id", "=", ws)
    .orderBy("id")
    .execute();
  const sync = await tx
    .selectFrom("subscription_sync")
    .select(["subscription_id", "task", "task_reason", "task_set_at", "task_set_by"])
    .where("workspace_id", "=", ws)
    .orderBy("subscription_id")
    .execute();
  return {
    blocklist: sorted(entries.map(({ id: _id, ...e }) => e)),
    subscriptions: subs,
    sync,
    activities: sorted(
      activities.map(({ id: _id, record_id, ...a }) => ({ ...a, record_id: name(record_id) })),
    ),
    eventLog: sorted(log.map(({ id: _id, record_id, ...e }) => ({ ...e, record_id: name(record_id) }))),
    // An update's returning order is not defined: the changes of one report compared as a multiset.
    reports: reports.map((r) => ({
      ...r,
      subscriptions: sorted(r.subscriptions),
      blocked: r.blocked.map(({ entry_id, ...b }) => ({ ...b, entry: name(entry_id) })),
    })),
  };
}

class Rollback {
  constructor(readonly state: unknown) {}
}

async function stateAfter(w: World, p: Plan, ws: string, path: "one_by_one" | "set") {
  try {
    await env.rt.db.transaction().execute(async (tx) => {
      await build(tx, w, p, ws);
      const reports: ConsequenceReport[] = [];
      if (path === "set") reports.push(...(await applyConsequenceSet(tx, env.rt, ws, p.items)));
      else
        for (const i of p.items)
          reports.push(await applyConsequencesOneByOne(tx, env.rt, i.message, i.observations, i.inboundId));
      throw new Rollback(await snapshot(tx, ws, reports));
    });
  } catch (err) {
    if (err instanceof Rollback) return err.state;
    throw err;
  }
  throw new Error("unreachable");
}

describe("bounce rules applied to a set", () => {
  // Each run builds and rolls back two databases' worth of rows: on a loaded machine 50 runs take longer than
  // the default 30 s (PE_RUNS=300 for a longer search).
  it("leave the same state as the per-message rules applied one message after another", async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const p = plan(w, env.ws.id);
        const expected = await stateAfter(w, p, env.ws.id, "one_by_one");
        const actual = await stateAfter(w, p, env.ws.id, "set");
        expect(actual).toEqual(expected);
      }),
      { numRuns: Number(process.env.PE_RUNS ?? 50) },
    );
  }, 180_000);

  it("a hard bounce and a later delivery in one set: blocked, bounced_permanent, not lifted", async () => {
    const w: World = {
      contacts: [[0]],
      subscriptions: [
        { contact: 0, list: 0, status: "subscribed", sync: { remote: "subscribed", task: null } },
      ],
      blocked: [],
      messages: [{ contact: 0, to: 0 }],
      earlierSoftBounces: [],
      settings: { soft_bounce_limit: undefined, soft_bounce_window_days: undefined },
      batch: [
        {
          message: 0,
          observations: [{ consequence: "hard", recipient: 0, reason: "userunknown", diagnostic: "" }],
        },
        {
          message: 0,
          observations: [{ consequence: "delivered", recipient: 0, reason: undefined, diagnostic: "" }],
        },
      ],
    };
    const p = plan(w, env.ws.id);
    const state = (await stateAfter(w, p, env.ws.id, "set")) as Awaited<ReturnType<typeof snapshot>>;
    expect(state.subscriptions.map((s) => s.status)).toEqual(["bounced_permanent"]);
    expect(state.sync.map((s) => s.task)).toEqual(["unsubscribe"]);
    expect(state.blocklist).toHaveLength(1);
    expect(state.reports[0]?.blocked).toMatchObject([{ created: true, rule: "hard_bounce" }]);
  });
});
