// Provider-reported opt-outs (issue 5, seed 000): an unsubscribe or a spam complaint that SendGrid or Mailgun
// reports changes the contact's subscriptions (and, where the brief says so, the e-mail marketing consent),
// logged with the provider as the actor and passed on to the host application's webhooks; a replay of the
// same report changes nothing more.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { MESSAGE_ID_ARG } from "../delivery/providers/naming.js";
import { fixture, mailgunSignature, sendgridSigner } from "./signing.testkit.js";

let env: TestEnv;
const sendgrid = sendgridSigner();
const MAILGUN_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
let serial = 0;
const fresh = () => `patientin.${Date.now().toString(36)}${serial++}@example.org`;
const admin = () => api(env.app, env.ws.admin);

beforeAll(async () => {
  env = await createTestEnv();
  for (const t of [
    {
      name: "sg",
      kind: "sendgrid",
      config: { api_key: "SG.test", webhook: { public_key: sendgrid.publicKey } },
    },
    {
      name: "mg",
      kind: "mailgun",
      config: { api_key: "key-api", domain: "mg.example.org", webhook: { signing_key: MAILGUN_KEY } },
    },
  ]) {
    const r = await admin().post("/v1/transports", t);
    expect(r.status, r.text).toBe(201);
  }
  const hook = await admin().post("/v1/webhook-endpoints", {
    url: "http://127.0.0.1:9/praxis",
    events: ["contact.unsubscribed", "consent.changed"],
  });
  expect(hook.status, hook.text).toBe(201);
});
afterAll(() => env?.close());

/** A contact on two lists, with granted e-mail marketing consent, and a message to it. */
async function contactOnTwoLists() {
  const to = fresh();
  const c = await admin().post("/v1/contacts", { first_name: "Jana", last_name: "Roth", emails: [to] });
  expect(c.status, c.text).toBe(201);
  const consent = await admin().post(`/v1/contacts/${c.body.id}/consents`, {
    channel: "email",
    purpose: "marketing",
    status: "granted",
    source: "Anmeldeformular",
  });
  expect(consent.status, consent.text).toBe(201);
  const lists: string[] = [];
  const subs: string[] = [];
  for (const name of ["Praxisnews", "Impftermine"]) {
    const l = await admin().post("/v1/lists", { name: `${name} ${to}` });
    const s = await admin().post(`/v1/lists/${l.body.id}/subscriptions`, { contact_id: c.body.id });
    expect(s.status, s.text).toBe(201);
    lists.push(l.body.id);
    subs.push(s.body.id);
  }
  const m = await api(env.app, env.ws.editor).post("/v1/messages", {
    to: { contact_id: c.body.id },
    from: "praxis@example.org",
    subject: "Neuigkeiten",
    text: "Hallo",
  });
  expect(m.status, m.text).toBe(202);
  return { to, contactId: c.body.id as string, lists, subs, messageId: m.body.id as string };
}

type Setup = Awaited<ReturnType<typeof contactOnTwoLists>>;

/** The message went out in a campaign that reached the contact through the first list. */
async function asCampaignMessage(s: Setup) {
  const campaignId = `cmp_optout${serial++}`;
  await sql`insert into campaigns (id, workspace_id, name, kind, state, list_ids)
            values (${campaignId}, ${env.ws.id}, 'Herbstnews', 'email', 'completed_automatic', ${[s.lists[0]]})`.execute(
    env.rt.db,
  );
  await sql`insert into campaign_recipients (campaign_id, contact_id, workspace_id, position, list_id, status, message_id)
            values (${campaignId}, ${s.contactId}, ${env.ws.id}, 1, ${s.lists[0]}, 'sent', ${s.messageId})`.execute(
    env.rt.db,
  );
  await env.rt.db
    .updateTable("messages")
    .set({ campaign_id: campaignId })
    .where("id", "=", s.messageId)
    .execute();
  return campaignId;
}

const statusesOf = async (s: Setup) => {
  const out: string[] = [];
  for (const [i, list] of s.lists.entries())
    out.push((await admin().get(`/v1/lists/${list}/subscriptions/${s.subs[i]}`)).body.status);
  return out;
};
const consentNow = async (contactId: string) => {
  const r = await admin().get(`/v1/contacts/${contactId}/consents`);
  return (r.body.current as Array<Record<string, unknown>>).find(
    (c) => c.channel === "email" && c.purpose === "marketing",
  );
};
/** The activities about the contact, its consents and its subscriptions. */
const activitiesAbout = (s: Setup) =>
  env.rt.db
    .selectFrom("activities")
    .select(["action", "kind", "actor_type", "actor_name", "summary"])
    .where("workspace_id", "=", env.ws.id)
    .where(
      sql<boolean>`(record_id = ${s.contactId} or data->>'contact_id' = ${s.contactId} or record_id = any(${s.subs}::text[]))`,
    )
    .orderBy("id")
    .execute();
