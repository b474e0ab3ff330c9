// The schedule fetches regularly and never transmits; a run whose process died is taken over.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeMailchimp, startFakeMailchimp } from "../../test/fakes/mailchimp.js";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";
import { settled } from "./service.js";
import { syncTick } from "./worker.js";

let env: TestEnv;
let fake: FakeMailchimp;
let editor: ReturnType<typeof api>;

beforeAll(async () => {
  env = await createTestEnv();
  fake = await startFakeMailchimp();
  editor = api(env.app, env.ws.editor);
});
afterAll(async () => {
  await settled();
  await fake.close();
  await env.close();
});

async function linkedList() {
  const c = await api(env.app, env.ws.admin).post("/v1/email-tools", {
    name: `MC ${newId("x")}`,
    tool: "mailchimp",
    base_url: fake.url,
    credentials: { api_key: fake.apiKey },
  });
  const list = await editor.post("/v1/lists", { name: `Liste ${newId("x")}` });
  const remote = fake.addList("Audience");
  fake.addMember(remote.id, {
    email_address: `plan-${newId("x")}@example.org`,
    merge_fields: { FNAME: "P", LNAME: "Lan" },
  });
  const link = await editor.post(`/v1/lists/${list.body.id}/link`, {
    mode: "attach",
    connection_id: c.body.id,
    remote_list_id: remote.id,
  });
  expect(link.status).toBe(201);
  return list.body.id as string;
}

const runsOf = async (listId: string) => (await editor.get(`/v1/lists/${listId}/sync/runs`)).body.items;

describe("scheduled fetch", () => {
  it("fetches when due, as a scheduled run, and never transmits", async () => {
    const listId = await linkedList();
    const s = await editor.patch(`/v1/lists/${listId}/link`, { fetch_every_minutes: 60 });
    expect(s.body.fetch_every_minutes).toBe(60);
    expect(await syncTick(env.rt)).toEqual([]); // not due yet
    await env.rt.db
      .updateTable("list_links")
      .set({ next_fetch_at: new Date(Date.now() - 1000) })
      .where("list_id", "=", listId)
      .execute();
    const [run] = await syncTick(env.rt);
    expect(run).toMatchObject({ kind: "fetch", status: "done", trigger: "scheduled" });
    const m = (await editor.get(`/v1/lists/${listId}/sync/members`)).body.items;
    expect(m[0]).toMatchObject({ result: "new_contact" });
    // a decided task stays undecided by the schedule: the next due fetch is skipped with a warning
    const set = await editor.put(`/v1/lists/${listId}/sync/members/${m[0].subscription_id}/task`, {
      task: "unsubscribe",
    });
    expect(set.status).toBe(200);
    await env.rt.db
      .updateTable("list_links")
      .set({ next_fetch_at: new Date(Date.now() - 1000) })
      .where("list_id", "=", listId)
      .execute();
    expect(await syncTick(env.rt)).toEqual([null]);
    const runs = await runsOf(listId);
    expect(runs.map((r: { kind: string }) => r.kind)).toEqual(["fetch"]);
    const warning = await env.rt.db
      .selectFrom("event_log")
      .select(["detail", "trigger"])
      .where("record_id", "=", listId)
      .where("process", "=", "sync:schedule")
      .executeTakeFirstOrThrow();
    expect(warning.detail).toContain("Scheduled fetch skipped");
    expect(warning.trigger).toBe("process");
    const after = (await editor.get(`/v1/lists/${listId}/sync/members`)).body.items[0];
    expect(after.task).toBe("unsubscribe");
  });

  it("takes over a run whose process died", async () => {
    const listId = await linkedList();
    const link = await env.rt.db
      .selectFrom("list_links")
      .select("id")
      .where("list_id", "=", listId)
      .executeTakeFirstOrThrow();
    const id = newId("syr");
    await env.rt.db
      .insertInto("sync_runs")
      .values({
        id,
        workspace_id: env.ws.id,
        list_id: listId,
        link_id: link.id,
        kind: "fetch",
        status: "running",
        trigger: "user",
        triggered_by: "crashed",
        counts: "{}",
        error: null,
        total: null,
        lease_owner: "pid:dead",
        lease_until: new Date(Date.now() - 1000),
        created_at: new Date(),
        started_at: new Date(),
        finished_at: null,
      })
      .execute();
    await syncTick(env.rt);
    const run = (await editor.get(`/v1/lists/${listId}/sync/runs/${id}`)).body;
    expect(run).toMatchObject({ status: "done", counts: { new_contact: 1 } });
  });
});
