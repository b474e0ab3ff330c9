// Set-based reconciliation (reconcile.ts, decide.ts): the outcome does not depend on how the staged members
// are cut into chunks — chunk N+1 is decided before chunk N is written, so this pins the hand-over of claims
// between chunks — and the blocklist hash staged with a member is the blocklist's own.
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkListToTool } from "../../test/fakes/listmonk.js";
import { createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { addressHash } from "../blocklist/hash.js";
import type { SubscriptionStatus } from "../db/schema.js";
import { tryNormaliseEmail } from "../util/email.js";
import { newId } from "../util/ids.js";
import { REMOTE_STATUSES, type RemoteStatus } from "./adapter.js";
import { blockHashOfKey, type RunScope } from "./fetch.js";
import { reconcile } from "./reconcile.js";
import { createRun } from "./runs.js";
import { stageMembers } from "./store.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

describe("the blocklist hash staged with a member", () => {
  it("equals addressHash of the normalised address", () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ minLength: 1 }), (email, secret) => {
        const n = tryNormaliseEmail(email);
        fc.pre(n !== null);
        expect(blockHashOfKey(secret, n!.key)).toBe(addressHash(secret, "email", email));
      }),
      { numRuns: 300 },
    );
  });
});

// ---- a random list, its contacts and sync state, and what the tool returns ----

const FIRST = ["Anna", "Ben"];
const LAST = ["Arndt", "Berg"];
const LOCAL: SubscriptionStatus[] = ["subscribed", "unsubscribed", "pending", "bounced_permanent"];
const ADDRESSES = 7;

const day = (d: number) => new Date(Date.UTC(2026, 0, 1 + d));

const contactArb = fc.record({
  first: fc.constantFrom(...FIRST),
  last: fc.constantFrom(...LAST),
  emails: fc.uniqueArray(fc.nat(ADDRESSES - 1), { minLength: 1, maxLength: 2 }),
  sub: fc.option(
    fc.record({
      status: fc.constantFrom(...LOCAL),
      setDay: fc.nat(20),
      link: fc.option(fc.record({ remote: fc.nat(9), email: fc.nat(ADDRESSES - 1) })),
    }),
  ),
});

const memberArb = fc.record({
  address: fc.nat(ADDRESSES - 1),
  remote: fc.nat(9),
  status: fc.constantFrom<RemoteStatus>(...REMOTE_STATUSES),
  changedDay: fc.option(fc.nat(20)),
  first: fc.constantFrom(...FIRST),
  last: fc.constantFrom(...LAST),
});

