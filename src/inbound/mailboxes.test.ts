import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { pollDueMailboxes } from "./imap.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const body = (over: Record<string, unknown> = {}) => ({
  name: `Archiv ${Math.random().toString(36).slice(2)}`,
  host: "imap.example.org",
  port: 993,
  tls: true,
  user: "archiv@hundeschule.example",
  password: "s3cret!",
  purpose: "archive",
  ...over,
});

describe("/v1/inbound-mailboxes", () => {
  it("shows the password once on creation, masked afterwards, and in clear only through the logged credentials route", async () => {
    const c = api(env.app, env.ws.admin);
    const created = await c.post("/v1/inbound-mailboxes", body());
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      password: "s3cret!",
      folder: "INBOX",
      after: "flag",
      poll_seconds: 60,
      enabled: true,
    });

    const one = await c.get(`/v1/inbound-mailboxes/${created.body.id}`);
    expect(one.body.password).toBe("********");
    const list = await c.get("/v1/inbound-mailboxes");
    expect(list.body.items.find((m: { id: string }) => m.id === created.body.id).password).toBe("********");
    expect(JSON.stringify(list.body)).not.toContain("s3cret!");

    const creds = await c.get(`/v1/inbound-mailboxes/${created.body.id}/credentials`);
    expect(creds.body).toMatchObject({ user: "archiv@hundeschule.example", password: "s3cret!" });
    const acts = await env.rt.db
      .selectFrom("activities")
      .select(["action", "changes"])
      .where("record_id", "=", created.body.id)
      .orderBy("id")
      .execute();
    expect(acts.map((a) => a.action)).toEqual(["created", "credentials_viewed"]);
    // The password itself never enters the activity log.
    expect(JSON.stringify(acts)).not.toContain("s3cret!");
  });

  it("is for admins only", async () => {
    for (const key of [env.ws.editor, env.ws.viewer]) {
      const c = api(env.app, key);
      expect((await c.get("/v1/inbound-mailboxes")).status).toBe(403);
      expect((await c.post("/v1/inbound-mailboxes", body())).status).toBe(403);
    }
  });

  it("refuses bad input with a message that says what is wrong, and changes nothing", async () => {
    const c = api(env.app, env.ws.admin);
    const noFolder = await c.post("/v1/inbound-mailboxes", body({ after: "move" }));
    expect(noFolder.status).toBe(400);
    expect(noFolder.text).toMatch(/move_to/);
    expect((await c.post("/v1/inbound-mailboxes", body({ port: "993" }))).status).toBe(400);
    expect((await c.post("/v1/inbound-mailboxes", body({ purpose: "spam" }))).status).toBe(400);
    expect((await c.post("/v1/inbound-mailboxes", body({ extra: 1 }))).status).toBe(400);

    const first = await c.post("/v1/inbound-mailboxes", body({ name: "Bounces" }));
    expect(first.status).toBe(201);
    const dup = await c.post("/v1/inbound-mailboxes", body({ name: "Bounces" }));
    expect(dup.status).toBe(409);
    const patch = await c.patch(`/v1/inbound-mailboxes/${first.body.id}`, { after: "move" });
    expect(patch.status).toBe(400);
    expect((await c.patch(`/v1/inbound-mailboxes/${first.body.id}`, {})).status).toBe(400);
    expect((await c.get(`/v1/inbound-mailboxes/${first.body.id}`)).body.after).toBe("flag");
  });

  it("records a changed password as changed, without the value", async () => {
    const c = api(env.app, env.ws.admin);
    const m = await c.post("/v1/inbound-mailboxes", body());
    const r = await c.patch(`/v1/inbound-mailboxes/${m.body.id}`, {
      password: "neu-geheim",
      after: "move",
      move_to: "Erledigt",
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ password: "********", after: "move", move_to: "Erledigt" });
    const act = await env.rt.db
      .selectFrom("activities")
      .select(["summary", "data", "changes"])
      .where("record_id", "=", m.body.id)
      .where("action", "=", "updated")
      .executeTakeFirstOrThrow();
    expect(act.summary).toMatch(/new password/);
    expect(act.data).toEqual({ password_changed: true });
    expect(JSON.stringify(act)).not.toContain("neu-geheim");
    expect((await c.delete(`/v1/inbound-mailboxes/${m.body.id}`)).status).toBe(200);
    expect((await c.get(`/v1/inbound-mailboxes/${m.body.id}`)).status).toBe(404);
  });

  it("writes an unreachable server to the event log and to the mailbox's last_error", async () => {
    const c = api(env.app, env.ws.admin);
    // Port 9 on loopback: nothing listens there, the connection is refused at once.
    const m = await c.post("/v1/inbound-mailboxes", body({ host: "127.0.0.1", port: 9, tls: false }));
    const [r] = await pollDueMailboxes(env.rt, { only: [m.body.id] });
    expect(r.error).toBeTruthy();
    const after = await c.get(`/v1/inbound-mailboxes/${m.body.id}`);
    expect(after.body.last_error).toBe(r.error);
    expect(new Date(after.body.next_poll_at).getTime()).toBeGreaterThan(Date.now() + 30_000);
    const log = await c.get("/v1/event-log?limit=500");
    expect(log.body.items.filter((e: { record_id: string }) => e.record_id === m.body.id)).toHaveLength(1);
    // Not due again yet: a second round does not poll it.
    expect(await pollDueMailboxes(env.rt, { only: [m.body.id] })).toEqual([]);
  });
});
