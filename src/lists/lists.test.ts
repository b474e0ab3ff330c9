import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
});
afterAll(() => env?.close());

const newsletter = {
  name: "Newsletter-Verteiler",
  description: "Dies ist unser größter Verteiler für alle Kunden, welchen unseren Newsletter erhalten.",
  sender_name: "sunshine agency",
  sender_email: "info@Sunshine-Agency.NET",
  reply_to: "antwort@sunshine-agency.net",
  record_reactions: true,
};

async function activitiesOf(recordId: string) {
  return env.rt.db
    .selectFrom("activities")
    .selectAll()
    .where("workspace_id", "=", env.ws.id)
    .where("record_id", "=", recordId)
    .orderBy("id")
    .execute();
}

describe("lists", () => {
  it("creates a list with defaults, a normalised sender address and an activity", async () => {
    const r = await editor.post("/v1/lists", newsletter);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: "Newsletter-Verteiler",
      type: "email_list",
      status: "running",
      sender_email: "info@sunshine-agency.net",
      reply_to: "antwort@sunshine-agency.net",
      record_reactions: true,
    });
    expect(r.body.id).toMatch(/^list_/);
    const acts = await activitiesOf(r.body.id);
    expect(acts.map((a) => [a.action, a.kind])).toEqual([["created", "list"]]);
    expect(acts[0].actor_type).toBe("api_key");
  });

  it("rejects an invalid sender address, unknown fields, wrong types and empty names, writing nothing", async () => {
    const before = await env.rt.db.selectFrom("lists").select("id").execute();
    const bad = [
      { name: "x", sender_email: "not-an-address" },
      { name: "x", reply_to: "a@b" },
      { name: "x", colour: "red" },
      { name: "x", type: "newsletter" },
      { name: "x", status: "paused" },
      { name: "" },
      { name: 42 },
      {},
    ];
    for (const body of bad) {
      const r = await editor.post("/v1/lists", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid");
    }
    const r = await editor.post("/v1/lists", { name: "x", sender_email: "not-an-address" });
    expect(r.body.error.message).toMatch(/sender_email/);
    const after = await env.rt.db.selectFrom("lists").select("id").execute();
    expect(after.length).toBe(before.length);
  });

  it("reads a list with its counts per subscription status", async () => {
    const l = (await editor.post("/v1/lists", { name: "Leere Liste" })).body;
    const r = await editor.get(`/v1/lists/${l.id}`);
    expect(r.status).toBe(200);
    expect(r.body.counts).toEqual({
      total: 0,
      subscribed: 0,
      unsubscribed: 0,
      pending: 0,
      bounced_permanent: 0,
      bounced_temporary: 0,
      bounced_general: 0,
    });
  });

  it("updates fields, records before/after, and clears nullable fields with null", async () => {
    const l = (await editor.post("/v1/lists", newsletter)).body;
    const r = await editor.patch(`/v1/lists/${l.id}`, { status: "ended", reply_to: null, name: "Alt" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: "ended",
      reply_to: null,
      name: "Alt",
      sender_name: "sunshine agency",
    });
    const acts = await activitiesOf(l.id);
    const upd = acts.find((a) => a.action === "updated");
    expect(upd?.changes).toMatchObject({
      status: { before: "running", after: "ended" },
      name: { before: "Newsletter-Verteiler", after: "Alt" },
      reply_to: { before: "antwort@sunshine-agency.net", after: null },
    });
    expect((await editor.patch(`/v1/lists/${l.id}`, {})).status).toBe(400);
    expect((await editor.patch(`/v1/lists/${l.id}`, { sender_email: "kaputt" })).status).toBe(400);
    expect((await editor.get(`/v1/lists/${l.id}`)).body.sender_email).toBe("info@sunshine-agency.net");
  });

  it("filters by status, type and name and pages with a cursor", async () => {
    const env2 = await createTestEnv();
    try {
      const c = api(env2.app, env2.ws.editor);
      for (let i = 0; i < 5; i++) await c.post("/v1/lists", { name: `Kurs ${i}`, type: "one_time" });
      await c.post("/v1/lists", { name: "Newsletter 100%", status: "ended" });
      expect((await c.get("/v1/lists?type=one_time")).body.items).toHaveLength(5);
      expect((await c.get("/v1/lists?status=ended")).body.items.map((l: { name: string }) => l.name)).toEqual(
        ["Newsletter 100%"],
      );
      expect((await c.get("/v1/lists?q=kURS%203")).body.items).toHaveLength(1);
      // % is matched literally, not as a wildcard
      expect((await c.get("/v1/lists?q=%25")).body.items).toHaveLength(1);
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const p: { body: { items: { name: string }[]; next_cursor: string | null } } = await c.get(
          `/v1/lists?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        names.push(...p.body.items.map((l) => l.name));
        cursor = p.body.next_cursor;
      } while (cursor);
      expect(names).toEqual(["Kurs 0", "Kurs 1", "Kurs 2", "Kurs 3", "Kurs 4", "Newsletter 100%"]);
      expect((await c.get("/v1/lists?cursor=garbage!")).status).toBe(400);
      expect((await c.get("/v1/lists?status=paused")).status).toBe(400);
    } finally {
      await env2.close();
    }
  });

  it("deletes a list with its subscriptions and says how many", async () => {
    const l = (await editor.post("/v1/lists", { name: "Weg damit" })).body;
    const now = new Date();
    await env.rt.db
      .insertInto("contacts")
      .values({ id: "ct_del_1", workspace_id: env.ws.id, created_at: now, updated_at: now })
      .execute();
    expect((await editor.post(`/v1/lists/${l.id}/subscriptions`, { contact_id: "ct_del_1" })).status).toBe(
      201,
    );
    const d = await editor.delete(`/v1/lists/${l.id}`);
    expect(d.status).toBe(200);
    expect(d.body).toEqual({ id: l.id, deleted: true, subscriptions_removed: 1 });
    expect((await editor.get(`/v1/lists/${l.id}`)).status).toBe(404);
    const subs = await env.rt.db
      .selectFrom("subscriptions")
      .select("id")
      .where("list_id", "=", l.id)
      .execute();
    expect(subs).toEqual([]);
    const contact = await env.rt.db
      .selectFrom("contacts")
      .select("id")
      .where("id", "=", "ct_del_1")
      .execute();
    expect(contact).toHaveLength(1);
    const del = (await activitiesOf(l.id)).find((a) => a.action === "deleted");
    expect(del?.data).toEqual({ subscriptions_removed: 1 });
  });

  it("answers 404 for another workspace's list on every route and changes nothing", async () => {
    const l = (await editor.post("/v1/lists", { name: "Nur für A" })).body;
    const other = api(env.app, env.other.admin);
    expect((await other.get(`/v1/lists/${l.id}`)).status).toBe(404);
    expect((await other.patch(`/v1/lists/${l.id}`, { name: "B war hier" })).status).toBe(404);
    expect((await other.delete(`/v1/lists/${l.id}`)).status).toBe(404);
    expect((await other.get(`/v1/lists/${l.id}/subscriptions`)).status).toBe(404);
    expect((await other.get("/v1/lists")).body.items).toEqual([]);
    expect((await editor.get(`/v1/lists/${l.id}`)).body.name).toBe("Nur für A");
    expect((await editor.get("/v1/lists/list_unknown")).body.error.code).toBe("not_found");
  });

  it("lets a viewer read but not write", async () => {
    const viewer = api(env.app, env.ws.viewer);
    const l = (await editor.post("/v1/lists", { name: "Lesen erlaubt" })).body;
    expect((await viewer.get(`/v1/lists/${l.id}`)).status).toBe(200);
    expect((await viewer.post("/v1/lists", { name: "nein" })).status).toBe(403);
    expect((await viewer.patch(`/v1/lists/${l.id}`, { name: "nein" })).status).toBe(403);
    expect((await viewer.delete(`/v1/lists/${l.id}`)).status).toBe(403);
  });
});
