import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { systemActor } from "../runtime.js";
import { findBlocked } from "./lookup.js";
import { blockAddress, normalisePhone } from "./service.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
let admin: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
  admin = api(env.app, env.ws.admin);
});
afterAll(() => env?.close());

const activitiesOf = (recordId: string) =>
  env.rt.db
    .selectFrom("activities")
    .selectAll()
    .where("workspace_id", "=", env.ws.id)
    .where("record_id", "=", recordId)
    .orderBy("id")
    .execute();

const check = (address: string, key = env.ws.viewer) =>
  api(env.app, key).get(`/v1/blocklist/check?address=${encodeURIComponent(address)}`);

describe("blocking", () => {
  it("blocks an e-mail address with reason, who and when, and logs it", async () => {
    const r = await editor.post("/v1/blocklist", { address: "Spam.Falle@Beispiel.DE", reason: "Beschwerde" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      kind: "email",
      address: "Spam.Falle@beispiel.de",
      reason: "Beschwerde",
      source: "manual",
      active: true,
      erased: false,
    });
    expect(r.body.created_by).toMatch(/^api_key:key_/);
    expect(r.body.created_at).toBeTruthy();
    const acts = await activitiesOf(r.body.id);
    expect(acts.map((a) => [a.action, a.kind])).toEqual([["created", "blocklist_entry"]]);
    const c = await check("spam.falle@BEISPIEL.de");
    expect(c.body).toMatchObject({ blocked: true, entry: { id: r.body.id } });
    expect((await check("someone.else@beispiel.de")).body).toEqual({ blocked: false });
  });

  it("answers 409 with the existing id when the address is already blocked", async () => {
    const first = await editor.post("/v1/blocklist", { address: "doppelt@example.org", reason: "a" });
    const again = await editor.post("/v1/blocklist", { address: "DOPPELT@example.org", reason: "b" });
    expect(again.status).toBe(409);
    expect(again.body.error.details.id).toBe(first.body.id);
    expect(await activitiesOf(first.body.id)).toHaveLength(1);
  });

  it("keeps one active entry under 10 concurrent blocks of the same address", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        editor.post("/v1/blocklist", { address: "race@example.org", reason: "r" }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    const rows = await env.rt.db
      .selectFrom("blocklist")
      .select("id")
      .where("address", "=", "race@example.org")
      .execute();
    expect(rows).toHaveLength(1);
  });

  it("blockAddress is idempotent for processes such as the bounce handler", async () => {
    const input = {
      kind: "email" as const,
      address: "hard@bounce.example",
      reason: "550 5.1.1 user unknown",
      source: "hard_bounce",
      actor: systemActor("bounces"),
    };
    const a = await blockAddress(env.rt.db, env.rt, env.ws.id, input);
    const b = await blockAddress(env.rt.db, env.rt, env.ws.id, { ...input, reason: "again" });
    expect(a.created).toBe(true);
    expect(b).toEqual({ entry: a.entry, created: false });
    expect(a.entry).toMatchObject({ source: "hard_bounce", created_by: "system:bounces" });
    const hits = await findBlocked(env.rt.db, env.rt.secret, env.ws.id, [
      "Hard@Bounce.example",
      "ok@bounce.example",
    ]);
    expect([...hits.keys()]).toEqual(["Hard@Bounce.example"]);
  });

  it("rejects invalid addresses, unknown fields and wrong types, writing nothing", async () => {
    const before = (await env.rt.db.selectFrom("blocklist").select("id").execute()).length;
    const cases = [
      { address: "kein-at-zeichen", reason: "x" },
      { address: "+49 30", reason: "x", kind: "phone" },
      { address: "1234567890123456", reason: "x", kind: "phone" },
      { address: "030-abc-123", reason: "x", kind: "phone" },
      { address: "a@example.org", reason: "" },
      { address: "a@example.org" },
      { address: "a@example.org", reason: "x", kind: "fax" },
      { address: "a@example.org", reason: "x", source: "hard_bounce" },
      { address: 5, reason: "x" },
    ];
    for (const body of cases) {
      const r = await editor.post("/v1/blocklist", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid");
    }
    const phone = await editor.post("/v1/blocklist", { address: "12-34", reason: "x", kind: "phone" });
    expect(phone.body.error.message).toMatch(/phone number/);
    expect((await env.rt.db.selectFrom("blocklist").select("id").execute()).length).toBe(before);
    expect((await check("kaputt")).status).toBe(400);
  });
});

describe("phone numbers", () => {
  it("treats +49 30 1234567 and 0049301234567 as the same number", async () => {
    const r = await editor.post("/v1/blocklist", {
      address: "+49 30 1234567",
      reason: "Werbeanruf",
      kind: "phone",
    });
    expect(r.status).toBe(201);
    expect(r.body.address).toBe("+49301234567");
    const again = await editor.post("/v1/blocklist", {
      address: "0049301234567",
      reason: "x",
      kind: "phone",
    });
    expect(again.status).toBe(409);
    expect(again.body.error.details.id).toBe(r.body.id);
    expect((await check("0049 (30) 123-4567")).body).toMatchObject({
      blocked: true,
      entry: { id: r.body.id },
    });
  });

  it("normalises any spacing of the same international number to one form (property)", () => {
    const number = fc.stringMatching(/^[1-9][0-9]{5,13}$/);
    const sep = fc.constantFrom("", " ", "-", "/", ".");
    fc.assert(
      fc.property(number, sep, (n, s) => {
        const spaced = n.replace(/(\d{3})(?=\d)/g, `$1${s}`);
        expect(normalisePhone(`+${spaced}`)).toBe(`+${n}`);
        expect(normalisePhone(`00${spaced}`)).toBe(`+${n}`);
      }),
    );
  });
});

describe("lifting", () => {
  it("lets only admins lift; a lifted entry no longer blocks and stays as history", async () => {
    const e = (await editor.post("/v1/blocklist", { address: "zurueck@example.org", reason: "Irrtum?" }))
      .body;
    const denied = await editor.delete(`/v1/blocklist/${e.id}`);
    expect(denied.status).toBe(403);
    expect((await check("zurueck@example.org")).body.blocked).toBe(true);

    const lifted = await admin.raw(
      "DELETE",
      `/v1/blocklist/${e.id}`,
      JSON.stringify({ reason: "Kunde bestätigt" }),
      {
        "content-type": "application/json",
      },
    );
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ id: e.id, active: false, lift_reason: "Kunde bestätigt" });
    expect(lifted.body.lifted_by).toMatch(/^api_key:key_/);
    expect(lifted.body.lifted_at).toBeTruthy();
    expect((await check("zurueck@example.org")).body).toEqual({ blocked: false });

    expect((await admin.delete(`/v1/blocklist/${e.id}`)).status).toBe(409);
    const active = await editor.get("/v1/blocklist?q=zurueck");
    expect(active.body.items).toEqual([]);
    const history = await editor.get("/v1/blocklist?q=zurueck&include_lifted=true");
    expect(history.body.items.map((i: { id: string }) => i.id)).toEqual([e.id]);
    expect((await editor.get(`/v1/blocklist/${e.id}`)).body.lifted_at).toBeTruthy();
    const acts = await activitiesOf(e.id);
    expect(acts.map((a) => a.action)).toEqual(["created", "lifted"]);
    expect(acts[1].changes).toMatchObject({ lift_reason: { before: null, after: "Kunde bestätigt" } });

    // blocked again later: a new entry, the old one kept
    const again = await editor.post("/v1/blocklist", { address: "zurueck@example.org", reason: "doch" });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(e.id);
  });

  it("takes the lift reason from the query string too", async () => {
    const e = (await editor.post("/v1/blocklist", { address: "query@example.org", reason: "x" })).body;
    const r = await admin.delete(`/v1/blocklist/${e.id}?reason=${encodeURIComponent("per Telefon")}`);
    expect(r.body.lift_reason).toBe("per Telefon");
  });
});