const scenarioArb = fc.record({
  contacts: fc.array(contactArb, { maxLength: 8 }),
  members: fc.uniqueArray(memberArb, { maxLength: 10, selector: (m) => m.address }),
  blocked: fc.uniqueArray(fc.nat(ADDRESSES - 1), { maxLength: 2 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

let seq = 0;

/** Writes the scenario for a fresh list; returns the run (members staged) and the scope to reconcile. */
async function setUp(sc: Scenario): Promise<RunScope> {
  const { rt } = env;
  const ws = env.ws.id;
  const tag = `rc${++seq}`;
  const addr = (i: number) => `${tag}-a${i}@beispiel.de`;
  const listId = newId("list");
  const at = day(0);
  await rt.db
    .insertInto("lists")
    .values({ id: listId, workspace_id: ws, name: tag, created_at: at, updated_at: at })
    .execute();
  const { linkId } = await linkListToTool(rt.db, rt.secret, {
    workspaceId: ws,
    listId,
    remoteListId: "1",
    baseUrl: "http://127.0.0.1:9",
    credentials: { kind: "listmonk", username: "u", token: "t" },
  });
  for (const [i, c] of sc.contacts.entries()) {
    const contactId = `con_${tag}_${i}`;
    const emails = c.emails.map(addr);
    await rt.db
      .insertInto("contacts")
      .values({
        id: contactId,
        workspace_id: ws,
        first_name: c.first,
        last_name: c.last,
        emails,
        email_keys: emails,
        created_at: at,
        updated_at: at,
      })
      .execute();
    if (!c.sub) continue;
    const subId = `sub_${tag}_${i}`;
    await rt.db
      .insertInto("subscriptions")
      .values({
        id: subId,
        workspace_id: ws,
        list_id: listId,
        contact_id: contactId,
        status: c.sub.status,
        status_set_at: day(c.sub.setDay),
        status_set_by: "test",
        created_at: at,
        updated_at: at,
      })
      .execute();
    if (!c.sub.link) continue;
    await rt.db
      .insertInto("subscription_sync")
      .values({
        subscription_id: subId,
        workspace_id: ws,
        list_id: listId,
        remote_id: `r${c.sub.link.remote}`,
        remote_email: addr(c.sub.link.email),
        result: "success",
        result_detail: "{}",
        updated_at: at,
      })
      .execute();
  }
  for (const b of sc.blocked) {
    await rt.db
      .insertInto("blocklist")
      .values({
        id: newId("blk"),
        workspace_id: ws,
        kind: "email",
        address: addr(b),
        address_hash: addressHash(rt.secret, "email", addr(b)),
        reason: "test",
        created_by: "test",
      })
      .execute();
  }
  const run = await createRun(rt.db, {
    workspaceId: ws,
    listId,
    linkId,
    kind: "fetch",
    trigger: "user",
    by: "test",
    now: day(30),
  });
  await stageMembers(
    rt.db,
    sc.members.map((m) => ({
      run_id: run.id,
      email_key: addr(m.address),
      remote_id: `r${m.remote}`,
      email: addr(m.address),
      status: m.status,
      status_changed_at: m.changedDay === null ? null : day(m.changedDay),
      first_name: m.first,
      last_name: m.last,
      salutation: null,
      block_hash: blockHashOfKey(rt.secret, addr(m.address)),
    })),
  );
  const link = await rt.db
    .selectFrom("list_links")
    .selectAll()
    .where("id", "=", linkId)
    .executeTakeFirstOrThrow();
  const connection = await rt.db
    .selectFrom("email_tool_connections")
    .selectAll()
    .where("id", "=", link.connection_id)
    .executeTakeFirstOrThrow();
  return { rt, run, link, connection, opts: {} };
}

class RolledBack extends Error {}

/** Reconciles in a transaction that is rolled back; answers everything it wrote, without generated ids. */
async function outcome(s: RunScope, chunkSize: number, probeLinks?: boolean) {
  let seen: unknown;
  await s.rt.db
    .transaction()
    .execute(async (tx) => {
      const counts = await reconcile(tx, s, 0, chunkSize, probeLinks);
      const state = await tx
        .selectFrom("subscription_sync as ss")
        .innerJoin("subscriptions as s", "s.id", "ss.subscription_id")
        .innerJoin("contacts as c", "c.id", "s.contact_id")
        .select([
          "c.emails",
          "c.first_name",
          "s.status",
          "ss.result",
          "ss.result_detail",
          "ss.task",
          "ss.remote_id",
        ])
        .where("ss.list_id", "=", s.run.list_id)
        .execute();
      const list = await tx
        .selectFrom("lists")
        .select("name")
        .where("id", "=", s.run.list_id)
        .executeTakeFirstOrThrow();
      const contacts = await tx
        .selectFrom("contacts")
        .select(["emails", "first_name", "last_name"])
        .where("workspace_id", "=", s.run.workspace_id)
        .where(sql<string>`array_to_string(emails, ',')`, "like", `${list.name}-%`)
        .execute();
      const events = await tx
        .selectFrom("event_log")
        .select(["severity", "detail"])
        .where("group_id", "=", s.run.id)
        .execute();
      const made = await tx
        .selectFrom("contacts")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      const sortJson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
      seen = {
        counts,
        state: sortJson(state),
        contacts: sortJson(contacts),
        events: sortJson(events),
        contactCount: Number(made.n),
      };
      throw new RolledBack();
    })
    .catch((e) => {
      if (!(e instanceof RolledBack)) throw e;
    });
  return seen;
}

describe("reconciliation in chunks (seed 003 §5.2)", () => {
  it("gives the same outcome whether the members come one at a time or all at once", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.integer({ min: 2, max: 4 }), async (sc, size) => {
        const s = await setUp(sc);
        const one = await outcome(s, 1);
        expect(await outcome(s, size)).toEqual(one);
        expect(await outcome(s, 1000)).toEqual(one);
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});

describe("a list none of whose subscriptions is linked yet (a first fetch after attaching)", () => {
  // No sync state carries a remote id: on PGlite the chunks are then read without probing the sync state
  // by each member's remote id (reconcile.ts). What the run writes in earlier chunks carries its id and so
  // claims the subscription: a member the tool lists twice under one remote id is matched by address as
  // it was with the probes.
  const unlinked = scenarioArb.map((sc) => ({
    ...sc,
    contacts: sc.contacts.map((c) => (c.sub ? { ...c, sub: { ...c.sub, link: null } } : c)),
  }));

  it("is reconciled to the outcome the probes give", async () => {
    await fc.assert(
      fc.asyncProperty(unlinked, fc.integer({ min: 1, max: 3 }), async (sc, size) => {
        const s = await setUp(sc);
        expect(await outcome(s, size)).toEqual(await outcome(s, size, true));
      }),
      { numRuns: 25 },
    );
  }, 180_000);

  it("is read without probes of the sync state on PGlite; with them once a subscription is linked", async () => {
    const member = (address: number, remote: number) => ({
      address,
      remote,
      status: "subscribed" as const,
      changedDay: 1,
      first: "Anna",
      last: "Arndt",
    });
    const contact = (emails: number[], link: { remote: number; email: number } | null) => ({
      first: "Anna",
      last: "Arndt",
      emails,
      sub: { status: "subscribed" as const, setDay: 0, link },
    });
    const members = [member(0, 1), member(1, 1), member(2, 2)];
    const probes = async (sc: Scenario) => {
      const s = await setUp(sc);
      const { db, ran, close } = recordingDb(env);
      await outcome({ ...s, rt: { ...s.rt, db } }, 1);
      await close();
      const reads = ran.filter((q) => /from sync_fetched_members/.test(q.sql));
      expect(reads.length).toBeGreaterThan(1);
      return reads.filter((q) => /ss\.remote_id = f\.remote_id/.test(q.sql)).length / reads.length;
    };
    const first = { contacts: [contact([0], null), contact([2], null)], members, blocked: [] };
    expect(await probes(first)).toBe(env.db.handle.pglite ? 0 : 1);
    const linked = {
      contacts: [contact([0], { remote: 1, email: 0 }), contact([2], null)],
      members,
      blocked: [],
    };
    expect(await probes(linked)).toBe(1);
  });
});
