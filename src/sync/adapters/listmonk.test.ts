// The listmonk adapter against the contract fake (test/fakes/listmonk.ts) over HTTP on loopback: paging,
// the status mapping, every member op, 429/5xx handling, a connection dropped mid-run, error bodies,
// mailings with bounces, statistics and reactions. Response shapes are checked against listmonk's
// documented ones (listmonk.app/docs/apis) and every property of its published OpenAPI document
// (docs/swagger/collections.yaml), so the fake cannot drift from what the adapter must read.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeListmonk } from "../../../test/fakes/listmonk.js";
import { type AdapterOptions, adapterFor, type RemoteMember, ToolError } from "../adapter.js";
import type { RemoteBounce, RemoteReaction } from "../mailings/tool.js";
import { type ListmonkAdapter, listmonkNames, listmonkStatus } from "./listmonk.js";
import "./listmonk.js";

let fake: FakeListmonk;
let base: string;
let waits: number[];

function adapter(o: AdapterOptions = {}, token = fake.token): ListmonkAdapter {
  return adapterFor(
    {
      id: "etc_1",
      tool: "listmonk",
      base_url: base,
      credentials: { kind: "listmonk", username: fake.user, token },
    },
    {
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...o,
    },
  ) as ListmonkAdapter;
}

async function allMembers(a: ListmonkAdapter, listId: string, pageSize?: number): Promise<RemoteMember[][]> {
  const pages: RemoteMember[][] = [];
  for await (const p of a.members(listId, { pageSize })) pages.push(p);
  return pages;
}

beforeEach(async () => {
  fake = new FakeListmonk();
  base = await fake.start();
  waits = [];
});
afterEach(() => fake.close());

// listmonk's documented shapes (docs/apis/subscribers.md, lists.md, bounces.md, campaigns.md).
const envelope = <T extends z.ZodType>(data: T) => z.object({ data });
const pageOf = <T extends z.ZodType>(item: T) =>
  envelope(
    z.object({
      results: z.array(item),
      query: z.string(),
      total: z.number(),
      per_page: z.number(),
      page: z.number(),
    }),
  );
