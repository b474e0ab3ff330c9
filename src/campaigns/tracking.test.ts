// Open and click tracking of serial e-mails (issue 5 item 5): a campaign's messages carry the open pixel and
// click redirects when the workspace tracks and the campaign's own `tracking` flag (default true) does not
// say no. The links are stored with each message, so a click redirects and counts in the campaign's
// statistics; the MIME rendered again from the recipient row (raw view, the reaper) matches the digest
// taken when it left, and a recovered group stores its links once.
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { linksOfMessage } from "../tracking/engagement-store.js";
import { markSendingGroup, prepareBatch, recordOutcomes } from "./batch.js";
import { Housekeeping } from "./housekeeping.js";
import { claimForTest, planOfRun } from "./sending-run.testkit.js";
import { seedAudience } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;
let templateId: string;

const BROWSER =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 50 });
  const t = await c().post("/v1/templates", {
    name: "Kursprogramm",
    subject: "Vorlage",
    html: '<html><body><p>Hallo {{ contact.first_name }},</p><p><a href="https://hundeschule.example/kurse?a=1&amp;b=2">Kurse</a> und <a href="https://hundeschule.example/termine">Termine</a></p><p><a href="{{ unsubscribe_url }}">Abmelden</a></p></body></html>',
  });
  expect(t.status, t.text).toBe(201);
  templateId = t.body.id;
  await setWorkspaceTracking(true);
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const c = () => api(env.app, env.ws.editor);
const anonymous = () => api(env.app);

async function setWorkspaceTracking(on: boolean) {
  const r = await api(env.app, env.ws.admin).patch("/v1/workspace", { settings: { tracking: on } });
  expect(r.status, r.text).toBe(200);
}

/** A loaded campaign of `count` recipients, sent (in_progress); not yet worked. */
async function sentCampaign(count: number, extra: Record<string, unknown> = {}) {
  const a = await seedAudience(env.rt.db, env.ws.id, { count });
  const r = await c().post("/v1/campaigns", {
    name: `Kursprogramm ${Date.now()}`,
    kind: "email",
    list_ids: [a.listId],
    ...extra,
  });
  expect(r.status, r.text).toBe(202);
  await worker.housekeeping.round();
  const s = await c().post(`/v1/campaigns/${r.body.id}/send`, {
    subject: "Neue Kurse für {{ contact.first_name }}",
    template_id: templateId,
    from: "info@hundeschule.example",
  });
  expect(s.status, s.text).toBe(202);
  return { id: r.body.id as string, audience: a };
}

async function messagesOf(campaignId: string) {
  return env.rt.db
    .selectFrom("messages")
    .select(["id", "workspace_id", "sent_at", "status"])
    .where("campaign_id", "=", campaignId)
    .orderBy("id")
    .execute();
}

/** The HTML part of the message's MIME as the raw view shows it (rendered again, checked against its digest). */
async function htmlOf(messageId: string) {
  const raw = await c().get(`/v1/messages/${messageId}/raw`);
  expect(raw.status, raw.text).toBe(200);
  return String((await simpleParser(raw.text)).html);
}

function pathOf(url: string) {
  expect(url.startsWith(env.config.publicUrl)).toBe(true);
  return url.slice(env.config.publicUrl.length);
}

const clickPaths = (html: string) => [...html.matchAll(/href="([^"]*\/c\/[^"]*)"/g)].map((m) => pathOf(m[1]));
const pixelPaths = (html: string) =>
  [...html.matchAll(/<img src="([^"]*\/o\/[^"]*\.gif)"/g)].map((m) => pathOf(m[1]));

