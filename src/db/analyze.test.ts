import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { analyzeChangedTables, vacuumChangedTables } from "./analyze.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

/** `n` messages of the workspace, written as a bulk insert writes them. */
async function insertMessages(n: number, prefix: string) {
  await sql`
    insert into messages (id, workspace_id, to_address, from_address, subject, text_body, attachments,
                          message_id_header, return_path, send_state, status, next_attempt_at)
    select ${prefix} || lpad(g::text, 6, '0'), ${env.ws.id}, 'kunde' || g || '@example.org', 'shop@example.org',
           'Ihre Bestellung', 'Danke.', '[]', '<' || ${prefix} || g || '@example.org>', 'bounce@example.org', 'done', 'sent', now()
      from generate_series(1, ${n}) g`.execute(env.rt.db);
}

/** Changes reach pg_stat_user_tables when the session reports them (PostgreSQL: within a second). */
async function modsSinceAnalyze(table: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select coalesce(max(n_mod_since_analyze), 0)::int as n from pg_stat_user_tables where relname = ${table}`.execute(
    env.rt.db,
  );
  return r.rows[0].n;
}

async function deadRows(table: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select coalesce(max(n_dead_tup), 0)::int as n from pg_stat_user_tables where relname = ${table}`.execute(
    env.rt.db,
  );
  return r.rows[0].n;
}

async function waitFor(read: () => Promise<number>, atLeast: number) {
  for (let i = 0; i < 50 && (await read()) < atLeast; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForStats(table: string, atLeast: number) {
  for (let i = 0; i < 50 && (await modsSinceAnalyze(table)) < atLeast; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function lockPlan(ids: string[]): Promise<string> {
  const r = await sql<{ "QUERY PLAN": string }>`
    explain select id from messages where workspace_id = ${env.ws.id} and id = any(${ids}::text[])
     order by id for update`.execute(env.rt.db);
  return r.rows.map((x) => x["QUERY PLAN"]).join("\n");
}

describe("analyzeChangedTables", () => {
  it("analyses a table changed beyond autovacuum's threshold, then leaves it until it changes again", async () => {
    await insertMessages(2000, "msg_an_");
    await waitForStats("messages", 2000);
    const first = await analyzeChangedTables(env.rt.db);
    // PostgreSQL's own autovacuum may have been quicker; either way the table has statistics now.
    if (env.rt.dbKind === "pglite") expect(first).toContain("messages");
    expect(await modsSinceAnalyze("messages")).toBe(0);
    const stats = await sql<{ n: number }>`
      select count(*)::int as n from pg_stats where tablename = 'messages' and attname = 'workspace_id'`.execute(
      env.rt.db,
    );
    expect(stats.rows[0].n).toBe(1);
    expect(await analyzeChangedTables(env.rt.db)).not.toContain("messages");
  });

  it("leaves a table alone below the threshold (50 rows + 10% of the table)", async () => {
    await insertMessages(40, "msg_few_");
    await waitForStats("messages", 40);
    expect(await modsSinceAnalyze("messages")).toBeGreaterThanOrEqual(40);
    expect(await analyzeChangedTables(env.rt.db)).not.toContain("messages");
  });

  it("with statistics, the messages a provider batch names are found by primary key", async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `msg_an_${String(i * 7 + 1).padStart(6, "0")}`);
    expect(await lockPlan(ids)).toContain("messages_pkey");
  });
});

describe("vacuumChangedTables", () => {
  it("vacuums a table whose dead rows pass autovacuum's threshold, then leaves it until it changes again", async () => {
    await insertMessages(3000, "msg_vac_");
    // Every row rewritten once (as a send's outcome does): 3,000 dead versions.
    await sql`update messages set status = 'delivered' where id like 'msg_vac_%'`.execute(env.rt.db);
    await waitFor(() => deadRows("messages"), 3000);
    const first = await vacuumChangedTables(env.rt.db);
    // PostgreSQL's own autovacuum may have been quicker; either way the dead rows are gone now.
    if (env.rt.dbKind === "pglite") expect(first).toContain("messages");
    expect(await deadRows("messages")).toBe(0);
    expect(await vacuumChangedTables(env.rt.db)).not.toContain("messages");
  });

  it("leaves a table alone below the threshold (50 dead rows + 20% of the table)", async () => {
    await sql`update messages set status = 'opened' where id in ('msg_vac_000001', 'msg_vac_000002')`.execute(
      env.rt.db,
    );
    await waitFor(() => deadRows("messages"), 2);
    expect(await deadRows("messages")).toBeGreaterThanOrEqual(2);
    expect(await vacuumChangedTables(env.rt.db)).not.toContain("messages");
  });
});