// Every property of listmonk's published OpenAPI document (docs/swagger/collections.yaml in knadh/listmonk,
// components.schemas Subscriber, List and Bounce) is required here, with its published type, so the fake answers
// with all of them; the enums are the values listmonk's API docs name.
const subscriberShape = z.object({
  id: z.number(),
  uuid: z.string(),
  email: z.string(),
  name: z.string(),
  attribs: z.record(z.string(), z.unknown()),
  status: z.enum(["enabled", "disabled", "blocklisted"]),
  created_at: z.string(),
  updated_at: z.string(),
  lists: z.array(
    z.object({
      id: z.number(),
      uuid: z.string(),
      subscription_status: z.enum(["unconfirmed", "confirmed", "unsubscribed"]),
      name: z.string(),
      type: z.enum(["public", "private"]),
      tags: z.array(z.string()),
      created_at: z.string(),
      updated_at: z.string(),
      optin: z.enum(["single", "double"]),
    }),
  ),
});
const listShape = z.object({
  id: z.number(),
  uuid: z.string(),
  name: z.string(),
  type: z.enum(["public", "private"]),
  optin: z.enum(["single", "double"]),
  tags: z.array(z.string()),
  subscriber_count: z.number(),
  description: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
const bounceShape = z.object({
  id: z.number(),
  type: z.enum(["hard", "soft", "complaint"]),
  source: z.string(),
  meta: z.record(z.string(), z.unknown()),
  email: z.string(),
  subscriber_id: z.number(),
  subscriber_uuid: z.string(),
  created_at: z.string(),
  campaign: z.object({ id: z.number(), name: z.string() }).nullable(),
  campaign_uuid: z.string().nullable(),
  total: z.number(),
});
const campaignShape = z.object({
  id: z.number(),
  name: z.string(),
  subject: z.string(),
  status: z.string(),
  lists: z.array(z.object({ id: z.number(), name: z.string() })),
  to_send: z.number(),
  sent: z.number(),
  views: z.number(),
  clicks: z.number(),
  started_at: z.string().nullable(),
});

async function get(path: string) {
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: `token ${fake.user}:${fake.token}` },
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe("listmonk contract fake", () => {
  it("answers in listmonk's documented shapes and envelope, and {message} on errors", async () => {
    const list = fake.addList({ name: "Newsletter", optin: "double" });
    fake.addSubscriber({ email: "a@example.org", name: "Anna Alt", lists: { [list.id]: "confirmed" } });
    const c = fake.addCampaign({ name: "Mai-Aussendung", list_ids: [list.id], sent: 1 });
    fake.addBounce({ type: "hard", subscriber_id: 1, campaign_id: c.id });
    pageOf(subscriberShape).parse((await get(`/api/subscribers?list_id=${list.id}&page=1&per_page=10`)).body);
    pageOf(listShape).parse((await get("/api/lists?page=1&per_page=10")).body);
    envelope(listShape).parse((await get(`/api/lists/${list.id}`)).body);
    pageOf(bounceShape).parse((await get(`/api/bounces?campaign_id=${c.id}`)).body);
    pageOf(campaignShape).parse((await get("/api/campaigns")).body);
    envelope(campaignShape).parse((await get(`/api/campaigns/${c.id}`)).body);
    const missing = await get("/api/lists/999");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: "List not found." });
    const res = await fetch(`${base}/api/lists`, { headers: { authorization: "token x:y" } });
    expect(res.status).toBe(403);
  });

  it("accepts BasicAuth as well as the token header", async () => {
    const basic = Buffer.from(`${fake.user}:${fake.token}`).toString("base64");
    const res = await fetch(`${base}/api/lists`, { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
  });
});

describe("listmonk status mapping", () => {
  it("maps both of listmonk's statuses onto one RemoteStatus", () => {
    expect(listmonkStatus("blocklisted", "confirmed", "single")).toBe("blocklisted");
    expect(listmonkStatus("blocklisted", "unsubscribed", "double")).toBe("blocklisted");
    expect(listmonkStatus("disabled", "confirmed", "single")).toBe("archived");
    expect(listmonkStatus("enabled", "unsubscribed", "single")).toBe("unsubscribed");
    expect(listmonkStatus("enabled", "confirmed", "double")).toBe("subscribed");
    expect(listmonkStatus("enabled", "unconfirmed", "double")).toBe("pending");
    expect(listmonkStatus("enabled", "unconfirmed", "single")).toBe("subscribed");
  });

  it("a blocklisted subscriber is blocklisted whatever its subscription (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("unconfirmed", "confirmed", "unsubscribed" as const),
        fc.constantFrom("single", "double" as const),
        (sub, optin) => listmonkStatus("blocklisted", sub, optin) === "blocklisted",
      ),
    );
  });

  it("reads names from attribs where Poststelle wrote them, else splits listmonk's one name", () => {
    expect(listmonkNames({ name: "Emil Niklas Färber", attribs: {} })).toEqual({
      first_name: "Emil Niklas",
      last_name: "Färber",
      salutation: null,
    });
    expect(
      listmonkNames({
        name: "x",
        attribs: { first_name: "Christine", last_name: "Amadeus-Müller", salutation: "Frau" },
      }),
    ).toEqual({ first_name: "Christine", last_name: "Amadeus-Müller", salutation: "Frau" });
    expect(listmonkNames({ name: "Cher", attribs: null })).toEqual({
      first_name: null,
      last_name: "Cher",
      salutation: null,
    });
  });
});