describe("a serial e-mail's tracking", () => {
  it("is on by default and follows the workspace: pixel and click redirects, links stored, clicks and opens counted", async () => {
    const { id } = await sentCampaign(2);
    expect((await c().get(`/v1/campaigns/${id}`)).body.tracking).toBe(true);
    await worker.drain();
    expect((await c().get(`/v1/campaigns/${id}`)).body.state).toBe("completed_automatic");
    const msgs = await messagesOf(id);
    expect(msgs).toHaveLength(2);
    const m = msgs[0];
    const html = await htmlOf(m.id);
    expect(pixelPaths(html)).toHaveLength(1);
    const clicks = clickPaths(html);
    expect(clicks).toHaveLength(2);
    expect(html).not.toContain("hundeschule.example/kurse");
    // The unsubscribe link stays as it is.
    expect(html).toMatch(new RegExp(`href="${env.config.publicUrl}/u/[^"]+">Abmelden`));
    expect(await linksOfMessage(env.rt.db, m.workspace_id, m.id)).toEqual([
      { idx: 0, url: "https://hundeschule.example/kurse?a=1&b=2" },
      { idx: 1, url: "https://hundeschule.example/termine" },
    ]);
    // Each message has its own tokens.
    const other = await htmlOf(msgs[1].id);
    expect(clickPaths(other)[0]).not.toBe(clicks[0]);

    // A person clicks and opens some minutes later (a click within seconds of sending is a scanner's).
    env.setNow(new Date(m.sent_at!.getTime() + 5 * 60_000));
    try {
      const click = await anonymous().get(clicks[1], { "user-agent": BROWSER });
      expect(click.status).toBe(302);
      expect(click.headers.location).toBe("https://hundeschule.example/termine");
      const open = await anonymous().get(pixelPaths(html)[0], { "user-agent": BROWSER });
      expect(open.status).toBe(200);
    } finally {
      env.setNow(null);
    }
    const detail = await c().get(`/v1/messages/${m.id}`);
    expect(detail.body.status).toBe("clicked");
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual([
      "queued",
      "sent",
      "clicked",
      "opened",
    ]);
    const stats = await c().get(`/v1/stats?campaign_id=${id}`);
    expect(stats.status, stats.text).toBe(200);
    expect(stats.body).toMatchObject({
      messages: 2,
      sent: 2,
      opened_unique: 1,
      opened_human: 1,
      clicked_unique: 1,
      clicked_human: 1,
    });
  });

  it("is left out for a campaign with tracking: false, though the workspace tracks", async () => {
    const { id } = await sentCampaign(2, { tracking: false });
    expect((await c().get(`/v1/campaigns/${id}`)).body.tracking).toBe(false);
    await worker.drain();
    const msgs = await messagesOf(id);
    expect(msgs).toHaveLength(2);
    for (const m of msgs) {
      const html = await htmlOf(m.id);
      expect(html).toContain('href="https://hundeschule.example/kurse?a=1&amp;b=2"');
      expect(clickPaths(html)).toEqual([]);
      expect(pixelPaths(html)).toEqual([]);
      expect(await linksOfMessage(env.rt.db, m.workspace_id, m.id)).toEqual([]);
    }
  });

  it("is left out when the workspace does not track, whatever the campaign says", async () => {
    await setWorkspaceTracking(false);
    try {
      const { id } = await sentCampaign(1);
      await worker.drain();
      const [m] = await messagesOf(id);
      const html = await htmlOf(m.id);
      expect(html).toContain('href="https://hundeschule.example/termine"');
      expect(clickPaths(html)).toEqual([]);
      expect(pixelPaths(html)).toEqual([]);
      expect(await linksOfMessage(env.rt.db, m.workspace_id, m.id)).toEqual([]);
    } finally {
      await setWorkspaceTracking(true);
    }
  });

  it("is decided when a run starts: switching the workspace off afterwards changes nothing about the run", async () => {
    const { id } = await sentCampaign(1);
    await setWorkspaceTracking(false);
    try {
      await worker.drain();
      const [m] = await messagesOf(id);
      expect(clickPaths(await htmlOf(m.id))).toHaveLength(2);
      expect(await linksOfMessage(env.rt.db, m.workspace_id, m.id)).toHaveLength(2);
    } finally {
      await setWorkspaceTracking(true);
    }
  });

  it("can be switched per campaign before sending (PATCH) and not while a run is in progress (409)", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 1 });
    const r = await c().post("/v1/campaigns", {
      name: `Schalter ${Date.now()}`,
      kind: "email",
      list_ids: [a.listId],
    });
    expect(r.body.tracking).toBe(true);
    await worker.housekeeping.round();
    const off = await c().patch(`/v1/campaigns/${r.body.id}`, { tracking: false });
    expect(off.status, off.text).toBe(200);
    expect(off.body.tracking).toBe(false);
    const bad = await c().patch(`/v1/campaigns/${r.body.id}`, { tracking: "ja" });
    expect(bad.status).toBe(400);
    const s = await c().post(`/v1/campaigns/${r.body.id}/send`, {
      subject: "Hallo",
      template_id: templateId,
      from: "info@hundeschule.example",
    });
    expect(s.status, s.text).toBe(202);
    const during = await c().patch(`/v1/campaigns/${r.body.id}`, { tracking: true });
    expect(during.status).toBe(409);
    await worker.drain();
    // The API description names the flag for create and change.
    const spec = (await anonymous().get("/openapi.json")).body;
    for (const op of [spec.paths["/v1/campaigns"].post, spec.paths["/v1/campaigns/{id}"].patch]) {
      const body = op.requestBody.content["application/json"].schema;
      expect(body.properties.tracking).toMatchObject({ type: "boolean" });
      expect(body.properties.tracking.description).toMatch(/workspace setting/);
    }
  });
});

