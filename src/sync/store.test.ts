// Bulk writes (store.ts insertColumns): a column every row shares goes as one scalar, the others as arrays;
// the rows written are the same either way, whatever the types (text, time, jsonb, boolean, null).
import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkListToTool } from "../../test/fakes/listmonk.js";
import { createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { createRun } from "./runs.js";
import {
  clearStaged,
  contactsByKeys,
  insertEvents,
  insertFoundEntries,
  notInToolChunk,
  stagedChunk,
  stageMembers,
  textArrayOf,
  upsertSyncState,
} from "./store.js";
import { listMembers } from "./tasks.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

const read = (group: string) =>
  env.rt.db
    .selectFrom("event_log")
    .select(["workspace_id", "at", "severity", "record_id", "detail", "data", "checked", "record_kind"])
    .where("group_id", "=", group)
    .orderBy("record_id")
    .execute();

describe("insertColumns", () => {
  it("writes shared and varying columns alike, for one row and for many", async () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, 0, ms));
    for (const n of [1, 2, 7]) {
      const group = `grp_store_${n}`;
      const events = Array.from({ length: n }, (_, i) => ({
        workspaceId: env.ws.id,
        // the same instant in a new Date each time: shared; the severity shared only when n is 1
        at: at(5),
        severity: i % 2 === 0 ? ("information" as const) : ("warning" as const),
        process: "sync:listmonk",
        trigger: "user" as const,
        groupId: group,
        recordKind: undefined,
        recordId: `sub_${i}`,
        detail: `Eintrag „${i}" mit "Anführung" und \\ Backslash`,
        data: { result: "success", i },
      }));
      await insertEvents(env.rt.db, events, at(9));
      const rows = await read(group);
      expect(rows).toHaveLength(n);
      rows.forEach((r, i) => {
        expect(r).toMatchObject({
          workspace_id: env.ws.id,
          severity: i % 2 === 0 ? "information" : "warning",
          record_id: `sub_${i}`,
          record_kind: null,
          detail: `Eintrag „${i}" mit "Anführung" und \\ Backslash`,
          checked: false,
        });
        expect(new Date(r.at).getTime()).toBe(at(5).getTime());
        expect(typeof r.data === "string" ? JSON.parse(r.data) : r.data).toEqual({ result: "success", i });
      });
    }
  });
});

/** The plan of each statement `write` runs (EXPLAIN VERBOSE: nothing is executed). */
async function plansOf(write: (db: TestEnv["rt"]["db"]) => Promise<unknown>) {
  const { db: logged, ran, close } = recordingDb(env);
  await write(logged);
  await close();
  const plans: string[] = [];
  for (const q of ran) {
    const explained = await env.rt.db.executeQuery<Record<string, string>>(
      CompiledQuery.raw(`explain (verbose) ${q.sql}`, [...q.parameters]),
    );
    plans.push(explained.rows.map((r) => Object.values(r)[0]).join("\n"));
  }
  return plans;
}

describe("a time every row of a write shares", () => {
  // timestamptz's input depends on the session's time zone (stable), so a cast of the shared text to a
  // time is not folded into a constant: written per row, it was parsed again for every row (300,000
  // times in a first fetch of 100,000 members). A scalar subquery is an InitPlan: evaluated once.
  it("is read once per statement (an InitPlan), in insertColumns and in the found entries", async () => {
    const at = new Date(Date.UTC(2026, 10, 24, 21, 30, 0, 5));
    const events = [0, 1, 2].map((i) => ({
      workspaceId: env.ws.id,
      at,
      severity: "information" as const,
      process: "sync:listmonk",
      trigger: "user" as const,
      groupId: "grp_plan_time",
      recordId: `sub_${i}`,
      detail: `Eintrag ${i}`,
    }));
    const [columns] = await plansOf((db) => insertEvents(db, events, at));
    expect(columns).toMatch(/InitPlan/);
    const [found] = await plansOf((db) =>
      insertFoundEntries(
        db,
        {
          workspaceId: env.ws.id,
          at,
          groupId: "grp_plan_time",
          process: "sync:listmonk",
          trigger: "user",
          data: {},
          texts: { success: "found {email}" },
        },
        {
          ids: ["evl_a", "evl_b"],
          subscriptionIds: ["sub_a", "sub_b"],
          emails: ["a@x.de", "b@x.de"],
          results: ["success", "success"],
        },
      ),
    );
    expect(found).toMatch(/InitPlan/);
  });
});

