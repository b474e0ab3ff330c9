// Mailings sent by the tool (seed 003 §6) through /v1/mailings against the listmonk fake on loopback:
// intended recipients frozen at creation (with the seed's caveat), assignment to the tool's mailing,
// bounces (a permanent one blocklists the address and marks the subscription), the seed's statistics
// (its §6.5 figures are the test case), per-recipient reactions, and bad input changing nothing.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeListmonk, linkListToTool } from "../../../test/fakes/listmonk.js";
import { api, createTestEnv, type TestEnv } from "../../../test/harness.js";
import { findBlocked } from "../../blocklist/lookup.js";
import { MAILING_CAVEAT } from "./service.js";
import { mailingStatistics } from "./stats.js";

let env: TestEnv;
let fake: FakeListmonk;
let base: string;

beforeAll(async () => {
  env = await createTestEnv();
  fake = new FakeListmonk();
  base = await fake.start();
});
afterAll(async () => {
  await fake?.close();
  await env?.close();
});

const people = [
  ["Christine", "Amadeus", "amadeus@relationship-manager.net"],
  ["Jochen", "Bartlau", "bartlau@relationship-manager.net"],
  ["William", "Cash", "cash@relationship-manager.net"],
  ["Hans", "Frank", "frank@luna-aventuras.net"],
  ["Jean", "Soleil", "soleil@luna-aventuras.net"],
  ["James", "Ford", "ford@relationship-manager.net"],
] as const;

/** A list with the seed's people subscribed (Ford unsubscribed), linked to a listmonk list with a campaign. */
async function scenario(recordReactions = true) {
  const c = api(env.app, env.ws.editor);
  const list = (
    await c.post("/v1/lists", {
      name: `Newsletter-Verteiler ${Math.random()}`,
      record_reactions: recordReactions,
    })
  ).body;
  const lmList = fake.addList({ name: list.name });
  const contacts: Record<string, string> = {};
  const subs: Record<string, string> = {};
  for (const [first, last, email] of people) {
    const contact = (await c.post("/v1/contacts", { first_name: first, last_name: last, emails: [email] }))
      .body;
    contacts[last] = contact.id;
    const sub = (
      await c.post(`/v1/lists/${list.id}/subscriptions`, {
        contact_id: contact.id,
        ...(last === "Ford" ? { status: "unsubscribed" } : {}),
      })
    ).body;
    subs[last] = sub.id;
    if (!fake.subscriberByEmail(email))
      fake.addSubscriber({ email, name: `${first} ${last}`, lists: { [lmList.id]: "confirmed" } });
    else fake.setSubscription(email, lmList.id, "confirmed");
  }
  await linkListToTool(env.rt.db, env.rt.secret, {
    workspaceId: env.ws.id,
    listId: list.id,
    remoteListId: String(lmList.id),
    baseUrl: base,
    credentials: { kind: "listmonk", username: fake.user, token: fake.token },
  });
  const id = (e: string) => fake.subscriberByEmail(e)?.id as number;
  const campaign = fake.addCampaign({
    name: "Mai-Aussendung",
    list_ids: [lmList.id],
    sent: 5,
    to_send: 5,
    views: [id(people[0][2]), id(people[1][2])],
    clicks: [id(people[0][2])],
  });
  return { c, list, lmList, contacts, subs, campaign };
}

describe("mailing statistics (seed 003 §6.5)", () => {
  it("reproduces the seed's figures: 71 recipients, 6 bounces, 2 opens, 0 clicks", () => {
    const s = mailingStatistics({ recipients: 71, bounces: 6, opens: 2, clicks: 0, unsubscribes: 0 });
    expect(s).toMatchObject({
      recipients: 71,
      reached: 65,
      bounces: 6,
      opens: 2,
      clicks: 0,
      unsubscribes: 0,
      no_reaction: 63,
    });
    expect(s.rates).toEqual({
      reached: 91.55,
      bounces: 8.45,
      opens: 3.08,
      clicks: 0,
      unsubscribes: 0,
      no_reaction: 96.92,
      click_to_open: 0,
    });
  });

  it("click-to-open rate is clicks per opener; unknown unsubscribes stay unknown", () => {
    const s = mailingStatistics({
      recipients: 10,
      bounces: 0,
      opens: 4,
      clicks: 1,
      unsubscribes: null,
      counts_events: true,
    });
    expect(s.rates.click_to_open).toBe(25);
    expect(s.unsubscribes).toBeNull();
    expect(s.rates.unsubscribes).toBeNull();
    expect(s.counts_events).toBe(true);
  });

  it("parts always add up and shares stay within 0–100 % (property)", () => {
    const n = fc.nat({ max: 100_000 });
    fc.assert(
      fc.property(n, n, n, n, (recipients, bounces, opens, clicks) => {
        const s = mailingStatistics({ recipients, bounces, opens, clicks, unsubscribes: 0 });
        expect(s.reached + s.bounces).toBe(s.recipients);
        expect(s.no_reaction + Math.max(s.opens, s.clicks)).toBe(s.reached);
        for (const v of Object.values(s.rates)) if (v !== null) expect(v >= 0 && v <= 100).toBe(true);
      }),
    );
  });
});