describe("listmonk adapter: lists and members", () => {
  it("verifies, lists, reads one list and creates one", async () => {
    fake.addList({ name: "Bestand" });
    const a = adapter();
    expect((await a.verify()).account).toContain("listmonk");
    const created = await a.createList({
      name: "Newsletter-Verteiler",
      description: "Dies ist unser größter Verteiler",
      from_name: "sunshine agency",
      from_email: "info@sunshine-agency.net",
      track_reactions: true,
      double_opt_in: true,
    });
    expect(fake.lists.get(Number(created.id))).toMatchObject({
      name: "Newsletter-Verteiler",
      optin: "double",
    });
    expect((await a.lists()).map((l) => l.name)).toEqual(["Bestand", "Newsletter-Verteiler"]);
    expect((await a.getList(created.id)).description).toBe("Dies ist unser größter Verteiler");
    await expect(a.getList("77")).rejects.toMatchObject({ kind: "not_found" });
  });

  it("pages through every member with page/per_page and maps status and time", async () => {
    const list = fake.addList({ name: "N", optin: "double" });
    fake.seedMembers(list.id, 2500);
    fake.addSubscriber({ email: "pending@example.org", lists: { [list.id]: "unconfirmed" } });
    fake.addSubscriber({ email: "gone@example.org", lists: { [list.id]: "unsubscribed" } });
    fake.addSubscriber({
      email: "blocked@example.org",
      status: "blocklisted",
      lists: { [list.id]: "confirmed" },
    });
    fake.addSubscriber({ email: "other-list@example.org", lists: {} });
    fake.now = new Date("2026-02-05T10:00:00Z");
    fake.setSubscription("gone@example.org", list.id, "unsubscribed");
    const pages = await allMembers(adapter(), String(list.id), 1000);
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 503]);
    const all = pages.flat();
    expect(new Set(all.map((m) => m.email)).size).toBe(2503);
    const by = new Map(all.map((m) => [m.email, m]));
    expect(by.get("member7@beispiel.de")?.status).toBe("subscribed");
    expect(by.get("pending@example.org")?.status).toBe("pending");
    expect(by.get("blocked@example.org")?.status).toBe("blocklisted");
    expect(by.get("gone@example.org")).toMatchObject({
      status: "unsubscribed",
      status_changed_at: new Date("2026-02-05T10:00:00Z"),
    });
    expect(by.has("other-list@example.org")).toBe(false);
    const pageRequests = fake.requests.filter((r) => r.startsWith("GET /api/subscribers?"));
    expect(pageRequests).toHaveLength(3);
    expect(pageRequests[2]).toContain("page=3&per_page=1000");
  });
});

describe("listmonk adapter: text a database cannot store", () => {
  it("reads a NUL or half a surrogate pair in a member's name as U+FFFD, so one broken name cannot abort a fetch", async () => {
    const list = fake.addList({ name: "N", optin: "double" });
    fake.addSubscriber({
      email: "nul@example.org",
      name: "Anna\u0000 Alt\ud800",
      lists: { [list.id]: "confirmed" },
    });
    fake.addSubscriber({ email: "plain@example.org", name: "Bernd Bolz", lists: { [list.id]: "confirmed" } });
    const all = (await allMembers(adapter(), String(list.id))).flat();
    const by = new Map(all.map((m) => [m.email, m]));
    expect(by.get("nul@example.org")).toMatchObject({ first_name: "Anna\ufffd", last_name: "Alt\ufffd" });
    expect(by.get("plain@example.org")).toMatchObject({ first_name: "Bernd", last_name: "Bolz" });
  });
});