describe("reading the blocklist", () => {
  it("filters by address part and kind and pages newest first", async () => {
    const env2 = await createTestEnv();
    try {
      const c = api(env2.app, env2.ws.editor);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await c.post("/v1/blocklist", { address: `liste${i}@example.org`, reason: "x" })).body.id);
      }
      await c.post("/v1/blocklist", { address: "+43 1 5551234", reason: "x", kind: "phone" });
      expect(
        (await c.get("/v1/blocklist?kind=phone")).body.items.map((e: { address: string }) => e.address),
      ).toEqual(["+4315551234"]);
      expect((await c.get("/v1/blocklist?q=LISTE3")).body.items).toHaveLength(1);
      expect((await c.get("/v1/blocklist?q=_")).body.items).toHaveLength(0);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const p: { body: { items: { id: string }[]; next_cursor: string | null } } = await c.get(
          `/v1/blocklist?kind=email&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seen.push(...p.body.items.map((e) => e.id));
        cursor = p.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      expect((await c.get("/v1/blocklist?include_lifted=yes")).status).toBe(400);
    } finally {
      await env2.close();
    }
  });

  it("keeps blocking an erased address through its hash and shows it as erased", async () => {
    const e = (await editor.post("/v1/blocklist", { address: "geloescht@example.org", reason: "Art. 17" }))
      .body;
    await env.rt.db.updateTable("blocklist").set({ address: null }).where("id", "=", e.id).execute();
    const g = await editor.get(`/v1/blocklist/${e.id}`);
    expect(g.body).toMatchObject({ address: null, erased: true, active: true });
    expect((await check("geloescht@example.org")).body).toMatchObject({
      blocked: true,
      entry: { erased: true },
    });
    expect(
      (await editor.post("/v1/blocklist", { address: "geloescht@example.org", reason: "x" })).status,
    ).toBe(409);
  });
});

describe("workspaces", () => {
  it("never shows or lifts another workspace's entries, and blocks per workspace", async () => {
    const e = (await editor.post("/v1/blocklist", { address: "nur-a@example.org", reason: "x" })).body;
    const other = api(env.app, env.other.admin);
    expect((await other.get(`/v1/blocklist/${e.id}`)).status).toBe(404);
    expect((await other.delete(`/v1/blocklist/${e.id}`)).status).toBe(404);
    expect((await other.get("/v1/blocklist?q=nur-a")).body.items).toEqual([]);
    expect((await check("nur-a@example.org", env.other.admin)).body).toEqual({ blocked: false });
    expect((await editor.get(`/v1/blocklist/${e.id}`)).body.active).toBe(true);
    expect((await editor.get("/v1/blocklist/blk_unknown")).status).toBe(404);
  });

  it("lets a viewer read and check but not block", async () => {
    const viewer = api(env.app, env.ws.viewer);
    expect((await viewer.post("/v1/blocklist", { address: "v@example.org", reason: "x" })).status).toBe(403);
    expect((await viewer.get("/v1/blocklist")).status).toBe(200);
    expect((await check("v@example.org")).body).toEqual({ blocked: false });
  });
});
