import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";
import { expireSignups } from "./expiry.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
let anonymous: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
  anonymous = api(env.app);
  const r = await api(env.app, env.ws.admin).patch("/v1/workspace", {
    settings: { default_from: "info@hundeschule.example", default_from_name: "Hundeschule Pfote" },
  });
  expect(r.status).toBe(200);
});
afterAll(() => env?.close());

const WORDING = "Ja, ich möchte den Welpen-Newsletter per E-Mail erhalten. Abmeldung jederzeit möglich.";

async function list(body: Record<string, unknown> = {}) {
  const r = await editor.post("/v1/lists", { name: `Welpen-Newsletter ${newId("x")}`, ...body });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const email = () => `anmeldung.${newId("x")}@example.org`;

async function signup(listId: string, body: Record<string, unknown>) {
  return editor.post(`/v1/lists/${listId}/signups`, { consent_wording: WORDING, ...body });
}

/** The confirmation mail as queued, and the path of its link. */
async function confirmationOf(messageId: string) {
  const m = await env.rt.db
    .selectFrom("messages")
    .selectAll()
    .where("id", "=", messageId)
    .executeTakeFirstOrThrow();
  const prefix = `${env.config.publicUrl}/s/`;
  const match = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([A-Za-z0-9_-]+)`).exec(
    m.text_body ?? "",
  );
  expect(match, "the mail's text holds the /s/ link").not.toBeNull();
  return { message: m, path: `/s/${match?.[1]}` };
}

const subscriptionOf = (listId: string, contactId: string) =>
  env.rt.db
    .selectFrom("subscriptions")
    .selectAll()
    .where("list_id", "=", listId)
    .where("contact_id", "=", contactId)
    .executeTakeFirst();

const consentsOf = (contactId: string) =>
  env.rt.db.selectFrom("consents").selectAll().where("contact_id", "=", contactId).orderBy("id").execute();

/** Each confirmation from its own address: the public POSTs are rate-limited per IP. */
let nextIp = 1;
const confirm = (path: string, ip = `198.51.100.${nextIp++ % 250}`) =>
  anonymous.raw("POST", path, "", {
    "content-type": "application/x-www-form-urlencoded",
    "x-forwarded-for": ip,
  });

describe("POST /v1/lists/:id/signups", () => {
  it("creates the contact, makes the subscription pending and queues the confirmation mail", async () => {
    const l = await list({ sender_email: "welpen@hundeschule.example", sender_name: "Welpenkurs" });
    const address = email();
    const r = await signup(l, {
      email: address,
      first_name: "Erika",
      last_name: "Muster",
      salutation: "Frau",
      ip: "192.0.2.10",
      source: "Website",
    });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ list_id: l, status: "pending", contact_created: true });
    const sub = await subscriptionOf(l, r.body.contact_id);
    expect(sub?.status).toBe("pending");
    const { message } = await confirmationOf(r.body.message_id);
    expect(message).toMatchObject({
      to_address: address,
      from_address: "welpen@hundeschule.example",
      from_name: "Welpenkurs",
      contact_id: r.body.contact_id,
      send_state: "queued",
    });
    expect(message.subject).toContain("Bitte bestätigen Sie Ihre Anmeldung");
    expect(message.text_body).toContain("Sehr geehrte Frau Muster,");
    expect(message.html_body).toContain(`${env.config.publicUrl}/s/`);
    const row = await env.rt.db
      .selectFrom("signups")
      .selectAll()
      .where("id", "=", r.body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      wording: WORDING,
      ip: "192.0.2.10",
      source: "Website",
      message_id: r.body.message_id,
    });
    expect(row.expires_at.getTime() - row.requested_at.getTime()).toBe(7 * 24 * 3600 * 1000);
    // only the hash of the link's token is stored
    const { path } = await confirmationOf(r.body.message_id);
    expect(JSON.stringify(row)).not.toContain(path.slice(3));
    // nothing is consented yet
    expect(await consentsOf(r.body.contact_id)).toEqual([]);
  });

  it("confirming makes the subscription subscribed and records the consent with its evidence", async () => {
    const l = await list();
    const r = await signup(l, { email: email(), language: "en" });
    const { path, message } = await confirmationOf(r.body.message_id);
    expect(message.from_address).toBe("info@hundeschule.example");
    expect(message.subject).toContain("Please confirm your subscription");
    // GET shows the question and changes nothing
    const page = await anonymous.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain(`<form method="post" action="${path}">`);
    expect((await subscriptionOf(l, r.body.contact_id))?.status).toBe("pending");

    const done = await confirm(path, "198.51.100.7");
    expect(done.status).toBe(200);
    expect(done.text).toContain("Subscription confirmed");
    const c = r.body.contact_id as string;
    const sub = await subscriptionOf(l, c);
    expect(sub).toMatchObject({ status: "subscribed", status_set_by: `recipient:${c}` });
    const consent = await consentsOf(c);
    expect(consent).toHaveLength(1);
    expect(consent[0]).toMatchObject({
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "double_opt_in",
      wording: WORDING,
      ip: "198.51.100.7",
      by: `recipient:${c}`,
    });
    const row = await env.rt.db
      .selectFrom("signups")
      .selectAll()
      .where("id", "=", r.body.id)
      .executeTakeFirstOrThrow();
    expect(row.confirmed_at).not.toBeNull();
    expect(consent[0].at).toEqual(row.confirmed_at);
    const acts = await env.rt.db
      .selectFrom("activities")
      .selectAll()
      .where("actor_id", "=", c)
      .orderBy("id")
      .execute();
    expect(acts.every((a) => a.actor_type === "recipient")).toBe(true);
    expect(acts.map((a) => `${a.kind}:${a.action}`)).toEqual([
      "subscription:updated",
      "signup:confirmed",
      "consent:created",
    ]);

    // a second click confirms nothing twice
    const again = await confirm(path);
    expect(again.status).toBe(200);
    expect(again.text).toContain("Already confirmed");
    expect(await consentsOf(c)).toHaveLength(1);
  });

  it("leaves a subscribed contact subscribed and sends no mail", async () => {
    const l = await list();
    const address = email();
    const first = await signup(l, { email: address });
    await confirm((await confirmationOf(first.body.message_id)).path);
    const messagesBefore = (await env.rt.db.selectFrom("messages").select("id").execute()).length;
    const again = await signup(l, { email: address.toUpperCase() });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({
      status: "already_subscribed",
      contact_id: first.body.contact_id,
      contact_created: false,
      message_id: null,
    });
    expect((await env.rt.db.selectFrom("messages").select("id").execute()).length).toBe(messagesBefore);
    expect((await subscriptionOf(l, first.body.contact_id))?.status).toBe("subscribed");
  });

  it("confirms a second list for an existing contact without touching the contact", async () => {
    const created = await editor.post("/v1/contacts", {
      first_name: "Max",
      last_name: "Mustermann",
      emails: ["max.mustermann@example.org"],
    });
    const c = created.body.id as string;
    const [a, b] = [await list(), await list()];
    for (const l of [a, b]) {
      const r = await signup(l, {
        email: "Max.Mustermann@example.org",
        first_name: "Fremd",
        last_name: "Name",
      });
      expect(r.body).toMatchObject({ contact_id: c, contact_created: false, status: "pending" });
      expect((await confirm((await confirmationOf(r.body.message_id)).path)).status).toBe(200);
    }
    expect((await subscriptionOf(a, c))?.status).toBe("subscribed");
    expect((await subscriptionOf(b, c))?.status).toBe("subscribed");
    const contact = await editor.get(`/v1/contacts/${c}`);
    expect(contact.body).toMatchObject({ first_name: "Max", last_name: "Mustermann" });
    // one granted consent per confirmation, each with its own evidence
    expect((await consentsOf(c)).map((x) => x.status)).toEqual(["granted", "granted"]);
    const holders = await env.rt.db
      .selectFrom("contacts")
      .select("id")
      .where(sql<boolean>`email_keys @> array['max.mustermann@example.org']::text[]`)
      .execute();
    expect(holders).toHaveLength(1);
  });

  it("makes an unsubscribed contact pending again and confirms it", async () => {
    const l = await list();
    const c = (await editor.post("/v1/contacts", { emails: [email()] })).body;
    const sub = await editor.post(`/v1/lists/${l}/subscriptions`, {
      contact_id: c.id,
      status: "unsubscribed",
    });
    const r = await signup(l, { email: c.emails[0] });
    expect(r.body).toMatchObject({ status: "pending", subscription_id: sub.body.id });
    expect((await subscriptionOf(l, c.id))?.status).toBe("pending");
    await confirm((await confirmationOf(r.body.message_id)).path);
    expect((await subscriptionOf(l, c.id))?.status).toBe("subscribed");
  });

  it("answers 404 for another workspace's list and an unknown one, and changes nothing", async () => {
    const foreign = await api(env.app, env.other.admin).post("/v1/lists", { name: "Fremd" });
    const before = (await env.rt.db.selectFrom("contacts").select("id").execute()).length;
    for (const id of [foreign.body.id, "list_unknown"]) {
      const r = await signup(id, { email: email() });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("not_found");
    }
    expect((await env.rt.db.selectFrom("contacts").select("id").execute()).length).toBe(before);
  });

  it("rejects bad input with a 4xx that names the field", async () => {
    const l = await list();
    const cases: [Record<string, unknown>, string][] = [
      [{ email: "keine-adresse" }, "email"],
      [{ email: email(), consent_wording: "" }, "consent_wording"],
      [{ email: email(), ip: "999.1.1.1" }, "ip"],
      [{ email: email(), salutation: "Majestät" }, "salutation"],
      [{ email: email(), unknown_field: 1 }, "unknown_field"],
    ];
    for (const [body, field] of cases) {
      const r = await signup(l, body);
      expect(r.status, field).toBe(400);
      expect(r.body.error.message).toContain(field);
    }
    expect(
      (
        await api(env.app, env.ws.viewer).post(`/v1/lists/${l}/signups`, {
          email: email(),
          consent_wording: WORDING,
        })
      ).status,
    ).toBe(403);
  });

  it("refuses a list that has ended, and one without any sender, with 409", async () => {
    const ended = await list({ status: "ended" });
    const r = await signup(ended, { email: email() });
    expect(r.status).toBe(409);
    const noSender = await createTestEnvWithoutSender();
    expect(noSender.status).toBe(409);
    expect(noSender.body.error.message).toContain("default_from");
  });
});

/** A workspace without default_from and a list without sender_email: no mail can be sent. */
async function createTestEnvWithoutSender() {
  const other = api(env.app, env.other.admin);
  const l = await other.post("/v1/lists", { name: "Ohne Absender" });
  return other.post(`/v1/lists/${l.body.id}/signups`, { email: email(), consent_wording: WORDING });
}

describe("expiry", () => {
  // Each test counts what one run expires: sign-ups earlier tests left open are closed first.
  beforeEach(async () => {
    await env.rt.db
      .updateTable("signups")
      .set({ expired_at: new Date() })
      .where("confirmed_at", "is", null)
      .execute();
  });

  it("an expired link shows that it expired and changes nothing", async () => {
    const l = await list();
    const r = await signup(l, { email: email() });
    const { path } = await confirmationOf(r.body.message_id);
    env.setNow(new Date(Date.now() + 8 * 24 * 3600 * 1000));
    try {
      const page = await anonymous.get(path);
      expect(page.status).toBe(410);
      expect(page.text).toContain("Link abgelaufen");
      const post = await confirm(path);
      expect(post.status).toBe(410);
      expect((await subscriptionOf(l, r.body.contact_id))?.status).toBe("pending");
      expect(await consentsOf(r.body.contact_id)).toEqual([]);
    } finally {
      env.setNow(null);
    }
  });

  it("the worker removes a pending subscription the sign-up created and logs it", async () => {
    const l = await list();
    const fresh = await signup(l, { email: email() });
    const wasUnsubscribed = (await editor.post("/v1/contacts", { emails: [email()] })).body;
    await editor.post(`/v1/lists/${l}/subscriptions`, {
      contact_id: wasUnsubscribed.id,
      status: "unsubscribed",
    });
    const returning = await signup(l, { email: wasUnsubscribed.emails[0] });
    const confirmed = await signup(l, { email: email() });
    await confirm((await confirmationOf(confirmed.body.message_id)).path);

    env.setNow(new Date(Date.now() + 7 * 24 * 3600 * 1000 + 60_000));
    try {
      const reports = await expireSignups(env.rt);
      expect(reports).toEqual([{ workspaceId: env.ws.id, expired: 2, removed: 1, restored: 1 }]);
      expect(await subscriptionOf(l, fresh.body.contact_id)).toBeUndefined();
      expect((await subscriptionOf(l, returning.body.contact_id))?.status).toBe("unsubscribed");
      expect((await subscriptionOf(l, confirmed.body.contact_id))?.status).toBe("subscribed");
      const log = await env.rt.db
        .selectFrom("event_log")
        .selectAll()
        .where("workspace_id", "=", env.ws.id)
        .where("process", "=", "signup-expiry")
        .execute();
      expect(log).toHaveLength(1);
      expect(log[0].detail).toContain("2 unconfirmed sign-up(s) expired");
      const removed = await env.rt.db
        .selectFrom("activities")
        .selectAll()
        .where("kind", "=", "subscription")
        .where("action", "=", "deleted")
        .where("actor_type", "=", "system")
        .execute();
      expect(removed.some((a) => a.summary?.includes("not confirmed in time"))).toBe(true);
      // the link of an expired sign-up changes nothing
      const late = await confirm((await confirmationOf(fresh.body.message_id)).path);
      expect(late.status).toBe(410);
      expect(await subscriptionOf(l, fresh.body.contact_id)).toBeUndefined();
      // a second run has nothing to do
      expect(await expireSignups(env.rt)).toEqual([]);
    } finally {
      env.setNow(null);
    }
  });

  it("keeps the pending subscription while a newer sign-up for it is still open", async () => {
    const l = await list();
    const address = email();
    const first = await signup(l, { email: address });
    env.setNow(new Date(Date.now() + 5 * 24 * 3600 * 1000));
    try {
      const second = await signup(l, { email: address });
      env.setNow(new Date(Date.now() + 8 * 24 * 3600 * 1000));
      expect(await expireSignups(env.rt)).toEqual([
        { workspaceId: env.ws.id, expired: 1, removed: 0, restored: 0 },
      ]);
      expect((await subscriptionOf(l, first.body.contact_id))?.status).toBe("pending");
      // the newer link still works
      expect((await confirm((await confirmationOf(second.body.message_id)).path)).status).toBe(200);
      expect((await subscriptionOf(l, first.body.contact_id))?.status).toBe("subscribed");
    } finally {
      env.setNow(null);
    }
  });
});

describe("unknown confirmation links", () => {
  it("get a 404 page and change nothing", async () => {
    for (const path of ["/s/unknown", `/s/${"A".repeat(32)}`]) {
      expect((await anonymous.get(path)).status).toBe(404);
      const r = await confirm(path, "198.51.100.99");
      expect(r.status).toBe(404);
      expect(r.text).toContain("Link ungültig");
    }
  });
});
