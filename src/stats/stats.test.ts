import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { appendEvents, type NewMessageEvent } from "../events/service.js";
import { newId } from "../util/ids.js";

let env: TestEnv;
let viewer: ReturnType<typeof api>;
let campaignA: string;
let campaignB: string;
const ids: Record<string, string> = {};

const T0 = new Date("2026-03-02T08:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const HUMAN = {
  user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
  machine: false,
  machine_reason: null,
};
const APPLE = { user_agent: "Mozilla/5.0", machine: true, machine_reason: "apple_mail_privacy_protection" };
const SCANNER = { user_agent: "Proofpoint", machine: true, machine_reason: "link_scanner" };

async function campaign(workspaceId: string, name: string) {
  const id = newId("cmp");
  await env.rt.db
    .insertInto("campaigns")
    .values({
      id,
      workspace_id: workspaceId,
      name,
      kind: "email",
      state: "completed_automatic",
      purpose: "marketing",
    })
    .execute();
  return id;
}

async function message(workspaceId: string, campaignId: string | null, createdAt: Date, to: string) {
  const id = newId("msg", createdAt.getTime());
  await env.rt.db
    .insertInto("messages")
    .values({
      id,
      workspace_id: workspaceId,
      to_address: to,
      from_address: "news@hundeschule.example",
      subject: "Welpenkurs",
      attachments: "[]",
      campaign_id: campaignId,
      message_id_header: `<${id}@hundeschule.example>`,
      return_path: `bounce+${id}@bounces.example`,
      created_at: createdAt,
    })
    .execute();
  return id;
}

type Seed = Array<[type: NewMessageEvent["type"], minute: number, extra?: Partial<NewMessageEvent>]>;

let seeded = 0;
async function seed(
  name: string,
  workspaceId: string,
  campaignId: string | null,
  events: Seed,
  created?: Date,
) {
  // One second apart: ids are time-ordered, so the recipients list comes back in seeding order.
  const createdAt = created ?? new Date(T0.getTime() + seeded++ * 1000);
  const id = await message(workspaceId, campaignId, createdAt, `${name}@example.org`);
  ids[name] = id;
  await appendEvents(
    env.rt.db,
    events.map(([type, minute, extra]) => ({
      message_id: id,
      workspace_id: workspaceId,
      type,
      source: "test",
      at: at(minute),
      ...extra,
    })),
  );
}

beforeAll(async () => {
  env = await createTestEnv();
  viewer = api(env.app, env.ws.viewer);
  campaignA = await campaign(env.ws.id, "Frühjahrskurse");
  campaignB = await campaign(env.other.id, "Praxis-News");
  const ws = env.ws.id;
  await seed("m1", ws, campaignA, [
    ["sent", 0],
    ["delivered", 1],
    ["opened", 60, { evidence: HUMAN }],
    ["clicked", 61, { evidence: { ...HUMAN, url: "https://a.example/" } }],
  ]);
  await seed("m2", ws, campaignA, [
    ["sent", 0],
    ["delivered", 1],
    ["opened", 2, { evidence: APPLE }],
  ]);
  await seed("m3", ws, campaignA, [
    ["sent", 0],
    ["hard_bounced", 3, { error_code: "userunknown" }],
  ]);
  await seed("m4", ws, campaignA, [
    ["sent", 0],
    ["soft_bounced", 5, { error_code: "mailboxfull" }],
    ["delivered", 90],
  ]);
  await seed("m5", ws, campaignA, [
    ["sent", 0],
    ["blocked", 1, { error_code: "spamdetected" }],
  ]);
  await seed("m6", ws, campaignA, [
    ["sent", 0],
    ["delivered", 1],
    ["opened", 65, { evidence: HUMAN }],
    ["complained", 70, { error_code: "feedback" }],
  ]);
  await seed("m7", ws, campaignA, [
    ["sent", 0],
    ["clicked", 0, { evidence: { ...SCANNER, url: "https://a.example/" } }],
    ["opened", 24 * 60 + 5, { evidence: HUMAN }],
    ["unsubscribed", 24 * 60 + 6],
  ]);
  await seed("m8", ws, campaignA, [["dropped", 0, { error_code: "blocklisted" }]]);
  await seed("m9", ws, campaignA, [
    ["sent", 0],
    ["clicked", 24 * 60 + 30, { evidence: { ...HUMAN, url: "https://a.example/" } }],
  ]);
  // Outside the campaign, and in the other workspace: must not be counted in it.
  await seed(
    "solo",
    ws,
    null,
    [
      ["sent", 0],
      ["opened", 10, { evidence: HUMAN }],
    ],
    at(60 * 24 * 10),
  );
  await seed("foreign", env.other.id, campaignB, [
    ["sent", 0],
    ["opened", 10, { evidence: HUMAN }],
    ["clicked", 11, { evidence: HUMAN }],
    ["hard_bounced", 12, { error_code: "userunknown" }],
  ]);
});
afterAll(() => env?.close());