describe("listmonk adapter: member ops", () => {
  it("applies every op with one result per ref", async () => {
    const list = fake.addList({ name: "N", optin: "double" });
    const other = fake.addList({ name: "Andere" });
    fake.addSubscriber({ email: "back@example.org", lists: { [list.id]: "unsubscribed" } });
    fake.addSubscriber({
      email: "rename@example.org",
      name: "Emil Färber",
      lists: { [list.id]: "confirmed" },
    });
    fake.addSubscriber({ email: "leave@example.org", lists: { [list.id]: "confirmed" } });
    fake.addSubscriber({
      email: "remove@example.org",
      lists: { [list.id]: "confirmed", [other.id]: "confirmed" },
    });
    fake.addSubscriber({
      email: "erase@example.org",
      lists: { [list.id]: "confirmed", [other.id]: "confirmed" },
    });
    fake.addSubscriber({ email: "amadeus@relationship-manager.net", lists: { [list.id]: "confirmed" } });
    fake.addSubscriber({ email: "again@example.org", lists: { [list.id]: "unsubscribed" } });
    fake.addSubscriber({
      email: "blocked@example.org",
      status: "blocklisted",
      lists: { [list.id]: "unsubscribed" },
    });
    const results = await adapter().apply(String(list.id), [
      { op: "upsert", ref: "new", email: "o'brien@example.org", first_name: "Sean", last_name: "O'Brien" },
      { op: "upsert", ref: "back", email: "back@example.org", first_name: "Bea", last_name: "Back" },
      {
        op: "update_name",
        ref: "rename",
        email: "rename@example.org",
        first_name: "Emil Niklas",
        last_name: "Färber",
      },
      { op: "unsubscribe", ref: "leave", email: "leave@example.org" },
      { op: "archive", ref: "remove", email: "remove@example.org" },
      { op: "delete_permanently", ref: "erase", email: "erase@example.org" },
      {
        op: "change_email",
        ref: "move",
        email: "amadeus@relationship-manager.net",
        new_email: "christine@providerxyz.net",
      },
      { op: "subscribe_double_opt_in", ref: "again", email: "again@example.org" },
      { op: "upsert", ref: "blocked", email: "blocked@example.org" },
      { op: "update_name", ref: "unknown", email: "nobody@example.org", first_name: "N" },
    ]);
    const r = new Map(results.map((x) => [x.ref, x]));
    expect(results).toHaveLength(10);
    expect(r.get("new")).toMatchObject({ ok: true, status: "subscribed" });
    const obrien = fake.subscriberByEmail("o'brien@example.org");
    expect(obrien?.lists.get(list.id)?.status).toBe("confirmed");
    expect(obrien?.attribs).toMatchObject({ first_name: "Sean", last_name: "O'Brien" });
    expect(r.get("back")).toMatchObject({ ok: true, status: "subscribed" });
    expect(fake.subscriberByEmail("back@example.org")?.lists.get(list.id)?.status).toBe("confirmed");
    expect(fake.subscriberByEmail("back@example.org")?.name).toBe("Bea Back");
    expect(fake.subscriberByEmail("rename@example.org")?.name).toBe("Emil Niklas Färber");
    expect(fake.subscriberByEmail("leave@example.org")?.lists.get(list.id)?.status).toBe("unsubscribed");
    const removed = fake.subscriberByEmail("remove@example.org");
    expect(removed?.lists.has(list.id)).toBe(false);
    expect(removed?.lists.has(other.id)).toBe(true);
    expect(fake.subscriberByEmail("erase@example.org")).toBeUndefined();
    expect(fake.subscriberByEmail("amadeus@relationship-manager.net")).toBeUndefined();
    expect(fake.subscriberByEmail("christine@providerxyz.net")?.lists.get(list.id)?.status).toBe("confirmed");
    expect(r.get("again")).toMatchObject({ ok: true, status: "pending" });
    expect(fake.requests.some((q) => /^POST \/api\/subscribers\/\d+\/optin$/.test(q))).toBe(true);
    expect(r.get("blocked")).toMatchObject({ ok: false, error: { code: "blocklisted" } });
    expect(r.get("unknown")).toMatchObject({ ok: false, error: { code: "not_found" } });
    // Known subscribers were changed with listmonk's bulk call, not one request each.
    expect(fake.requests.filter((q) => q === "PUT /api/subscribers/lists")).toHaveLength(4);
  });

  it("reports a refusal of one op as that op's error and carries on", async () => {
    const list = fake.addList({ name: "N" });
    fake.addSubscriber({ email: "a@example.org", lists: { [list.id]: "confirmed" } });
    fake.addSubscriber({ email: "taken@example.org", lists: {} });
    const results = await adapter().apply(String(list.id), [
      { op: "change_email", ref: "clash", email: "a@example.org", new_email: "taken@example.org" },
      { op: "unsubscribe", ref: "fine", email: "a@example.org" },
    ]);
    const r = new Map(results.map((x) => [x.ref, x]));
    expect(r.get("clash")).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(r.get("clash")?.error?.message).toContain("E-mail already exists.");
    expect(r.get("fine")?.ok).toBe(true);
  });
});

