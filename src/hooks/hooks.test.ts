import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { SendingWorker } from "../delivery/worker.js";
import { appendEvents } from "../events/service.js";
import { unsubscribeToken } from "../tracking/unsubscribe.js";
import { emitHookEvent } from "./emit.js";
import { MAX_ATTEMPTS } from "./events.js";
import { HookWorker } from "./worker.js";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A host application: answers with `status`, or never answers when `hang` is set. */
async function startReceiver() {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const state = { status: 200, hang: false };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      if (state.hang) hanging.push(res);
      else res.writeHead(state.status, { "content-type": "text/plain" }).end(`answer ${state.status}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    state,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on: connection refused. */
async function deadUrl() {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/gone`;
}

let env: TestEnv;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const admin = () => api(env.app, env.ws.admin);

beforeAll(async () => {
  env = await createTestEnv();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await env?.close();
});

async function endpoint(url: string, events: string[] = ["message.status_changed"]) {
  const r = await admin().post("/v1/webhook-endpoints", { url, events, description: "Praxissoftware" });
  expect(r.status, r.text).toBe(201);
  return r.body as { id: string; secret: string };
}

async function deliveries(endpointId: string) {
  const r = await admin().get(`/v1/webhook-endpoints/${endpointId}/deliveries`);
  expect(r.status, r.text).toBe(200);
  return r.body.items;
}

describe("/v1/webhook-endpoints", () => {
  it("shows the secret once, at creation, and never again", async () => {
    const e = await endpoint(receiver.url);
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    const one = await admin().get(`/v1/webhook-endpoints/${e.id}`);
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty("secret");
    expect(one.text).not.toContain(e.secret);
    const list = await admin().get("/v1/webhook-endpoints");
    expect(list.text).not.toContain(e.secret);
    const patched = await admin().patch(`/v1/webhook-endpoints/${e.id}`, { description: "CRM" });
    expect(patched.status).toBe(200);
    expect(patched.text).not.toContain(e.secret);
    const audit = await admin().get("/v1/activities?kind=webhook_endpoint");
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.text).not.toContain(e.secret);
    expect((await admin().delete(`/v1/webhook-endpoints/${e.id}`)).status).toBe(204);
  });

  it("refuses non-http schemes, unknown events and fields, non-admins and foreign ids", async () => {
    const bad = [
      { url: "ftp://host/x", events: ["message.bounced"] },
      { url: "javascript:alert(1)", events: ["message.bounced"] },
      { url: "not a url", events: ["message.bounced"] },
      { url: receiver.url, events: ["message.exploded"] },
      { url: receiver.url, events: [] },
      { url: receiver.url, events: ["message.bounced"], secret: "mine" },
    ];
    for (const b of bad)
      expect((await admin().post("/v1/webhook-endpoints", b)).status, JSON.stringify(b)).toBe(400);
    // Internal hosts are allowed: self-hosted host applications live there.
    const internal = await admin().post("/v1/webhook-endpoints", {
      url: "http://crm.intern:8080/x",
      events: ["consent.changed"],
    });
    expect(internal.status).toBe(201);
    await admin().delete(`/v1/webhook-endpoints/${internal.body.id}`);
    const editor = api(env.app, env.ws.editor);
    expect(
      (await editor.post("/v1/webhook-endpoints", { url: receiver.url, events: ["message.bounced"] })).status,
    ).toBe(403);
    expect((await editor.get("/v1/webhook-endpoints")).status).toBe(403);
    const e = await endpoint(receiver.url);
    await emitHookEvent(env.rt.db, env.ws.id, "message.status_changed", { x: 1 });
    const d = (await deliveries(e.id))[0];
    const foreign = api(env.app, env.other.admin);
    expect((await foreign.get(`/v1/webhook-endpoints/${e.id}`)).status).toBe(404);
    expect((await foreign.patch(`/v1/webhook-endpoints/${e.id}`, { enabled: false })).status).toBe(404);
    expect((await foreign.delete(`/v1/webhook-endpoints/${e.id}`)).status).toBe(404);
    expect((await foreign.get(`/v1/webhook-endpoints/${e.id}/deliveries`)).status).toBe(404);
    expect((await foreign.post(`/v1/webhook-deliveries/${d.id}/replay`)).status).toBe(404);
    expect((await admin().post("/v1/webhook-deliveries/whd_nope/replay")).status).toBe(404);
    await admin().delete(`/v1/webhook-endpoints/${e.id}`);
  });
});