describe("GET /v1/stats", () => {
  it("counts a campaign's messages exactly, human and machine apart", async () => {
    const r = await viewer.get(`/v1/stats?campaign_id=${campaignA}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      campaign_id: campaignA,
      since: null,
      until: null,
      messages: 9,
      sent: 8,
      delivered: 6,
      hard_bounced: 1,
      soft_bounced: 1,
      blocked: 1,
      opened_unique: 5,
      opened_human: 4,
      opened_machine: 1,
      clicked_unique: 3,
      clicked_human: 2,
      unsubscribed: 1,
      complaints: 1,
      no_reaction: 2,
      click_to_open_rate: 0.5,
      bounce_reasons: { mailboxfull: 1, userunknown: 1 },
    });
  });

  it("covers the whole workspace without a campaign, and narrows to messages created in [since, until)", async () => {
    const all = await viewer.get("/v1/stats");
    expect(all.body.messages).toBe(10);
    expect(all.body.opened_human).toBe(5);
    const later = await viewer.get(`/v1/stats?since=${at(60).toISOString()}`);
    expect(later.body).toMatchObject({ messages: 1, sent: 1, opened_human: 1, no_reaction: 0 });
    const earlier = await viewer.get(`/v1/stats?until=${at(60).toISOString()}`);
    expect(earlier.body.messages).toBe(9);
  });

  it("answers 404 for another workspace's campaign and never counts its messages", async () => {
    const r = await viewer.get(`/v1/stats?campaign_id=${campaignB}`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
    const own = await api(env.app, env.other.admin).get(`/v1/stats?campaign_id=${campaignB}`);
    expect(own.body).toMatchObject({
      messages: 1,
      hard_bounced: 1,
      clicked_human: 1,
      bounce_reasons: { userunknown: 1 },
    });
  });

  it("rejects unknown parameters and an empty range", async () => {
    expect((await viewer.get("/v1/stats?campain_id=x")).status).toBe(400);
    expect((await viewer.get("/v1/stats?since=yesterday")).status).toBe(400);
    const r = await viewer.get(`/v1/stats?since=${at(5).toISOString()}&until=${at(1).toISOString()}`);
    expect(r.status).toBe(400);
  });
});

describe("GET /v1/stats/recipients", () => {
  const names = (items: Array<{ message_id: string }>) =>
    items.map((i) => Object.keys(ids).find((k) => ids[k] === i.message_id));

  it("lists each recipient's reaction, filtered", async () => {
    const base = `/v1/stats/recipients?campaign_id=${campaignA}`;
    const clicked = await viewer.get(`${base}&reaction=clicked`);
    expect(clicked.status).toBe(200);
    expect(names(clicked.body.items)).toEqual(["m1", "m9"]);
    expect(names((await viewer.get(`${base}&reaction=opened`)).body.items)).toEqual(["m1", "m6", "m7", "m9"]);
    const notOpened = (await viewer.get(`${base}&reaction=not_opened`)).body.items;
    expect(names(notOpened)).toEqual(["m2", "m3", "m4", "m5", "m8"]);
    const m2 = notOpened[0];
    expect(m2).toMatchObject({
      reaction: "not_opened",
      machine_opens: 1,
      to: "m2@example.org",
      status: "delivered",
    });
    const m7 = (await viewer.get(`${base}&reaction=opened`)).body.items[2];
    expect(m7).toMatchObject({ reaction: "opened", machine_clicks: 1, first_clicked_at: null });
  });

  it("pages with a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const r = await viewer.get(`/v1/stats/recipients?campaign_id=${campaignA}&limit=4${q}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(4);
      seen.push(...r.body.items.map((i: { message_id: string }) => i.message_id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"].map((n) => ids[n]));
  });

  it("shows nothing of another workspace", async () => {
    expect((await viewer.get(`/v1/stats/recipients?campaign_id=${campaignB}`)).status).toBe(404);
    const all = await viewer.get("/v1/stats/recipients?limit=500");
    expect(all.body.items.map((i: { message_id: string }) => i.message_id)).not.toContain(ids.foreign);
    expect(all.body.items).toHaveLength(10);
    expect((await viewer.get("/v1/stats/recipients?reaction=maybe")).status).toBe(400);
  });
});

describe("GET /v1/stats/timeseries", () => {
  it("buckets opens and clicks per day and hour, human and machine apart", async () => {
    const day = await viewer.get(`/v1/stats/timeseries?campaign_id=${campaignA}&bucket=day`);
    expect(day.status).toBe(200);
    expect(day.body.items).toEqual([
      {
        at: "2026-03-02T00:00:00.000Z",
        opens_human: 2,
        opens_machine: 1,
        clicks_human: 1,
        clicks_machine: 1,
      },
      {
        at: "2026-03-03T00:00:00.000Z",
        opens_human: 1,
        opens_machine: 0,
        clicks_human: 1,
        clicks_machine: 0,
      },
    ]);
    const hour = await viewer.get(
      `/v1/stats/timeseries?campaign_id=${campaignA}&bucket=hour&until=${at(24 * 60).toISOString()}`,
    );
    expect(hour.body.items).toEqual([
      {
        at: "2026-03-02T08:00:00.000Z",
        opens_human: 0,
        opens_machine: 1,
        clicks_human: 0,
        clicks_machine: 1,
      },
      {
        at: "2026-03-02T09:00:00.000Z",
        opens_human: 2,
        opens_machine: 0,
        clicks_human: 1,
        clicks_machine: 0,
      },
    ]);
  });

  it("answers 404 for another workspace's campaign", async () => {
    expect((await viewer.get(`/v1/stats/timeseries?campaign_id=${campaignB}`)).status).toBe(404);
  });
});