describe("listmonk adapter: faults", () => {
  it("waits out a 429 per Retry-After and goes on", async () => {
    const list = fake.addList({ name: "N" });
    fake.seedMembers(list.id, 30);
    fake.faults.push({ kind: "rate_limited", match: "GET /api/subscribers", retryAfter: 7, skip: 1 });
    const pages = await allMembers(adapter(), String(list.id), 10);
    expect(pages.flat()).toHaveLength(30);
    expect(waits).toEqual([7000]);
  });

  it("retries a 5xx on reads, then gives up with 'unavailable'", async () => {
    const list = fake.addList({ name: "N" });
    fake.faults.push({ kind: "server_error", status: 502, match: "GET /api/lists/" });
    expect((await adapter().getList(String(list.id))).name).toBe("N");
    for (let i = 0; i < 4; i++)
      fake.faults.push({ kind: "server_error", status: 503, match: "GET /api/lists/" });
    const err = await adapter()
      .getList(String(list.id))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect(err).toMatchObject({ kind: "unavailable", status: 503 });
  });

  // Changed deliberately when the two HTTP clients became one (adapters/http.ts): a GET now gets one fresh
  // connection after a broken one (it used to end the run at the first drop); a second drop still does.
  it("a GET gets one reconnect after a dropped connection; a second drop ends the run with 'connection'", async () => {
    const list = fake.addList({ name: "N" });
    fake.seedMembers(list.id, 50);
    fake.faults.push({ kind: "drop", match: "GET /api/subscribers", skip: 2 });
    expect((await allMembers(adapter(), String(list.id), 10)).map((p) => p.length)).toEqual([
      10, 10, 10, 10, 10,
    ]);
    expect(fake.requests.filter((q) => q.includes("page=3&"))).toHaveLength(2);

    fake.faults.push({ kind: "drop", match: "GET /api/subscribers", skip: 2 });
    fake.faults.push({ kind: "drop", match: "GET /api/subscribers" });
    const seen: number[] = [];
    const err = await (async () => {
      for await (const p of adapter().members(String(list.id), { pageSize: 10 })) seen.push(p.length);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([10, 10]);
    expect(err).toMatchObject({ kind: "connection" });
  });

  it("never repeats a write after a 5xx or a broken connection, and says the outcome is unknown", async () => {
    const list = fake.addList({ name: "N" });
    fake.faults.push({ kind: "server_error", status: 503, match: "POST /api/subscribers", retryAfter: 0 });
    const [r] = await adapter().apply(String(list.id), [
      { op: "upsert", ref: "a", email: "a@example.org", first_name: "A", last_name: "B" },
    ]);
    expect(r).toMatchObject({ ok: false, error: { code: "unavailable" } });
    expect(r.error?.message).toContain("may or may not have been made");
    expect(fake.requests.filter((q) => q === "POST /api/subscribers")).toHaveLength(1);
    expect(waits).toEqual([]);

    fake.faults.push({ kind: "drop", match: "POST /api/subscribers" });
    const err = await adapter()
      .apply(String(list.id), [{ op: "upsert", ref: "b", email: "b@example.org" }])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "connection" });
    expect(String((err as Error).message)).toContain("may or may not have been made");
    expect(fake.requests.filter((q) => q === "POST /api/subscribers")).toHaveLength(2);
  });

  it("a connection that breaks after some ops were made carries their results with the error", async () => {
    const list = fake.addList({ name: "N" });
    fake.faults.push({ kind: "drop", match: "POST /api/subscribers", skip: 1 });
    const err = await adapter()
      .apply(String(list.id), [
        { op: "upsert", ref: "c", email: "c@example.org" },
        { op: "upsert", ref: "d", email: "d@example.org" },
        { op: "upsert", ref: "e", email: "e@example.org" },
      ])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "connection" });
    expect((err as ToolError).done).toEqual([
      expect.objectContaining({ ref: "c", ok: true, status: "subscribed" }),
    ]);
    expect(fake.requests.filter((q) => q === "POST /api/subscribers")).toHaveLength(2);
  });

  it("a write is repeated after a 429 (the tool did nothing), within the wait budget only", async () => {
    const list = fake.addList({ name: "N" });
    fake.faults.push({ kind: "rate_limited", match: "POST /api/subscribers", retryAfter: 2 });
    const [r] = await adapter().apply(String(list.id), [{ op: "upsert", ref: "a", email: "a@example.org" }]);
    expect(r.ok).toBe(true);
    expect(waits).toEqual([2000]);
    // A Retry-After beyond the per-wait bound is not waited out: the error carries it for a later run.
    fake.faults.push({ kind: "rate_limited", match: "GET /api/lists/", retryAfter: 3600 });
    const err = await adapter()
      .getList(String(list.id))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "rate_limited", retry_after_s: 3600 });
    expect(waits).toEqual([2000]);
    // Waits add up against the budget: 3 × 25 s would exceed 60 s, so the third is not waited.
    for (let i = 0; i < 3; i++)
      fake.faults.push({ kind: "rate_limited", match: "GET /api/lists/", retryAfter: 25 });
    const spent = await adapter()
      .getList(String(list.id))
      .catch((e: unknown) => e);
    expect(spent).toMatchObject({ kind: "rate_limited" });
    expect(waits).toEqual([2000, 25000, 25000]);
  });

  it("a request without a complete answer within the time limit is a broken connection", async () => {
    const list = fake.addList({ name: "N" });
    fake.faults.push({ kind: "stall", match: "GET /api/lists/" });
    fake.faults.push({ kind: "stall", match: "GET /api/lists/" });
    const err = await adapter({ requestTimeoutMs: 1500 })
      .getList(String(list.id))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "connection" });
    expect(String((err as Error).message)).toContain("no complete answer within");
    // A GET that stalled once gets its one reconnect.
    fake.faults.push({ kind: "stall", match: "GET /api/lists/" });
    expect((await adapter({ requestTimeoutMs: 1500 }).getList(String(list.id))).name).toBe("N");
  });

  it("wrong credentials are an 'auth' error with listmonk's message", async () => {
    const err = await adapter({}, "wrong")
      .verify()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "auth", status: 403 });
    expect(String((err as Error).message)).toContain("Invalid session");
  });
});