describe("insertFoundEntries", () => {
  it("writes the rows insertEvents writes for the same found entries", async () => {
    const at = new Date(Date.UTC(2026, 10, 23, 12, 0, 0, 7));
    const texts = {
      success: 'A subscription for the address "{email}" was found.',
      conflict: 'Found "{email}"; {email} differs.',
    };
    const shared = { run_id: "run_x", list_id: "list_x", triggered_by: "user_1" };
    const members = [
      { sub: "sub_a", email: "a@beispiel.de", result: "success" },
      // braces, quotes and a backslash in the address stay as they are; only the template is filled
      { sub: "sub_b", email: '"{email}\\x"@beispiel.de', result: "conflict" },
      { sub: "sub_c", email: "ü@beispiel.de", result: "success" },
    ];
    const viaSql = "grp_found_sql";
    const viaRows = "grp_found_rows";
    await insertFoundEntries(
      env.rt.db,
      {
        workspaceId: env.ws.id,
        at,
        groupId: viaSql,
        process: "sync:listmonk",
        trigger: "user",
        data: shared,
        texts,
      },
      {
        ids: members.map(() => newId("evl")),
        subscriptionIds: members.map((m) => m.sub),
        emails: members.map((m) => m.email),
        results: members.map((m) => m.result),
      },
    );
    await insertEvents(
      env.rt.db,
      members.map((m) => ({
        workspaceId: env.ws.id,
        at,
        severity: "information" as const,
        process: "sync:listmonk",
        trigger: "user" as const,
        groupId: viaRows,
        recordKind: "subscription",
        recordId: m.sub,
        detail: texts[m.result as keyof typeof texts].split("{email}").join(m.email),
        data: { ...shared, result: m.result },
      })),
      at,
    );
    const parsed = async (group: string) =>
      (await read(group)).map((r) => ({
        ...r,
        at: new Date(r.at).getTime(),
        data: typeof r.data === "string" ? JSON.parse(r.data) : r.data,
      }));
    const written = await parsed(viaSql);
    expect(written).toHaveLength(3);
    expect(written).toEqual(await parsed(viaRows));
    expect(written[1].detail).toBe(`Found "${members[1].email}"; ${members[1].email} differs.`);
  });
});

describe("the event log without its foreign key (migration 235)", () => {
  it("still goes with its workspace, and only that workspace's entries go", async () => {
    const db = env.rt.db;
    const ws = newId("ws");
    await db.insertInto("workspaces").values({ id: ws, name: "Weg damit" }).execute();
    const entry = (workspaceId: string, groupId: string) => ({
      workspaceId,
      severity: "information" as const,
      process: "sync:listmonk",
      trigger: "user" as const,
      groupId,
      detail: "Eintrag",
    });
    await insertEvents(
      db,
      [entry(ws, "grp_gone"), entry(ws, "grp_gone"), entry(env.ws.id, "grp_kept")],
      new Date(),
    );
    expect(await read("grp_gone")).toHaveLength(2);
    await db.deleteFrom("workspaces").where("id", "=", ws).execute();
    expect(await read("grp_gone")).toHaveLength(0);
    expect(await read("grp_kept")).toHaveLength(1);
  });
});

