import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { purgeExpiredBodies } from "./retention.js";
import { SendingWorker } from "./worker.js";

let env: TestEnv;
let worker: SendingWorker;
beforeAll(async () => {
  env = await createTestEnv();
  worker = new SendingWorker(env.rt);
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const DAY = 86_400_000;

describe("retention (DSGVO)", () => {
  it("purges the bodies of messages older than the retention period and keeps their timelines", async () => {
    const c = api(env.app, env.ws.editor);
    await api(env.app, env.ws.admin).patch("/v1/workspace", { settings: { retention_days: 30 } });
    const t0 = new Date("2025-03-01T08:00:00Z");
    env.setNow(t0);
    const body = {
      to: "patient@example.org",
      from: "praxis@example.org",
      subject: "Befund",
      text: "Ihr Befund ist da.",
      html: "<p>Ihr Befund ist da.</p>",
      data: { befund: "vertraulich" },
      attachments: [{ filename: "befund.pdf", content_base64: Buffer.from("PDF").toString("base64") }],
    };
    const old = (await c.post("/v1/messages", body)).body.id;
    await worker.drain();
    // still queued (say its relay is down): a message waiting to be sent is never purged
    const waiting = (await c.post("/v1/messages", body)).body.id;
    env.setNow(new Date(t0.getTime() + 10 * DAY));
    const recent = (await c.post("/v1/messages", body)).body.id;
    await env.rt.db.updateTable("messages").set({ send_state: "done" }).where("id", "=", recent).execute();
    // another workspace without a retention period keeps everything
    const otherId = (await api(env.app, env.other.admin).post("/v1/messages", body)).body.id;
    await env.rt.db.updateTable("messages").set({ send_state: "done" }).where("id", "=", otherId).execute();

    env.setNow(new Date(t0.getTime() + 31 * DAY));
    const reports = await purgeExpiredBodies(env.rt);
    expect(reports).toEqual([{ workspaceId: env.ws.id, retentionDays: 30, purged: 1 }]);

    const m = (await c.get(`/v1/messages/${old}`)).body;
    expect(m.text).toBeNull();
    expect(m.html).toBeNull();
    expect(m.data).toBeNull();
    expect(m.attachments).toEqual([]);
    expect(m.body_purged_at).toBe(new Date(t0.getTime() + 31 * DAY).toISOString());
    expect(m.subject).toBe("Befund");
    expect(m.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "sent"]);
    const raw = await c.get(`/v1/messages/${old}/raw`);
    expect(raw.status).toBe(404);
    expect(raw.body.error.message).toMatch(/purged .* retention period/);
    expect((await c.post(`/v1/messages/${old}/resend`, {})).status).toBe(409);

    for (const keep of [waiting, recent])
      expect((await c.get(`/v1/messages/${keep}`)).body.text).toBe(body.text);
    expect((await api(env.app, env.other.admin).get(`/v1/messages/${otherId}`)).body.text).toBe(body.text);

    const log = await c.get("/v1/event-log?process=retention");
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0].detail).toMatch(/Purged the content of 1 message/);
    expect(await purgeExpiredBodies(env.rt)).toEqual([]);
    expect((await c.get("/v1/event-log?process=retention")).body.items).toHaveLength(1);
    env.setNow(null);
  });
});