describe("a worker that dies during a tracked group's SMTP transactions", () => {
  it("leaves messages the reaper writes with their links; the raw MIME matches its digest; a late reply stores nothing twice", async () => {
    const { id } = await sentCampaign(3);
    const { plan, snapshot } = await planOfRun(env, id);
    expect(snapshot.tracking).toBe(true);
    const dead = { rt: env.rt, owner: "dead-worker" };
    const now = env.rt.now();
    const claimed = await claimForTest(env, plan, dead.owner);
    expect(claimed).toHaveLength(3);
    const prepared = await prepareBatch(dead, plan, claimed);
    expect(prepared.every((p) => p.links?.length === 2)).toBe(true);
    expect((await markSendingGroup(dead, plan, prepared)).size).toBe(3);

    env.setNow(new Date(now.getTime() + 10 * 60_000));
    try {
      await new Housekeeping(env.rt, "reaper").reap();
    } finally {
      env.setNow(null);
    }
    const msgs = await messagesOf(id);
    expect(msgs.map((m) => m.status)).toEqual(["unknown", "unknown", "unknown"]);
    for (const m of msgs) {
      expect((await linksOfMessage(env.rt.db, m.workspace_id, m.id)).map((l) => l.url)).toEqual([
        "https://hundeschule.example/kurse?a=1&b=2",
        "https://hundeschule.example/termine",
      ]);
    }
    // The MIME rendered again from the recipient row is the tracked one that was about to leave.
    const first = prepared[0].send!;
    const raw = await c().get(`/v1/messages/${first.messageId}/raw`);
    expect(raw.status, raw.text).toBe(200);
    expect(Buffer.from(raw.text)).toEqual(first.raw);
    const click = await anonymous().get(clickPaths(String((await simpleParser(raw.text)).html))[0], {
      "user-agent": BROWSER,
    });
    expect(click.status).toBe(302);
    expect(click.headers.location).toBe("https://hundeschule.example/kurse?a=1&b=2");

    // The relay's reply arrives after all: recorded tolerantly, the links are not stored twice.
    env.setNow(new Date(now.getTime() + 11 * 60_000));
    try {
      await recordOutcomes(
        dead,
        plan,
        prepared.map((p) => ({
          prepared: p as Parameters<typeof recordOutcomes>[2][number]["prepared"],
          result: { outcome: "sent" as const, response: "250 ok", queueId: "Q", evidence: {} },
        })),
        "smtp",
      );
    } finally {
      env.setNow(null);
    }
    const after = await messagesOf(id);
    // The click outranks the late `sent`; the other two are sent.
    expect(after.map((m) => [m.id === first.messageId, m.status]).sort()).toEqual([
      [false, "sent"],
      [false, "sent"],
      [true, "clicked"],
    ]);
    const count = await env.rt.db
      .selectFrom("message_links")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(
        "message_id",
        "in",
        msgs.map((m) => m.id),
      )
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(6);
  });

  it("a group recorded by a live worker stores its links with its messages, once", async () => {
    const { id } = await sentCampaign(2);
    const { plan } = await planOfRun(env, id);
    const w = { rt: env.rt, owner: "live-worker" };
    const claimed = await claimForTest(env, plan, w.owner);
    const prepared = await prepareBatch(w, plan, claimed);
    await markSendingGroup(w, plan, prepared);
    const results = prepared.map((p) => ({
      prepared: p as Parameters<typeof recordOutcomes>[2][number]["prepared"],
      result: { outcome: "sent" as const, response: "250 ok", queueId: "Q", evidence: {} },
    }));
    await recordOutcomes(w, plan, results, "smtp");
    const msgs = await messagesOf(id);
    expect(msgs).toHaveLength(2);
    for (const m of msgs) expect(await linksOfMessage(env.rt.db, m.workspace_id, m.id)).toHaveLength(2);
  });
});
