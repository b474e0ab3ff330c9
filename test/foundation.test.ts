import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordActivity } from "../src/audit/service.js";
import { systemActor } from "../src/runtime.js";
import { api, createTestEnv, type TestEnv } from "./harness.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

describe("operator and workspaces", () => {
  it("creates a workspace and a key with the operator key, and the key works once", async () => {
    const op = api(env.app, env.operatorKey);
    const w = await op.post("/v1/workspaces", { name: "Kalender GmbH" });
    expect(w.status).toBe(201);
    const k = await op.post(`/v1/workspaces/${w.body.id}/api-keys`, { role: "editor" });
    expect(k.status).toBe(201);
    expect(k.body.key).toMatch(/^ps_ws_/);
    const me = await api(env.app, k.body.key).get("/v1/workspace");
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(w.body.id);
    const keys = await op.get(`/v1/workspaces/${w.body.id}/api-keys`);
    expect(JSON.stringify(keys.body)).not.toContain(k.body.key);
  });

  it("rejects a workspace key on operator routes and a wrong key everywhere", async () => {
    expect((await api(env.app, env.ws.admin).post("/v1/workspaces", { name: "x" })).status).toBe(403);
    const bad = await api(env.app, "nope").get("/v1/workspace");
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe("unauthorized");
  });

  it("answers malformed JSON, unknown fields and wrong types with 400 and the error shape", async () => {
    const op = api(env.app, env.operatorKey);
    const m = await op.raw("POST", "/v1/workspaces", "{not json", { "content-type": "application/json" });
    expect(m.status).toBe(400);
    expect(m.body.error.code).toBe("invalid");
    const u = await op.post("/v1/workspaces", { name: "x", colour: "red" });
    expect(u.status).toBe(400);
    expect(u.body.error.message).toMatch(/colour/);
    const t = await op.post("/v1/workspaces", { name: 42 });
    expect(t.status).toBe(400);
    expect(t.body.error.details[0].path).toBe("name");
  });

  it("answers a 10 MB body with 413 too_large", async () => {
    const big = JSON.stringify({ name: "x".repeat(10 * 1024 * 1024) });
    const r = await api(env.app, env.operatorKey).raw("POST", "/v1/workspaces", big, {
      "content-type": "application/json",
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("too_large");
  });

  it("logs host-application activities and filters them", async () => {
    const c = api(env.app, env.ws.editor);
    const r = await c.post("/v1/activities", {
      action: "cancelled",
      kind: "booking",
      record_id: "b-17",
      summary: "Buchung abgesagt",
    });
    expect(r.status).toBe(201);
    const l = await c.get("/v1/activities?kind=booking&action=cancelled");
    expect(l.body.items.map((i: { record_id: string }) => i.record_id)).toEqual(["b-17"]);
    expect(l.body.items[0].actor.type).toBe("api_key");
  });

  it("finds activities by part of who acted, in any case, with % and _ taken literally", async () => {
    const admin = api(env.app, env.ws.admin);
    const key = await admin.post("/v1/api-keys", { role: "editor", name: "Buchungssystem Praxis Scholz" });
    expect(key.status).toBe(201);
    const booking = api(env.app, key.body.key);
    const log = async (actor_name: string | undefined, record_id: string) =>
      expect(
        (await booking.post("/v1/activities", { action: "created", kind: "shift", record_id, actor_name }))
          .status,
      ).toBe(201);
    await log("Anna Becker", "s-anna");
    await log("Johanna Anders", "s-johanna");
    await log("Bernd 100%_sicher", "s-bernd");
    await log(undefined, "s-key");
    const ids = async (query: string) =>
      ((await admin.get(`/v1/activities?kind=shift&${query}`)).body.items as Array<{ record_id: string }>)
        .map((i) => i.record_id)
        .sort();
    expect(await ids("actor_contains=anna")).toEqual(["s-anna", "s-johanna"]);
    expect(await ids("actor_contains=ANNA%20B")).toEqual(["s-anna"]);
    expect(await ids("actor_contains=%25_")).toEqual(["s-bernd"]);
    expect(await ids("actor_contains=_")).toEqual(["s-bernd"]);
    // An API key by part of its name, whether or not the entry recorded one.
    expect(await ids("actor_contains=buchungssystem")).toEqual(["s-anna", "s-bernd", "s-johanna", "s-key"]);
    // The exact filter keeps its meaning: the whole name, or the id.
    expect(await ids("actor=Anna")).toEqual([]);
    expect(await ids("actor=Anna%20Becker")).toEqual(["s-anna"]);
    expect(await ids(`actor=${key.body.id}`)).toHaveLength(4);
    expect(await ids("actor_contains=Keiner")).toEqual([]);
    const blank = await admin.get("/v1/activities?actor_contains=%20");
    expect(blank.status).toBe(400);
    expect(blank.body.error.details[0]).toMatchObject({
      path: "actor_contains",
      code: "too_small",
      minimum: 1,
    });
    // Another workspace's entries stay out of it.
    const other = await api(env.app, env.other.admin).get("/v1/activities?actor_contains=anna");
    expect(other.body.items).toEqual([]);
  });

  it("finds a system process's activities by the words the dashboard shows for it, in German or English", async () => {
    const admin = api(env.app, env.ws.admin);
    const log = (process: string, record: string) =>
      recordActivity(
        env.rt.db,
        { workspaceId: env.ws.id, actor: systemActor(process), now: new Date() },
        { action: "updated", kind: "robot_shift", recordId: record },
      );
    await log("campaign worker", "r-worker");
    await log("sync:mailchimp", "r-mailchimp");
    await log("sync:listmonk", "r-listmonk");
    await log("inbound", "r-inbound");
    await log("webhook:ses", "r-ses");
    await log("something new", "r-new");
    const person = await admin.post("/v1/activities", {
      action: "updated",
      kind: "robot_shift",
      record_id: "r-person",
      actor_name: "Vera Versand",
    });
    expect(person.status).toBe(201);
    const ids = async (text: string) =>
      (
        (await admin.get(`/v1/activities?kind=robot_shift&actor_contains=${encodeURIComponent(text)}`)).body
          .items as Array<{ record_id: string }>
      )
        .map((i) => i.record_id)
        .sort();
    // "Versand der Serienkorrespondenz" (and a person whose name has it); English "Sending of serial …".
    expect(await ids("versand der serien")).toEqual(["r-worker"]);
    expect(await ids("Versand")).toEqual(["r-person", "r-ses", "r-worker"]);
    expect(await ids("sending of serial")).toEqual(["r-worker"]);
    // "Abgleich mit Mailchimp" / "Sync with listmonk"; "Abgleich" finds both syncs.
    expect(await ids("Abgleich mit Mailchimp")).toEqual(["r-mailchimp"]);
    expect(await ids("sync with listmonk")).toEqual(["r-listmonk"]);
    expect(await ids("abgleich")).toEqual(["r-listmonk", "r-mailchimp"]);
    // "Eingang (Rückläufer, Bestätigungen)", "Meldung des Versanddienstes Amazon SES".
    expect(await ids("Rückläufer")).toEqual(["r-inbound"]);
    expect(await ids("Amazon SES")).toEqual(["r-ses"]);
    // A kind of actor by its word: "System" every process, "API-Schlüssel" / "API key" what keys did.
    expect(await ids("system")).toEqual([
      "r-inbound",
      "r-listmonk",
      "r-mailchimp",
      "r-new",
      "r-ses",
      "r-worker",
    ]);
    expect(await ids("API-Schlüssel")).toEqual(["r-person"]);
    expect(await ids("api key")).toEqual(["r-person"]);
    // A process without words of its own by its name ("System (something new)").
    expect(await ids("something")).toEqual(["r-new"]);
    expect(await ids("Kommandozeile")).toEqual([]);
    const other = await api(env.app, env.other.admin).get("/v1/activities?actor_contains=Versand");
    expect(other.body.items).toEqual([]);
    const spec = await api(env.app).get("/openapi.json");
    const param = spec.body.paths["/v1/activities"].get.parameters.find(
      (p: { name: string }) => p.name === "actor_contains",
    );
    expect(param.description).toMatch(/German or English/);
  });

  it("serves openapi.json, health and metrics", async () => {
    const o = await api(env.app).get("/openapi.json");
    expect(o.body.paths["/v1/workspaces"].post.summary).toBe("Create a workspace");
    const params = o.body.paths["/v1/activities"].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(["actor", "actor_contains"]));
    const issue = o.body.components.schemas.FieldIssue;
    expect(issue.required).toEqual(["path", "message"]);
    expect(Object.keys(issue.properties)).toEqual(
      expect.arrayContaining([
        "path",
        "message",
        "code",
        "expected",
        "received",
        "minimum",
        "maximum",
        "keys",
      ]),
    );
    expect((await api(env.app).get("/health")).body.status).toBe("ok");
    expect((await api(env.app).get("/metrics")).text).toContain("poststelle_queue_depth");
  });
});