const hooksAbout = (contactId: string) =>
  env.rt.db
    .selectFrom("webhook_deliveries")
    .select(["event_type", "payload"])
    .where(sql<boolean>`payload->>'contact_id' = ${contactId}`)
    .orderBy("id")
    .execute();

function postSendgrid(s: Setup, event: string, eventId: string) {
  const [documented] = fixture<Array<Record<string, unknown>>>("sendgrid-events.json").filter(
    (e) => e.event === event,
  );
  const body = JSON.stringify([
    { ...documented, email: s.to, sg_event_id: eventId, [MESSAGE_ID_ARG]: s.messageId },
  ]);
  return api(env.app).raw("POST", `/v1/webhooks/sendgrid/${env.ws.id}`, body, {
    "content-type": "application/json",
    ...sendgrid.headers(body),
  });
}

describe("provider unsubscribes and complaints", () => {
  it("a SendGrid unsubscribe about a campaign message ends the subscription to the campaign's list, once", async () => {
    const s = await contactOnTwoLists();
    await asCampaignMessage(s);
    const setup = (await hooksAbout(s.contactId)).length;
    const r = await postSendgrid(s, "unsubscribe", `unsub-${s.messageId}`);
    expect(r.status, r.text).toBe(200);
    expect(await statusesOf(s)).toEqual(["unsubscribed", "subscribed"]);
    expect((await consentNow(s.contactId))?.status).toBe("granted");
    const acts = await activitiesAbout(s);
    const unsub = acts.find((a) => a.action === "unsubscribed");
    expect(unsub).toMatchObject({ actor_type: "system", actor_name: "webhook:sendgrid" });
    expect(unsub?.summary).toContain("as reported by SendGrid");
    expect((await hooksAbout(s.contactId)).slice(setup).map((h) => h.event_type)).toEqual([
      "contact.unsubscribed",
    ]);
    const before = { acts: acts.length, hooks: (await hooksAbout(s.contactId)).length };
    const replay = await postSendgrid(s, "unsubscribe", `unsub-${s.messageId}`);
    expect(replay.body).toMatchObject({ stored: 0, duplicates: 1 });
    expect((await activitiesAbout(s)).length).toBe(before.acts);
    expect((await hooksAbout(s.contactId)).length).toBe(before.hooks);
  });

  it("a Mailgun unsubscribe about a message from no list ends every subscription and withdraws the consent", async () => {
    const s = await contactOnTwoLists();
    const setup = (await hooksAbout(s.contactId)).length;
    const signature = mailgunSignature(MAILGUN_KEY);
    const body = {
      signature,
      "event-data": {
        id: `mg-unsub-${s.messageId}`,
        event: "unsubscribed",
        timestamp: Date.now() / 1000,
        recipient: s.to,
        "user-variables": { [MESSAGE_ID_ARG]: s.messageId },
        message: { headers: { "message-id": "20130503182626.18666.16540@sandbox.mailgun.org" } },
      },
    };
    const r = await api(env.app).raw("POST", `/v1/webhooks/mailgun/${env.ws.id}`, JSON.stringify(body), {
      "content-type": "application/json",
    });
    expect(r.status, r.text).toBe(200);
    expect(await statusesOf(s)).toEqual(["unsubscribed", "unsubscribed"]);
    expect(await consentNow(s.contactId)).toMatchObject({
      status: "withdrawn",
      by: "system:webhook:mailgun",
      source: "mailgun_unsubscribe",
    });
    expect(
      (await hooksAbout(s.contactId))
        .slice(setup)
        .map((h) => h.event_type)
        .sort(),
    ).toEqual(["consent.changed", "contact.unsubscribed"]);
  });

  it("a SendGrid spam report ends every subscription but a hard-bounced one and withdraws the consent with the report", async () => {
    const s = await contactOnTwoLists();
    await asCampaignMessage(s);
    await admin().patch(`/v1/lists/${s.lists[1]}/subscriptions/${s.subs[1]}`, {
      status: "bounced_permanent",
    });
    const r = await postSendgrid(s, "spamreport", `spam-${s.messageId}`);
    expect(r.status, r.text).toBe(200);
    expect(await statusesOf(s)).toEqual(["unsubscribed", "bounced_permanent"]);
    const consent = await consentNow(s.contactId);
    expect(consent).toMatchObject({
      status: "withdrawn",
      by: "system:webhook:sendgrid",
      source: "sendgrid_complaint",
    });
    expect(consent?.wording).toContain(
      `spam complaint about message ${s.messageId} (event spam-${s.messageId})`,
    );
    const log = await env.rt.db
      .selectFrom("event_log")
      .select(["severity", "detail"])
      .where("record_id", "=", s.messageId)
      .execute();
    expect(log).toEqual([
      expect.objectContaining({
        severity: "warning",
        detail: expect.stringContaining("Complaint (spam report, SendGrid)"),
      }),
    ]);
    const acts = await activitiesAbout(s);
    expect(
      acts
        .filter((a) => a.actor_name === "webhook:sendgrid")
        .map((a) => a.kind)
        .sort(),
    ).toEqual(["consent", "contact", "subscription"]);
  });
});