describe("staged members and sync states without foreign keys (migration 260)", () => {
  it("go with their run, their subscription, their list and their workspace — and nothing else goes", async () => {
    const db = env.rt.db;
    const now = new Date();
    const ws = newId("ws");
    await db.insertInto("workspaces").values({ id: ws, name: "Abgleich" }).execute();
    const lists = [newId("list"), newId("list")];
    for (const id of lists)
      await db
        .insertInto("lists")
        .values({ id, workspace_id: ws, name: id, created_at: now, updated_at: now })
        .execute();
    const subs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const contact = newId("con");
      await db
        .insertInto("contacts")
        .values({
          id: contact,
          workspace_id: ws,
          emails: [`k${i}@beispiel.de`],
          created_at: now,
          updated_at: now,
        })
        .execute();
      const sub = newId("sub");
      subs.push(sub);
      await db
        .insertInto("subscriptions")
        .values({
          id: sub,
          workspace_id: ws,
          list_id: lists[i % 2],
          contact_id: contact,
          status: "subscribed",
          status_set_at: now,
          status_set_by: "test",
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    await upsertSyncState(
      db,
      subs.map((id, i) => ({
        subscription_id: id,
        workspace_id: ws,
        list_id: lists[i % 2],
        result: "success",
        result_detail: "{}",
        updated_at: now,
      })),
    );
    const { linkId } = await linkListToTool(db, env.rt.secret, {
      workspaceId: ws,
      listId: lists[0],
      remoteListId: "1",
      baseUrl: "http://127.0.0.1:9",
      credentials: { kind: "listmonk", username: "u", token: "t" },
    });
    const run = await createRun(db, {
      workspaceId: ws,
      listId: lists[0],
      linkId,
      kind: "fetch",
      trigger: "user",
      by: "test",
      now,
    });
    const staged = (runId: string, key: string) => ({
      run_id: runId,
      email_key: key,
      remote_id: key,
      email: key,
      status: "enabled",
      status_changed_at: now,
      first_name: null,
      last_name: null,
      salutation: null,
      block_hash: null,
    });
    await stageMembers(db, [staged(run.id, "a@beispiel.de"), staged(run.id, "b@beispiel.de")]);
    const stagedOf = (runId: string) =>
      db.selectFrom("sync_fetched_members").select("email_key").where("run_id", "=", runId).execute();
    const states = async () =>
      (
        await db
          .selectFrom("subscription_sync")
          .select("subscription_id")
          .where("subscription_id", "in", subs)
          .execute()
      )
        .map((r) => r.subscription_id)
        .sort();
    expect(await stagedOf(run.id)).toHaveLength(2);

    await db.deleteFrom("sync_runs").where("id", "=", run.id).execute();
    expect(await stagedOf(run.id)).toHaveLength(0);

    // one subscription: only its state goes
    await db.deleteFrom("subscriptions").where("id", "=", subs[0]).execute();
    expect(await states()).toEqual([...subs.slice(1)].sort());
    // a list (its subscriptions go by their own cascade): its states go, the other list's stay
    await db.deleteFrom("lists").where("id", "=", lists[1]).execute();
    expect(await states()).toEqual([subs[2]]);
    // the workspace: the rest
    await db.deleteFrom("workspaces").where("id", "=", ws).execute();
    expect(await states()).toEqual([]);
  });
});

describe("stageMembers", () => {
  const member = (runId: string, key: string, first: string | null, at: Date | null) => ({
    run_id: runId,
    email_key: key,
    remote_id: `r-${key}`,
    email: key,
    status: "subscribed",
    status_changed_at: at,
    first_name: first,
    last_name: null,
    salutation: null,
    block_hash: `h-${key}`,
  });
  const stagedOf = (runId: string) =>
    env.rt.db
      .selectFrom("sync_fetched_members")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("email_key")
      .execute();

  it("stages every value as it was given, and the first member of a key wins across pages", async () => {
    const run = newId("syr");
    const at = new Date(Date.UTC(2026, 10, 24, 0, 30, 0, 123));
    // what text formats escape: tab, line breaks, backslash, a lone \N, a quote, non-ASCII
    const awkward = ["Tab\there", "Zeile\nzwei\r\n", "Back\\slash", "\\N", "\\.", 'O"Neil', "Jürgen ✓"];
    await stageMembers(env.rt.db, [
      ...awkward.map((first, i) => member(run, `k${i}@beispiel.de`, first, at)),
      member(run, "leer@beispiel.de", null, null),
    ]);
    // a later page repeating a key (with other data) and bringing a new one
    await stageMembers(env.rt.db, [
      member(run, "k0@beispiel.de", "Zweiter", null),
      member(run, "neu@beispiel.de", "Neu", at),
    ]);
    const rows = await stagedOf(run);
    expect(rows.map((r) => [r.email_key, r.first_name, r.status_changed_at?.getTime() ?? null])).toEqual([
      ...awkward.map((first, i) => [`k${i}@beispiel.de`, first, at.getTime()]),
      ["leer@beispiel.de", null, null],
      ["neu@beispiel.de", "Neu", at.getTime()],
    ]);
    expect(rows.every((r) => r.remote_id === `r-${r.email_key}` && r.block_hash === `h-${r.email_key}`)).toBe(
      true,
    );
  });

  it("a page repeating a key within itself keeps its first member", async () => {
    const run = newId("syr");
    await stageMembers(env.rt.db, [
      member(run, "a@beispiel.de", "Erste", null),
      member(run, "a@beispiel.de", "Zweite", null),
      member(run, "b@beispiel.de", "B", null),
    ]);
    expect((await stagedOf(run)).map((r) => [r.email_key, r.first_name])).toEqual([
      ["a@beispiel.de", "Erste"],
      ["b@beispiel.de", "B"],
    ]);
  });

  it("clearing a run's members keeps another run's, and empties the table when it was alone", async () => {
    const [one, two] = [newId("syr"), newId("syr")];
    await stageMembers(env.rt.db, [member(one, "x@beispiel.de", null, null)]);
    await stageMembers(env.rt.db, [member(two, "y@beispiel.de", null, null)]);
    const embedded = env.rt.dbKind === "pglite";
    await clearStaged(env.rt.db, { runId: one, embedded });
    expect(await stagedOf(one)).toEqual([]);
    expect((await stagedOf(two)).map((r) => r.email_key)).toEqual(["y@beispiel.de"]);
    await clearStaged(env.rt.db, { runId: two, embedded });
    expect(await stagedOf(two)).toEqual([]);
  });
});

describe("contactsByKeys", () => {
  // A chunk asks for up to 5,000 addresses. Planned as a join, the contacts were hashed whole for every
  // chunk (a sequential scan of every contact of the database, ~90 of ~180 ms per chunk of 5,000 on PGlite
  // with 100,000 contacts); the contact of each key found is probed by its key instead.
  it("probes the contact of each address by key, with statistics that favour a scan, and finds them", async () => {
    const db = env.rt.db;
    const now = new Date();
    // 3,000 contacts plan0…plan2999@beispiel.de; the even ones subscribed to the list
    const listId = await seedListAndContacts("Planliste", "plan", 3000, now, { evenOnly: true });
    await sql`analyze contacts, contact_email_keys, subscriptions`.execute(db);
    const keys = Array.from({ length: 2000 }, (_, i) => `plan${i}@beispiel.de`);
    const { db: logged, ran, close } = recordingDb(env);
    const found = await contactsByKeys(logged, { workspaceId: env.ws.id, listId, keys });
    await close();
    expect(found).toHaveLength(2000);
    const byKey = new Map(found.map((r) => [r.email_key, r]));
    expect(byKey.get("plan2@beispiel.de")).toMatchObject({
      contact_id: "con_plan_00002",
      last_name: "Plan2",
      emails: ["plan2@beispiel.de"],
      sub_id: "sub_plan_00002",
      status: "subscribed",
      has_sync_state: null,
    });
    expect(byKey.get("plan3@beispiel.de")).toMatchObject({ contact_id: "con_plan_00003", sub_id: null });
    expect(ran).toHaveLength(1);
    const explained = await db.executeQuery<Record<string, string>>(
      CompiledQuery.raw(`explain ${ran[0].sql}`, [...ran[0].parameters]),
    );
    const plan = explained.rows.map((r) => Object.values(r)[0]).join("\n");
    expect(plan).toMatch(/Index Scan using contacts_pkey on contacts/);
    expect(plan).not.toMatch(/Seq Scan on contacts/);
  });
});

/** A list and `count` contacts con_<tag>_00000… with the addresses <tag>0…@beispiel.de and the last names
 * <Tag>0…, subscribed to the list (every one, or those with an even number); returns the list's id. */
async function seedListAndContacts(
  name: string,
  tag: string,
  count: number,
  now: Date,
  o: { evenOnly: boolean },
) {
  const db = env.rt.db;
  const listId = newId("list");
  await db
    .insertInto("lists")
    .values({ id: listId, workspace_id: env.ws.id, name, created_at: now, updated_at: now })
    .execute();
  const lastName = tag[0].toUpperCase() + tag.slice(1);
  const prefix = `con_${tag}_`;
  await sql`
    insert into contacts (id, workspace_id, first_name, last_name, emails, email_keys, created_at, updated_at)
    select ${prefix} || lpad(i::text, 5, '0'), ${env.ws.id}, 'Vorname', ${lastName} || i,
           array[${tag} || i || '@beispiel.de'], array[${tag} || i || '@beispiel.de'], ${now}, ${now}
      from generate_series(0, ${count - 1}::int) i`.execute(db);
  await sql`
    insert into subscriptions (id, workspace_id, list_id, contact_id, status, status_set_at, status_set_by,
                               created_at, updated_at)
    select 'sub_' || ${tag} || '_' || substr(c.id, length(${prefix}) + 1), ${env.ws.id}, ${listId}, c.id,
           'subscribed', ${now}, 'test', ${now}, ${now}
      from contacts c
     where c.id like ${`${prefix}%`} and (not ${o.evenOnly}::boolean or substr(c.id, length(${prefix}) + 1)::int % 2 = 0)`.execute(
    db,
  );
  return listId;
}

/** A parameter as an SQL literal (EXECUTE's arguments are expressions, not parameters of the statement). */
function literal(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return `array[${v.map(literal).join(", ")}]::text[]`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

describe("the chunk reads", () => {
  // stagedChunk and contactsByKeys run for every chunk; on PGlite they are kept prepared, and after five
  // executions the server may plan them once for good (a generic plan). That plan must be the same walk:
  // the staged members by their key, each probe by its index — never a scan of a whole table.
  it("are kept prepared on PGlite, and their generic plans walk the keys", async () => {
    const db = env.rt.db;
    const now = new Date();
    // 2,000 contacts gen0…gen1999@beispiel.de, all subscribed to the list
    const listId = await seedListAndContacts("Generisch", "gen", 2000, now, { evenOnly: false });
    const runId = newId("syr");
    const keys = Array.from({ length: 2000 }, (_, i) => `gen${i}@beispiel.de`);
    await stageMembers(
      db,
      keys.map((k, i) => ({
        run_id: runId,
        email_key: k,
        remote_id: String(i),
        email: k,
        status: "subscribed",
        status_changed_at: now,
        first_name: "Vorname",
        last_name: `Gen${i}`,
        salutation: null,
        block_hash: null,
      })),
    );
    await sql`analyze contacts, contact_email_keys, subscriptions, sync_fetched_members`.execute(db);
    const { db: logged, ran, close } = recordingDb(env);
    // with the probes of the sync state by remote id, and without them (no sync state carries one)
    for (const linkable of [true, false]) {
      let afterKey: string | null = null;
      let members = 0;
      for (let i = 0; i < 8; i++) {
        const { members: chunk, unlinkedContacts } = await stagedChunk(logged, {
          runId,
          workspaceId: env.ws.id,
          listId,
          afterKey,
          size: 250,
          unlinkedContacts: true,
          linkable,
        });
        members += chunk.length;
        afterKey = chunk[chunk.length - 1].email_key;
        const found = await contactsByKeys(logged, {
          workspaceId: env.ws.id,
          listId,
          keys: chunk.map((m) => m.email_key),
        });
        expect(found.map((c) => c.email_key).sort()).toEqual(chunk.map((m) => m.email_key).sort());
        // no member is linked yet: the chunk brought the same contacts, in the same order
        expect(unlinkedContacts).toEqual(found);
        expect(chunk.every((m) => m.linked.length === 0)).toBe(true);
      }
      expect(members).toBe(2000);
    }
    await close();
    const last = (text: RegExp, not?: RegExp) =>
      [...ran].reverse().find((q) => text.test(q.sql) && !not?.test(q.sql));
    const reads = [
      last(/ss\.remote_id = f\.remote_id/),
      last(/from sync_fetched_members/, /ss\.remote_id = f\.remote_id/),
      last(/from contact_email_keys/, /from sync_fetched_members/),
    ];
    for (const q of reads) {
      expect(q).toBeDefined();
      if (!q) continue;
      const kept = await sql<{ n: number }>`
        select count(*)::int as n from pg_prepared_statements where statement = ${q.sql}`.execute(db);
      expect(kept.rows[0].n).toBe(env.db.handle.pglite ? 1 : 0);
      if (env.db.handle.pglite) {
        // after five custom plans the server settled on the generic one: planned once, not per chunk
        const uses = await sql<{ generic_plans: number }>`
          select generic_plans from pg_prepared_statements where statement = ${q.sql}`.execute(db);
        expect(Number(uses.rows[0].generic_plans)).toBeGreaterThan(0);
      }
      const plan = await db.connection().execute(async (c) => {
        await sql`set plan_cache_mode = force_generic_plan`.execute(c);
        try {
          await c.executeQuery(CompiledQuery.raw(`prepare generic_read as ${q.sql}`));
          const args = q.parameters.map(literal).join(", ");
          const explained = await c.executeQuery<Record<string, string>>(
            CompiledQuery.raw(`explain execute generic_read(${args})`),
          );
          return explained.rows.map((r) => Object.values(r)[0]).join("\n");
        } finally {
          await sql`deallocate generic_read`.execute(c);
          await sql`reset plan_cache_mode`.execute(c);
        }
      });
      expect(plan).not.toMatch(/Seq Scan/);
      expect(plan).toMatch(/Index (Only )?Scan using (sync_fetched_members_pkey|contact_email_keys_pkey)/);
    }
  });
  it("bring awkward contacts exactly as contactsByKeys does, on a list linked or not", async () => {
    const db = env.rt.db;
    const now = new Date("2026-03-04T05:06:07.891234Z");
    const listId = await seedListAndContacts("Schräg", "awk", 6, now, { evenOnly: true });
    // awkward names and addresses (quotes, commas, braces, backslashes, white space, NULL, nothing), a
    // contact with several addresses, one without email_keys, two contacts sharing an address, a
    // subscription with a sync state
    await sql`
      update contacts set first_name = ${'O"Brien, {x}'}, last_name = null, letter_salutation = ${"Liebe\tFrau\\"},
             emails = array['awk1@beispiel.de', 'zweit"adresse@beispiel.de', 'NULL', '', ' a b ', 'back\\slash', '{x,y}', 'ü@bü.de'],
             email_keys = array['awk1@beispiel.de', 'zweit"adresse@beispiel.de', 'NULL', 'ü@bü.de']
       where id = 'con_awk_00001'`.execute(db);
    await sql`update contacts set email_keys = '{}' where id = 'con_awk_00003'`.execute(db);
    await sql`
      insert into contacts (id, workspace_id, first_name, last_name, emails, email_keys, created_at, updated_at)
      values ('con_awk_zwilling', ${env.ws.id}, 'Zwilling', 'Zwei', array['awk2@beispiel.de'], array['awk2@beispiel.de'], ${now}, ${now})`.execute(
      db,
    );
    await sql`
      insert into contact_email_keys (workspace_id, email_key, contact_id)
      values (${env.ws.id}, 'awk3@beispiel.de', 'con_awk_00003')
      on conflict do nothing`.execute(db);
    await upsertSyncState(db, [
      {
        subscription_id: "sub_awk_00002",
        workspace_id: env.ws.id,
        list_id: listId,
        remote_id: "r2",
        remote_email: "awk2@beispiel.de",
        remote_status: "subscribed",
        remote_status_at: now,
        result: "success",
        result_detail: "{}",
        result_at: now,
        result_run_id: "syr_frueher",
        updated_at: now,
      },
    ]);
    const runId = newId("syr");
    const keys = [
      "awk0@beispiel.de",
      "awk1@beispiel.de",
      "awk2@beispiel.de",
      "awk3@beispiel.de",
      "awk4@beispiel.de",
      "awk5@beispiel.de",
      "nie@beispiel.de",
    ];
    await stageMembers(
      db,
      keys.map((k, i) => ({
        run_id: runId,
        email_key: k,
        remote_id: `m${i}`,
        email: k,
        status: i === 4 ? "unsubscribed" : "subscribed",
        status_changed_at: i === 5 ? null : new Date(now.getTime() + i),
        first_name: i === 1 ? 'Ä "quoted", {braced}' : null,
        last_name: `Nach\\name${i}`,
        salutation: i === 2 ? "Herr" : null,
        block_hash: null,
      })),
    );
    const expected = await contactsByKeys(db, { workspaceId: env.ws.id, listId, keys });
    // the shared address comes twice, the contact with several addresses whole
    expect(expected.filter((c) => c.email_key === "awk2@beispiel.de")).toHaveLength(2);
    expect(expected.find((c) => c.contact_id === "con_awk_00001")?.emails).toHaveLength(8);
    expect(expected.find((c) => c.contact_id === "con_awk_00002")?.has_sync_state).toBe(true);
    for (const linkable of [false, true]) {
      const read = await stagedChunk(db, {
        runId,
        workspaceId: env.ws.id,
        listId,
        afterKey: null,
        size: 100,
        unlinkedContacts: true,
        linkable,
      });
      expect(read.unlinkedContacts).toEqual(expected);
      const members = await stagedChunk(db, {
        runId,
        workspaceId: env.ws.id,
        listId,
        afterKey: null,
        size: 100,
        unlinkedContacts: false,
        linkable,
      });
      expect(read.members).toEqual(members.members);
      expect(read.members.map((m) => m.email_key)).toEqual(keys);
      expect(read.members[1].first_name).toBe('Ä "quoted", {braced}');
      expect(read.members[5].status_changed_at).toBeNull();
      expect(read.members[3].status_changed_at).toEqual(new Date(now.getTime() + 3));
    }
  });

  it("take an array's text apart as the database wrote it", async () => {
    const arrays = [
      [],
      ["a"],
      ["a", "b"],
      [null],
      ["", "NULL", "null", '"', "\\", "a,b", "{x}", " pad ", "tab\there", "ü👋", null, "x"],
    ];
    for (const a of arrays) {
      const { rows } = await sql<{ t: string }>`select cast(${a} as text[])::text as t`.execute(env.rt.db);
      expect(textArrayOf(rows[0].t)).toEqual(a);
    }
    const { rows } = await sql<{ t: string }>`select '[2:3]={a,"b c"}'::text[]::text as t`.execute(env.rt.db);
    expect(rows[0].t).toBe('[2:3]={a,"b c"}');
    expect(textArrayOf(rows[0].t)).toEqual(["a", "b c"]);
    expect(textArrayOf(null)).toBeNull();
  });
});

describe("the sync state's index by result (migration 410)", () => {
  // A fetch writes a sync state for every member, almost all a plain success on a list in step; the
  // index by result holds only the results something looks for: the member filters, and a fetch's walk of
  // its "not in tool" subscriptions.
  it("holds the results other than success, and the reads by result still use it", async () => {
    const db = env.rt.db;
    const now = new Date();
    const listId = await seedListAndContacts("Ergebnisse", "erg", 60, now, { evenOnly: false });
    await linkListToTool(db, env.rt.secret, {
      workspaceId: env.ws.id,
      listId,
      remoteListId: "9",
      baseUrl: "http://127.0.0.1:9",
      credentials: { kind: "listmonk", username: "u", token: "t" },
    });
    const runId = newId("syr");
    const resultOf = (i: number) => (i % 10 === 0 ? "conflict" : i % 7 === 0 ? "not_in_tool" : "success");
    await upsertSyncState(
      db,
      Array.from({ length: 60 }, (_, i) => ({
        subscription_id: `sub_erg_${String(i).padStart(5, "0")}`,
        workspace_id: env.ws.id,
        list_id: listId,
        remote_id: String(i),
        remote_email: `erg${i}@beispiel.de`,
        remote_status: "subscribed",
        remote_status_at: now,
        remote_first_name: null,
        remote_last_name: null,
        remote_salutation: null,
        result: resultOf(i),
        result_detail: "{}",
        result_at: now,
        result_run_id: runId,
        task: null,
        task_set_at: null,
        task_set_by: null,
        task_reason: null,
        updated_at: now,
      })),
    );
    const { rows: index } = await sql<{ predicate: string | null }>`
      select pg_get_expr(i.indpred, i.indrelid) as predicate from pg_index i
       where i.indexrelid = 'subscription_sync_list_idx'::regclass`.execute(db);
    expect(index[0].predicate).toBe("(result <> 'success'::text)");
    const ids = (pick: (i: number) => boolean) =>
      Array.from({ length: 60 }, (_, i) => i)
        .filter(pick)
        .map((i) => `sub_erg_${String(i).padStart(5, "0")}`);
    const { db: logged, ran, close } = recordingDb(env);
    const walked = await notInToolChunk(logged, { listId, runId, after: null, size: 100 });
    expect(walked.map((r) => r.subscription_id)).toEqual(ids((i) => resultOf(i) === "not_in_tool"));
    const ctx = { rt: { ...env.rt, db: logged }, workspaceId: env.ws.id, actor: systemActor("test") };
    const conflicts = await listMembers(ctx, listId, { limit: 100, filter: "conflicts" });
    await close();
    expect(conflicts.items.map((m) => m.subscription_id)).toEqual(ids((i) => resultOf(i) === "conflict"));
    const walk = ran.find((q) => /result = 'not_in_tool'/.test(q.sql));
    expect(walk).toBeDefined();
    const plan = await db.connection().execute(async (c) => {
      await sql`set enable_seqscan = off`.execute(c);
      try {
        const r = await c.executeQuery<Record<string, string>>(
          CompiledQuery.raw(`explain ${walk?.sql}`, [...(walk?.parameters ?? [])]),
        );
        return r.rows.map((x) => Object.values(x)[0]).join("\n");
      } finally {
        await sql`reset enable_seqscan`.execute(c);
      }
    });
    expect(plan).toMatch(/Index Scan using subscription_sync_list_idx/);
  });
});
