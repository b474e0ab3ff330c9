// Scheduled sending (issue 4 item 2, "Sending may be scheduled for a later time"). The rule: a campaign is
// sent only when someone asked it to (POST …/send); it then starts by itself at the later of its
// scheduled_at (given at create, by PATCH or with the send) and the moment its recipients are loaded. Until
// it starts it may be re-timed (PATCH scheduled_at) or called off (PATCH {"send_scheduled": false}). The
// clock is the harness's (setNow), so "by itself" means: the next worker round after that time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { seedAudience } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;
let templateId: string;

const c = () => api(env.app, env.ws.editor);

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 10 });
  const tpl = await c().post("/v1/templates", {
    name: "Termin",
    subject: "x",
    text: "Hallo {{ contact.first_name }}",
  });
  templateId = tpl.body.id;
});
afterAll(async () => {
  env?.setNow(null);
  await worker?.stop();
  await env?.close();
});

async function create(extra: Record<string, unknown> = {}, count = 3) {
  const a = await seedAudience(env.rt.db, env.ws.id, { count });
  const r = await c().post("/v1/campaigns", {
    name: `Geplant ${Date.now()}`,
    kind: "email",
    list_ids: [a.listId],
    subject: "Hallo",
    template_id: templateId,
    from: "info@example.org",
    ...extra,
  });
  expect(r.status, r.text).toBe(202);
  return r.body.id as string;
}

const show = async (id: string) => (await c().get(`/v1/campaigns/${id}`)).body;
const at = (iso: string) => env.setNow(new Date(iso));