describe("/v1/mailings", () => {
  it("freezes the subscribed contacts as intended recipients and shows the caveat", async () => {
    const { c, list, contacts, subs } = await scenario();
    const res = await c.post("/v1/mailings", { list_id: list.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      list_id: list.id,
      name: `Mailing zu der Liste "${list.name}"`,
      recipient_count: 5,
      recipients_caveat: MAILING_CAVEAT,
      remote_mailing_id: null,
      recipients_by_reaction: { not_opened: 5, opened: 0, clicked: 0 },
    });
    // The list lives on; the mailing record does not follow it.
    await c.patch(`/v1/lists/${list.id}/subscriptions/${subs.Amadeus}`, { status: "unsubscribed" });
    await c.patch(`/v1/lists/${list.id}/subscriptions/${subs.Ford}`, { status: "subscribed" });
    const recips = await c.get(`/v1/mailings/${res.body.id}/recipients`);
    expect(recips.body.items.map((r: { email: string }) => r.email)).toEqual([
      "amadeus@relationship-manager.net",
      "bartlau@relationship-manager.net",
      "cash@relationship-manager.net",
      "frank@luna-aventuras.net",
      "soleil@luna-aventuras.net",
    ]);
    expect(recips.body.items[0].contact_id).toBe(contacts.Amadeus);
    const acts = await c.get(`/v1/activities?kind=mailing&record_id=${res.body.id}`);
    expect(acts.status).toBe(200);
  });

  it("assigns the tool's mailing only when it went to the linked list", async () => {
    const { c, list, campaign } = await scenario();
    const m = (await c.post("/v1/mailings", { list_id: list.id })).body;
    const elsewhere = fake.addCampaign({ name: "Andere Liste", list_ids: [fake.addList({ name: "X" }).id] });
    const wrong = await c.patch(`/v1/mailings/${m.id}`, { remote_mailing_id: String(elsewhere.id) });
    expect(wrong.status).toBe(409);
    const unknown = await c.patch(`/v1/mailings/${m.id}`, { remote_mailing_id: "99999" });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error.details.tool_error).toBe("not_found");
    expect((await c.get(`/v1/mailings/${m.id}`)).body.remote_mailing_id).toBeNull();
    const choices = await c.get(`/v1/lists/${list.id}/tool-mailings`);
    expect(choices.body.items.map((x: { id: string }) => x.id)).toContain(String(campaign.id));
    const ok = await c.patch(`/v1/mailings/${m.id}`, { remote_mailing_id: String(campaign.id) });
    expect(ok.status).toBe(200);
    expect(ok.body.remote_mailing_id).toBe(String(campaign.id));
  });

  it("fetches statistics, bounces and reactions; a permanent bounce blocklists the address", async () => {
    const { c, list, subs, campaign } = await scenario();
    const cashId = fake.subscriberByEmail("cash@relationship-manager.net")?.id as number;
    const frankId = fake.subscriberByEmail("frank@luna-aventuras.net")?.id as number;
    const stranger = fake.addSubscriber({ email: "stranger@example.org" }).id;
    fake.addBounce({ type: "hard", subscriber_id: cashId, campaign_id: campaign.id, source: "mta" });
    fake.addBounce({ type: "soft", subscriber_id: frankId, campaign_id: campaign.id });
    fake.addBounce({ type: "soft", subscriber_id: stranger, campaign_id: campaign.id });
    const m = (await c.post("/v1/mailings", { list_id: list.id, remote_mailing_id: String(campaign.id) }))
      .body;
    const res = await c.post(`/v1/mailings/${m.id}/fetch`, {});
    expect(res.status).toBe(200);
    expect(res.body.fetched.statistics).toMatchObject({
      recipients: 5,
      bounces: 3,
      reached: 2,
      opens: 2,
      clicks: 1,
    });
    expect(res.body.fetched.bounces).toEqual({
      permanent: 1,
      temporary: 1,
      general: 0,
      unmatched: 1,
      blocked: 1,
    });
    expect(res.body.mailing.recipients_by_reaction).toEqual({ not_opened: 3, opened: 1, clicked: 1 });
    expect(res.body.mailing.recipients_by_bounce).toEqual({ permanent: 1, temporary: 1, general: 0 });
    const sub = async (name: string) =>
      (await c.get(`/v1/lists/${list.id}/subscriptions/${subs[name]}`)).body;
    expect((await sub("Cash")).status).toBe("bounced_permanent");
    expect((await sub("Cash")).status_set_by).toBe("email_tool:listmonk");
    expect((await sub("Frank")).status).toBe("bounced_temporary");
    expect((await sub("Amadeus")).status).toBe("subscribed");
    const blocked = await findBlocked(env.rt.db, env.rt.secret, env.ws.id, [
      "cash@relationship-manager.net",
      "frank@luna-aventuras.net",
    ]);
    expect([...blocked.keys()]).toEqual(["cash@relationship-manager.net"]);
    const clicked = await c.get(`/v1/mailings/${m.id}/recipients?reaction=clicked`);
    expect(clicked.body.items.map((r: { email: string }) => r.email)).toEqual([
      "amadeus@relationship-manager.net",
    ]);
    const bounced = await c.get(`/v1/mailings/${m.id}/recipients?bounce=any`);
    expect(bounced.body.items.map((r: { bounce: string }) => r.bounce)).toEqual(["permanent", "temporary"]);
    const events = await c.get(`/v1/event-log?group_id=${res.body.group_id}`);
    expect(events.status).toBe(200);
    // Fetching again changes nothing more.
    const again = await c.post(`/v1/mailings/${m.id}/fetch`, { bounces: true });
    expect(again.body.fetched.bounces.blocked).toBe(0);
    expect(again.body.mailing.recipients_by_bounce).toEqual({ permanent: 1, temporary: 1, general: 0 });
    expect(again.body.fetched.statistics).toBeUndefined();
  });

  it("reactions only where the list records them", async () => {
    const { c, list, campaign } = await scenario(false);
    const m = (await c.post("/v1/mailings", { list_id: list.id, remote_mailing_id: String(campaign.id) }))
      .body;
    const explicit = await c.post(`/v1/mailings/${m.id}/fetch`, { reactions: true });
    expect(explicit.status).toBe(409);
    const all = await c.post(`/v1/mailings/${m.id}/fetch`, {});
    expect(all.status).toBe(200);
    expect(all.body.fetched.reactions).toBeUndefined();
    expect(all.body.fetched.notes[0]).toContain("reactions skipped");
    expect(all.body.mailing.recipients_by_reaction.not_opened).toBe(5);
  });

  it("a tool that stays unavailable is a 409 naming it, and nothing is recorded", async () => {
    const { c, list, campaign } = await scenario();
    const m = (await c.post("/v1/mailings", { list_id: list.id, remote_mailing_id: String(campaign.id) }))
      .body;
    for (let i = 0; i < 4; i++)
      fake.faults.push({ kind: "server_error", status: 503, match: "GET /api/campaigns/", retryAfter: 0 });
    const res = await c.post(`/v1/mailings/${m.id}/fetch`, { statistics: true });
    expect(res.status).toBe(409);
    expect(res.body.error.details.tool_error).toBe("unavailable");
    expect((await c.get(`/v1/mailings/${m.id}`)).body.statistics).toBeNull();
    fake.faults.length = 0;
  });

  it("refuses bad input and foreign ids, and asks before deleting", async () => {
    const { c, list } = await scenario();
    const m = (await c.post("/v1/mailings", { list_id: list.id })).body;
    expect((await c.post("/v1/mailings", { list_id: list.id, extra: 1 })).status).toBe(400);
    expect((await c.post("/v1/mailings", { list_id: "list_nope" })).status).toBe(404);
    expect((await c.post(`/v1/mailings/${m.id}/fetch`, {})).status).toBe(409);
    expect((await api(env.app, env.other.admin).get(`/v1/mailings/${m.id}`)).status).toBe(404);
    expect((await api(env.app, env.ws.viewer).post("/v1/mailings", { list_id: list.id })).status).toBe(403);
    const ask = await c.delete(`/v1/mailings/${m.id}`);
    expect(ask.status).toBe(409);
    expect(ask.body.error.message).toContain("cannot be deleted through the interface");
    const gone = await c.delete(`/v1/mailings/${m.id}?confirm=true`);
    expect(gone.status).toBe(200);
    expect((await c.get(`/v1/mailings/${m.id}`)).status).toBe(404);
  });
});