describe("listmonk adapter: mailings", () => {
  it("reads campaigns of the list, their statistics, bounces by kind and reactions", async () => {
    const list = fake.addList({ name: "Newsletter" });
    const emails = ["amadeus", "bartlau", "cash", "frank", "soleil"].map(
      (n) => `${n}@relationship-manager.net`,
    );
    const ids = emails.map((e) => fake.addSubscriber({ email: e, lists: { [list.id]: "confirmed" } }).id);
    fake.addCampaign({ name: "Anderes", list_ids: [fake.addList({ name: "X" }).id] });
    const c = fake.addCampaign({
      name: "Mai-Aussendung",
      list_ids: [list.id],
      sent: 5,
      to_send: 5,
      views: [ids[0], ids[1]],
      clicks: [ids[0]],
    });
    fake.addBounce({ type: "hard", subscriber_id: ids[2], campaign_id: c.id });
    fake.addBounce({ type: "soft", subscriber_id: ids[3], campaign_id: c.id });
    fake.addBounce({ type: "complaint", subscriber_id: ids[4], campaign_id: c.id });
    const a = adapter();
    const mailings = await a.mailings(String(list.id));
    expect(mailings.map((m) => m.name)).toEqual(["Mai-Aussendung"]);
    expect(await a.mailingReport(String(c.id))).toMatchObject({
      recipients: 5,
      bounces: 3,
      opens: 2,
      clicks: 1,
      unsubscribes: null,
    });
    const bounces: RemoteBounce[] = [];
    for await (const p of a.mailingBounces(String(c.id))) bounces.push(...p);
    expect(bounces.map((b) => [b.email.split("@")[0], b.kind])).toEqual([
      ["cash", "permanent"],
      ["frank", "temporary"],
      ["soleil", "general"],
    ]);
    const reactions: RemoteReaction[] = [];
    for await (const p of a.mailingReactions(String(c.id))) reactions.push(...p);
    expect(reactions.map((r) => `${r.email.split("@")[0]}:${r.reaction}`).sort()).toEqual([
      "amadeus:clicked",
      "amadeus:opened",
      "bartlau:opened",
    ]);
  });
});