describe("deliveries", () => {
  it("are signed: HMAC-SHA256 over '<t>.<body>' with the secret, plus event and delivery headers", async () => {
    const e = await endpoint(receiver.url, ["contact.unsubscribed"]);
    const queued = await emitHookEvent(env.rt.db, env.ws.id, "contact.unsubscribed", { contact_id: "con_1" });
    expect(queued).toBe(1);
    // Other workspaces' endpoints and unsubscribed event types get nothing.
    expect(await emitHookEvent(env.rt.db, env.other.id, "contact.unsubscribed", {})).toBe(0);
    expect(await emitHookEvent(env.rt.db, env.ws.id, "campaign.state_changed", {})).toBe(0);
    const before = receiver.received.length;
    const worker = new HookWorker(env.rt);
    await worker.drain();
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    const { headers, body } = got[0];
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers["poststelle-signature"]));
    expect(m).not.toBeNull();
    const expected = createHmac("sha256", e.secret).update(`${m![1]}.${body}`).digest("hex");
    expect(m![2]).toBe(expected);
    expect(Math.abs(Number(m![1]) - Date.now() / 1000)).toBeLessThan(300);
    expect(headers["poststelle-event"]).toBe("contact.unsubscribed");
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({
      type: "contact.unsubscribed",
      workspace_id: env.ws.id,
      data: { contact_id: "con_1" },
    });
    expect(headers["poststelle-delivery"]).toBe(parsed.id);
    const [d] = await deliveries(e.id);
    expect(d).toMatchObject({ id: parsed.id, status: "succeeded", attempts: 1 });
    expect(d.last_response).toMatchObject({ status: 200, body: "answer 200", error: null });
    await admin().delete(`/v1/webhook-endpoints/${e.id}`);
  });

  it("retry with backoff for more than 24 hours before giving up, and a replay sends once more", async () => {
    const e = await endpoint(receiver.url, ["consent.changed"]);
    receiver.state.status = 503;
    const start = new Date("2026-11-23T10:00:00Z");
    env.setNow(start);
    try {
      await emitHookEvent(env.rt.db, env.ws.id, "consent.changed", { contact_id: "con_2" }, start);
      const worker = new HookWorker(env.rt);
      const times: number[] = [];
      let now = start;
      for (let i = 0; i < 20; i++) {
        const sent = await worker.drain();
        if (sent > 0) times.push(now.getTime());
        const [d] = await deliveries(e.id);
        if (d.status !== "pending") break;
        // Nothing is due before next_attempt_at…
        now = new Date(new Date(d.next_attempt_at).getTime() - 1000);
        env.setNow(now);
        expect(await worker.drain()).toBe(0);
        now = new Date(d.next_attempt_at);
        env.setNow(now);
      }
      const [d] = await deliveries(e.id);
      expect(d.status).toBe("failed");
      expect(d.attempts).toBe(MAX_ATTEMPTS);
      expect(d.last_response).toMatchObject({ status: 503, body: "answer 503" });
      expect(times).toHaveLength(MAX_ATTEMPTS);
      const gaps = times.slice(1).map((t, i) => (t - times[i]) / 1000);
      expect(gaps).toEqual([...gaps].sort((a, b) => a - b)); // backoff grows
      expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(24 * 3600 * 1000);

      receiver.state.status = 204;
      const replay = await admin().post(`/v1/webhook-deliveries/${d.id}/replay`);
      expect(replay.status, replay.text).toBe(200);
      expect(replay.body.status).toBe("pending");
      expect(await worker.drain()).toBe(1);
      const [after] = await deliveries(e.id);
      expect(after).toMatchObject({ status: "succeeded", attempts: MAX_ATTEMPTS + 1 });
      expect(after.last_response.status).toBe(204);
    } finally {
      receiver.state.status = 200;
      env.setNow(null);
      await admin().delete(`/v1/webhook-endpoints/${e.id}`);
    }
  });

  it("are queued when a message's status changes (status_changed, bounced), in one batch", async () => {
    const e = await endpoint(receiver.url, [
      "message.status_changed",
      "message.bounced",
      "message.complained",
    ]);
    const c = api(env.app, env.ws.editor);
    const ids: string[] = [];
    for (const to of ["a@example.org", "b@example.org"]) {
      const r = await c.post("/v1/messages", {
        to,
        from: "praxis@scholz.example",
        subject: "Termin",
        text: "Hallo",
      });
      ids.push(r.body.id);
    }
    await appendEvents(
      env.rt.db,
      [
        {
          message_id: ids[0],
          workspace_id: env.ws.id,
          type: "hard_bounced",
          source: "manual",
          detail: "550 5.1.1",
        },
        { message_id: ids[1], workspace_id: env.ws.id, type: "complained", source: "arf" },
      ],
      new Date(),
    );
    // A repeated observation that changes nothing queues nothing.
    await appendEvents(env.rt.db, [
      { message_id: ids[0], workspace_id: env.ws.id, type: "delivered", source: "manual" },
    ]);
    const items = await deliveries(e.id);
    const byType = items.map(
      (d: { event_type: string; payload: { message_id: string } }) =>
        `${d.event_type} ${d.payload.message_id}`,
    );
    expect(byType.sort()).toEqual(
      [
        `message.bounced ${ids[0]}`,
        `message.complained ${ids[1]}`,
        `message.status_changed ${ids[0]}`,
        `message.status_changed ${ids[1]}`,
      ].sort(),
    );
    const bounced = items.find((d: { event_type: string }) => d.event_type === "message.bounced");
    expect(bounced.payload).toMatchObject({
      previous_status: "queued",
      status: "hard_bounced",
      to: "a@example.org",
    });
    await admin().delete(`/v1/webhook-endpoints/${e.id}`);
  });
});