describe("scheduled sending", () => {
  it("given at create, starts by itself at scheduled_at once asked to send, not a round earlier", async () => {
    at("2026-05-04T07:00:00Z");
    const id = await create({ scheduled_at: "2026-05-04T09:00:00Z" });
    await worker.drain();
    // Ready, but nobody asked to send: scheduled_at alone sends nothing, even when it has come.
    expect(await show(id)).toMatchObject({ state: "ready", send_scheduled: false });
    const s = await c().post(`/v1/campaigns/${id}/send`, {});
    expect(s.status, s.text).toBe(202);
    expect(s.body).toMatchObject({
      state: "ready",
      send_scheduled: true,
      scheduled_at: "2026-05-04T09:00:00.000Z",
    });
    at("2026-05-04T08:59:59Z");
    await worker.drain();
    expect((await show(id)).state).toBe("ready");
    at("2026-05-04T09:00:00Z");
    await worker.drain();
    expect(await show(id)).toMatchObject({ state: "completed_automatic", progress: { counts: { sent: 3 } } });
    const started = await env.rt.db
      .selectFrom("campaign_runs")
      .select("started_at")
      .where("campaign_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(started.started_at.toISOString()).toBe("2026-05-04T09:00:00.000Z");
    const acts = await env.rt.db
      .selectFrom("activities")
      .select("summary")
      .where("record_id", "=", id)
      .execute();
    expect(acts.map((a) => a.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/will be sent at 2026-05-04T09:00:00\.000Z/),
        expect.stringMatching(/scheduled sending started/),
      ]),
    );
  });

  it("asked while the recipients are loading, starts as soon as they are loaded", async () => {
    at("2026-05-05T07:00:00Z");
    const id = await create();
    const s = await c().post(`/v1/campaigns/${id}/send`, {});
    expect(s.status, s.text).toBe(202);
    expect(s.body).toMatchObject({ state: "loading_recipients", send_scheduled: true });
    await worker.drain();
    expect(await show(id)).toMatchObject({ state: "completed_automatic", progress: { counts: { sent: 3 } } });
  });

  it("starts at the later of scheduled_at and the end of loading", async () => {
    at("2026-05-06T07:00:00Z");
    // scheduled_at comes first: loading ends later, the send starts then.
    const early = await create({ scheduled_at: "2026-05-06T07:10:00Z" });
    expect((await c().post(`/v1/campaigns/${early}/send`, {})).body.state).toBe("loading_recipients");
    // loading ends first: the send waits for scheduled_at (given with the send).
    const late = await create();
    const s = await c().post(`/v1/campaigns/${late}/send`, { scheduled_at: "2026-05-06T08:00:00Z" });
    expect(s.body).toMatchObject({ state: "loading_recipients", send_scheduled: true });
    at("2026-05-06T07:20:00Z");
    await worker.drain();
    expect((await show(early)).state).toBe("completed_automatic");
    expect(await show(late)).toMatchObject({ state: "ready", send_scheduled: true });
    at("2026-05-06T08:00:01Z");
    await worker.drain();
    expect((await show(late)).state).toBe("completed_automatic");
  });

  it("can be re-timed with PATCH scheduled_at and called off with send_scheduled: false", async () => {
    at("2026-05-07T07:00:00Z");
    const moved = await create({ scheduled_at: "2026-05-07T09:00:00Z" });
    const off = await create({ scheduled_at: "2026-05-07T09:00:00Z" });
    await worker.drain();
    await c().post(`/v1/campaigns/${moved}/send`, {});
    await c().post(`/v1/campaigns/${off}/send`, {});
    const p = await c().patch(`/v1/campaigns/${moved}`, { scheduled_at: "2026-05-07T11:00:00Z" });
    expect(p.status, p.text).toBe(200);
    // The activity log keeps the old and the new time.
    const log = await c().get(`/v1/activities?kind=campaign&action=updated&record_id=${moved}`);
    expect(log.body.items[0].changes.scheduled_at).toEqual({
      before: "2026-05-07T09:00:00.000Z",
      after: "2026-05-07T11:00:00.000Z",
    });
    const cancel = await c().patch(`/v1/campaigns/${off}`, { send_scheduled: false });
    expect(cancel.status, cancel.text).toBe(200);
    expect(cancel.body).toMatchObject({ send_scheduled: false });
    expect((await c().patch(`/v1/campaigns/${off}`, { send_scheduled: true })).status).toBe(400);
    at("2026-05-07T10:00:00Z");
    await worker.drain();
    expect((await show(moved)).state).toBe("ready");
    expect((await show(off)).state).toBe("ready");
    at("2026-05-07T11:00:00Z");
    await worker.drain();
    expect((await show(moved)).state).toBe("completed_automatic");
    expect(await show(off)).toMatchObject({ state: "ready", send_scheduled: false });
  });

  it("refuses to schedule a campaign that is no longer ready (409), and sends one whose time has passed at once", async () => {
    at("2026-05-08T07:00:00Z");
    const id = await create({}, 2);
    await worker.drain();
    const past = await c().post(`/v1/campaigns/${id}/send`, { scheduled_at: "2026-05-08T06:00:00Z" });
    expect(past.body.state).toBe("in_progress");
    // Once sending started, its time can neither move nor be called off: 409 with the reason.
    for (const patch of [{ scheduled_at: "2026-05-09T06:00:00Z" }, { send_scheduled: false }]) {
      const late = await c().patch(`/v1/campaigns/${id}`, patch);
      expect(late.status, JSON.stringify(patch)).toBe(409);
      expect(late.body.error.message).toMatch(/in progress/);
    }
    await worker.drain();
    // Sent to all, it is completed_automatic and frozen: scheduling it again is a 409 with the reason.
    const again = await c().post(`/v1/campaigns/${id}/send`, { scheduled_at: "2026-05-09T06:00:00Z" });
    expect(again.status).toBe(409);
    expect((await show(id)).send_scheduled).toBe(false);
  });

  it("a scheduled send that can no longer start stays ready and says why in the event log", async () => {
    at("2026-05-10T07:00:00Z");
    const id = await create({ scheduled_at: "2026-05-10T08:00:00Z" });
    await worker.drain();
    await c().post(`/v1/campaigns/${id}/send`, {});
    // The template is deleted before the time comes.
    const tpl = await c().post("/v1/templates", { name: `Weg ${Date.now()}`, subject: "x", text: "y" });
    expect((await c().patch(`/v1/campaigns/${id}`, { template_id: tpl.body.id })).status).toBe(200);
    expect((await c().delete(`/v1/templates/${tpl.body.id}`)).status).toBeLessThan(300);
    at("2026-05-10T08:00:00Z");
    await worker.drain();
    expect(await show(id)).toMatchObject({ state: "ready", send_scheduled: false });
    const log = await env.rt.db
      .selectFrom("event_log")
      .select(["severity", "detail"])
      .where("record_id", "=", id)
      .execute();
    expect(log.find((l) => /Scheduled sending .* could not start/.test(l.detail ?? ""))).toMatchObject({
      severity: "error",
    });
  });
});