describe("contact emitters", () => {
  it("queue consent.changed when consent is recorded and contact.unsubscribed when the link is used", async () => {
    const e = await endpoint(receiver.url, ["consent.changed", "contact.unsubscribed"]);
    const c = api(env.app, env.ws.editor);
    const contact = await c.post("/v1/contacts", {
      first_name: "Erika",
      last_name: "Muster",
      emails: ["erika@example.org"],
    });
    expect(contact.status, contact.text).toBe(201);
    const cid = contact.body.id;
    const granted = await c.post(`/v1/contacts/${cid}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "web form",
    });
    expect(granted.status, granted.text).toBe(201);
    let items = await deliveries(e.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      event_type: "consent.changed",
      payload: { contact_id: cid, status: "granted" },
    });

    const token = unsubscribeToken(env.rt.secret, { contactId: cid, withdrawConsent: true });
    const r = await api(env.app).post(`/u/${token}`);
    expect(r.status, r.text).toBe(200);
    items = await deliveries(e.id);
    const types = items.map((d: { event_type: string }) => d.event_type).sort();
    expect(types).toEqual(["consent.changed", "consent.changed", "contact.unsubscribed"]);
    expect(
      items.find((d: { event_type: string }) => d.event_type === "contact.unsubscribed").payload,
    ).toMatchObject({
      contact_id: cid,
    });
    await admin().delete(`/v1/webhook-endpoints/${e.id}`);
  });
});

describe("campaign emitter", () => {
  it("queues campaign.state_changed for every state change, whichever writer makes it", async () => {
    const e = await endpoint(receiver.url, ["campaign.state_changed"]);
    const list = await api(env.app, env.ws.editor).post("/v1/lists", { name: `Kunden ${Date.now()}` });
    expect(list.status, list.text).toBe(201);
    const camp = await api(env.app, env.ws.editor).post("/v1/campaigns", {
      name: "Herbstbrief",
      kind: "email",
      list_ids: [list.body.id],
    });
    expect(camp.status, camp.text).toBe(202);
    const before = (
      await sql<{ state: string }>`select state from campaigns where id = ${camp.body.id}`.execute(env.rt.db)
    ).rows[0].state;
    await sql`update campaigns set state = 'cancelled' where id = ${camp.body.id}`.execute(env.rt.db);
    // Writing the same state again is no change.
    await sql`update campaigns set state = 'cancelled' where id = ${camp.body.id}`.execute(env.rt.db);
    const items = await deliveries(e.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      event_type: "campaign.state_changed",
      status: "pending",
      payload: { campaign_id: camp.body.id, name: "Herbstbrief", previous_state: before, state: "cancelled" },
    });
    expect(items[0].id).toMatch(/^whd_[0-9a-z]{24}$/);
    await admin().delete(`/v1/webhook-endpoints/${e.id}`);
  });
});

describe("housekeeping", () => {
  it("deletes finished deliveries after 30 days and keeps pending ones", async () => {
    const e = await endpoint(receiver.url, ["consent.changed"]);
    const old = new Date("2026-01-01T00:00:00Z");
    await emitHookEvent(env.rt.db, env.ws.id, "consent.changed", { n: 1 }, old);
    const worker = new HookWorker(env.rt);
    env.setNow(old);
    try {
      await worker.drain();
      await emitHookEvent(env.rt.db, env.ws.id, "consent.changed", { n: 2 }, old);
      await sql`update webhook_deliveries set next_attempt_at = ${new Date("2027-01-01T00:00:00Z")}
                 where endpoint_id = ${e.id} and status = 'pending'`.execute(env.rt.db);
      env.setNow(new Date(old.getTime() + 29 * 86400_000));
      expect(await worker.purge()).toBe(0);
      env.setNow(new Date(old.getTime() + 31 * 86400_000));
      expect(await worker.purge()).toBe(1);
      const left = await deliveries(e.id);
      expect(left.map((d: { status: string; payload: { n: number } }) => [d.status, d.payload.n])).toEqual([
        ["pending", 2],
      ]);
    } finally {
      env.setNow(null);
      await admin().delete(`/v1/webhook-endpoints/${e.id}`);
    }
  });
});

describe("a dead or hanging endpoint", () => {
  it("never delays sending: messages go out while every hook slot hangs or is refused", async () => {
    const hang = await startReceiver();
    hang.state.hang = true;
    const dead = await endpoint(await deadUrl(), ["message.status_changed"]);
    const slow = await endpoint(hang.url, ["message.status_changed"]);
    for (let i = 0; i < 6; i++) await emitHookEvent(env.rt.db, env.ws.id, "message.status_changed", { n: i });
    const hooks = new HookWorker(env.rt, { concurrency: 2, pollMs: 20 }).start();
    const sending = new SendingWorker(env.rt, { batchSize: 20 });
    try {
      // Wait until the hanging endpoint holds a slot.
      for (let i = 0; i < 200 && hang.received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(hang.received.length).toBeGreaterThan(0);
      const c = api(env.app, env.ws.editor);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await c.post("/v1/messages", {
          to: `k${i}@example.org`,
          from: "praxis@scholz.example",
          subject: "Termin",
          text: "Hallo",
        });
        ids.push(r.body.id);
      }
      await sending.drain();
      const rows = await sql<{
        status: string;
      }>`select status from messages where id = any(${ids}::text[])`.execute(env.rt.db);
      expect(rows.rows.map((r) => r.status)).toEqual(["sent", "sent", "sent", "sent", "sent"]);
      // The hanging request is still open: the sending worker did not wait for it.
      const pending = await sql<{
        n: number;
      }>`select count(*)::int as n from webhook_deliveries where endpoint_id = ${slow.id} and status = 'pending' and last_attempt_at is null and lease_until is not null`.execute(
        env.rt.db,
      );
      expect(pending.rows[0].n).toBeGreaterThan(0);
    } finally {
      await hooks.stop();
      await sending.stop();
      await hang.close();
    }
    const refused = await deliveries(dead.id);
    const tried = refused.filter((d: { attempts: number }) => d.attempts > 0);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried[0].last_response.error).toMatch(/ECONNREFUSED/);
    expect(tried[0].status).toBe("pending");
    // Stopping aborts the hanging attempt; it is recorded and retried later, not lost.
    const aborted = await deliveries(slow.id);
    expect(
      aborted.some((d: { last_response: { error: string | null } }) =>
        /aborted/.test(d.last_response.error ?? ""),
      ),
    ).toBe(true);
  });
});
