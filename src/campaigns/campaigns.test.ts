// Serial e-mails through the API (issue 4 items 2, 3, 8): creating loads recipients in the background,
// sending needs subject, template and sender, each recipient ends with a status and a reason, sending
// again reaches only those not yet sent, completion freezes, and the MIME that left can be shown again.
import { sql } from "kysely";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { seedAudience } from "./test-support.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;
let templateId: string;

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 50 });
  const t = await api(env.app, env.ws.editor).post("/v1/templates", {
    name: "Newsletter",
    subject: "Vorlage",
    html: '<p>{{ contact.letter_salutation }}</p><p>Neuigkeiten aus der Hundeschule für {{ contact.first_name }}.</p><p><a href="{{ unsubscribe_url }}">Abmelden</a></p>',
  });
  expect(t.status, t.text).toBe(201);
  templateId = t.body.id;
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const c = () => api(env.app, env.ws.editor);

async function newCampaign(listId: string, extra: Record<string, unknown> = {}) {
  const r = await c().post("/v1/campaigns", {
    name: `Newsletter ${Date.now()}`,
    kind: "email",
    list_ids: [listId],
    ...extra,
  });
  expect(r.status, r.text).toBe(202);
  return r.body;
}

async function loaded(id: string) {
  await worker.drain();
  const r = await c().get(`/v1/campaigns/${id}`);
  expect(r.body.state).toBe("ready");
  return r.body;
}

async function recipients(id: string, status?: string) {
  const r = await c().get(`/v1/campaigns/${id}/recipients?limit=500${status ? `&status=${status}` : ""}`);
  expect(r.status, r.text).toBe(200);
  return r.body.items as Array<Record<string, string | number | null>>;
}

describe("creating a campaign", () => {
  it("answers 202 in loading_recipients, waiting for processing, then ready with an event-log entry", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 7 });
    const created = await newCampaign(a.listId, { subject: "Hallo" });
    expect(created.state).toBe("loading_recipients");
    expect(created.progress.waiting_for_processing).toBe(true);
    const ready = await loaded(created.id);
    expect(ready.recipient_count).toBe(7);
    expect(ready.progress.counts).toEqual({ pending: 7 });
    expect(ready.progress.waiting_for_processing).toBe(false);
    const log = await env.rt.db
      .selectFrom("event_log")
      .selectAll()
      .where("record_id", "=", created.id)
      .execute();
    expect(log.map((l) => l.detail)).toEqual([expect.stringContaining("7 recipient(s) loaded")]);
    expect(log[0].record_kind).toBe("campaign");
  });

  it("loads each contact once from overlapping lists and a filter", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 5 });
    const b = await c().post("/v1/lists", { name: `Zweite ${Date.now()}` });
    await c().post(`/v1/lists/${b.body.id}/subscriptions/bulk`, {
      filter: { contact_ids: a.contactIds.slice(0, 3) },
    });
    const r = await newCampaign(a.listId, {
      list_ids: [a.listId, b.body.id],
      filter: { contact_ids: a.contactIds.slice(2) },
    });
    const ready = await loaded(r.id);
    expect(ready.recipient_count).toBe(5);
    const rows = await recipients(r.id);
    expect(new Set(rows.map((x) => x.contact_id)).size).toBe(5);
    // The first of the campaign's lists names the list a recipient came from.
    expect(rows.every((x) => x.list_id === a.listId)).toBe(true);
  });

  it("refuses unknown lists, foreign templates, unknown fields and a campaign without audience", async () => {
    const other = await api(env.app, env.other.admin).post("/v1/templates", {
      name: "Fremd",
      subject: "x",
      text: "y",
    });
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 1 });
    const cases = [
      { name: "x", kind: "email", list_ids: ["list_nope"] },
      { name: "x", kind: "email", list_ids: [a.listId], template_id: other.body.id },
      { name: "x", kind: "email", list_ids: [a.listId], colour: "red" },
      { name: "x", kind: "email" },
      { name: "x", kind: "fax", list_ids: [a.listId] },
    ];
    const before = await env.rt.db
      .selectFrom("campaigns")
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirst();
    for (const body of cases) {
      const r = await c().post("/v1/campaigns", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid");
    }
    const after = await env.rt.db
      .selectFrom("campaigns")
      .select(sql<number>`count(*)::int`.as("n"))
      .executeTakeFirst();
    expect(after?.n).toBe(before?.n);
    const unknown = await c().post("/v1/campaigns", {
      name: "x",
      kind: "email",
      list_ids: [a.listId, "list_nope"],
    });
    expect(unknown.body.error.details).toEqual([
      { path: "list_ids.1", message: "unknown list", code: "unknown_reference", kind: "list" },
    ]);
  });

  it("answers 404 for another workspace's campaign and 403 to a viewer's writes", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 1 });
    const r = await newCampaign(a.listId);
    expect((await api(env.app, env.other.admin).get(`/v1/campaigns/${r.id}`)).status).toBe(404);
    expect((await api(env.app, env.ws.viewer).patch(`/v1/campaigns/${r.id}`, { name: "x" })).status).toBe(
      403,
    );
  });
});

describe("sending", () => {
  it("needs subject, template and sender and lists every missing one (400), changing nothing", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 2 });
    const r = await newCampaign(a.listId);
    await loaded(r.id);
    const s = await c().post(`/v1/campaigns/${r.id}/send`, {});
    expect(s.status).toBe(400);
    expect(s.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      "subject",
      "template_id",
      "from",
    ]);
    expect((await c().get(`/v1/campaigns/${r.id}`)).body.state).toBe("ready");
  });

  it("saves on send, sends every recipient once, completes automatically, and each message has a timeline", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 120 });
    const r = await newCampaign(a.listId);
    await loaded(r.id);
    const s = await c().post(`/v1/campaigns/${r.id}/send`, {
      subject: "Neuigkeiten für {{ contact.first_name }}",
      template_id: templateId,
      from: "info@hundeschule.example",
      from_name: "Hundeschule Pfote",
    });
    expect(s.status, s.text).toBe(202);
    expect(s.body.state).toBe("in_progress");
    expect(s.body.subject).toBe("Neuigkeiten für {{ contact.first_name }}");
    await worker.drain();
    const done = (await c().get(`/v1/campaigns/${r.id}`)).body;
    expect(done.state).toBe("completed_automatic");
    expect(done.progress.counts).toEqual({ sent: 120 });
    const msgs = await env.rt.db
      .selectFrom("messages")
      .select(["id", "to_address", "subject", "status", "send_state", "contact_id"])
      .where("campaign_id", "=", r.id)
      .execute();
    expect(msgs).toHaveLength(120);
    expect(new Set(msgs.map((m) => m.to_address)).size).toBe(120);
    expect(msgs.every((m) => m.status === "sent" && m.send_state === "done")).toBe(true);
    const one = msgs.find((m) => m.to_address === `kunde1@${a.domain}`)!;
    expect(one.subject).toBe("Neuigkeiten für Vorname1");
    const detail = await c().get(`/v1/messages/${one.id}`);
    expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "sent"]);
    // The raw MIME, rendered again from what was stored, parses and carries the one-click headers.
    const raw = await c().get(`/v1/campaigns/${r.id}/messages/${one.id}/raw`);
    expect(raw.status).toBe(200);
    const parsed = await simpleParser(raw.text);
    expect(parsed.subject).toBe("Neuigkeiten für Vorname1");
    expect(raw.text).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(raw.text.replace(/\r\n /g, " ")).toMatch(/^List-Unsubscribe: +<http:\/\/[^>]+\/u\/[^>]+>\r$/m);
    expect(parsed.html).toContain("Sehr geehrter Herr Nachname1,");
    expect(parsed.text).toContain("Neuigkeiten aus der Hundeschule für Vorname1.");
    expect(parsed.messageId).toBe(`<${one.id}@hundeschule.example>`);
    // The message's own raw endpoint shows the same bytes.
    const viaMessages = await c().get(`/v1/messages/${one.id}/raw`);
    expect(viaMessages.status).toBe(200);
    expect(viaMessages.text).toBe(raw.text);
    const sha = await env.rt.db
      .selectFrom("campaign_recipients")
      .select("mime_sha256")
      .where("message_id", "=", one.id)
      .executeTakeFirstOrThrow();
    expect(sha.mime_sha256).toMatch(/^[0-9a-f]{64}$/);
    // Retention purges the content; the merge data it could be rendered again from goes with it.
    await env.rt.db
      .updateTable("messages")
      .set({ body_purged_at: new Date() })
      .where("id", "=", one.id)
      .execute();
    expect(await worker.housekeeping.purgeMerge()).toBe(1);
    expect((await c().get(`/v1/messages/${one.id}/raw`)).status).toBe(404);
    expect((await c().get(`/v1/campaigns/${r.id}/messages/${one.id}/raw`)).status).toBe(404);
  });

  it("refuses every change while in progress (409 with the reason) and every change once completed", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 3 });
    const r = await newCampaign(a.listId, {
      subject: "Hallo",
      template_id: templateId,
      from: "info@example.org",
    });
    await loaded(r.id);
    expect((await c().post(`/v1/campaigns/${r.id}/send`, {})).status).toBe(202);
    const busy = await c().patch(`/v1/campaigns/${r.id}`, { name: "Neu" });
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toMatch(/in progress/);
    expect((await c().post(`/v1/campaigns/${r.id}/complete`, {})).status).toBe(409);
    expect((await c().delete(`/v1/campaigns/${r.id}`)).status).toBe(409);
    await worker.drain();
    const done = (await c().get(`/v1/campaigns/${r.id}`)).body;
    expect(done.state).toBe("completed_automatic");
    expect(done.frozen).toBe(true);
    for (const [method, url, body] of [
      ["PATCH", `/v1/campaigns/${r.id}`, { name: "Neu" }],
      ["POST", `/v1/campaigns/${r.id}/send`, {}],
      ["POST", `/v1/campaigns/${r.id}/complete`, {}],
      ["DELETE", `/v1/campaigns/${r.id}`, undefined],
    ] as const) {
      const x = await c().raw(method, url, body);
      expect(x.status, `${method} ${url}`).toBe(409);
      expect(x.body.error.code).toBe("conflict");
    }
  });

  it("deletes a campaign before sending, and not after", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 2 });
    const r = await newCampaign(a.listId);
    await loaded(r.id);
    expect((await c().delete(`/v1/campaigns/${r.id}`)).status).toBe(200);
    expect((await c().get(`/v1/campaigns/${r.id}`)).status).toBe(404);
  });

  it("reloads the recipients when the lists change before sending", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 2 });
    const b = await seedAudience(env.rt.db, env.ws.id, { count: 4 });
    const r = await newCampaign(a.listId);
    await loaded(r.id);
    const p = await c().patch(`/v1/campaigns/${r.id}`, { list_ids: [b.listId] });
    expect(p.status, p.text).toBe(200);
    expect(p.body.state).toBe("loading_recipients");
    expect((await loaded(r.id)).recipient_count).toBe(4);
  });
});

describe("exclusions", () => {
  it("excludes each recipient with its reason code and sends the rest", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 8 });
    const [noConsent, blocked, unsubscribed, noAddress, bounced, ok] = a.contactIds;
    const db = env.rt.db;
    await c().post(`/v1/contacts/${noConsent}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "withdrawn",
      source: "test",
    });
    await c().post("/v1/blocklist", { address: `kunde2@${a.domain}`, reason: "Kundenwunsch" });
    const r = await newCampaign(a.listId, {
      subject: "Hallo",
      template_id: templateId,
      from: "info@example.org",
    });
    await loaded(r.id);
    // Changes after loading count: exclusions are decided when sending.
    await sql`update subscriptions set status = 'unsubscribed' where contact_id = ${unsubscribed}`.execute(
      db,
    );
    await sql`update contacts set emails = '{}', email_keys = '{}' where id = ${noAddress}`.execute(db);
    const earlier = await c().post("/v1/messages", {
      to: `kunde5@${a.domain}`,
      from: "info@example.org",
      subject: "Alt",
      text: "alt",
    });
    expect(earlier.status, earlier.text).toBe(202);
    await db
      .insertInto("message_events")
      .values({
        id: `evt_${earlier.body.id}`,
        workspace_id: env.ws.id,
        message_id: earlier.body.id,
        at: new Date(),
        type: "hard_bounced",
        source: "inbound_dsn",
      })
      .execute();
    await sql`update messages set status = 'hard_bounced' where id = ${earlier.body.id}`.execute(db);
    expect((await c().post(`/v1/campaigns/${r.id}/send`, {})).status).toBe(202);
    await worker.drain();
    const byContact = new Map((await recipients(r.id)).map((x) => [x.contact_id, x]));
    expect(byContact.get(noConsent)).toMatchObject({ status: "excluded", reason: "no_consent" });
    expect(byContact.get(blocked)).toMatchObject({ status: "excluded", reason: "blocklisted" });
    expect(byContact.get(unsubscribed)).toMatchObject({ status: "excluded", reason: "unsubscribed" });
    expect(byContact.get(noAddress)).toMatchObject({ status: "excluded", reason: "no_address" });
    expect(byContact.get(bounced)).toMatchObject({ status: "excluded", reason: "earlier_hard_bounce" });
    expect(byContact.get(ok)).toMatchObject({ status: "sent", reason: null });
    expect(byContact.get(blocked)?.detail).toMatch(/blocklist.*Kundenwunsch/);
    const done = (await c().get(`/v1/campaigns/${r.id}`)).body;
    expect(done.state).toBe("incomplete_sent");
    expect(done.progress.counts).toEqual({ sent: 3, excluded: 5 });
    const excluded = await recipients(r.id, "excluded");
    expect(excluded).toHaveLength(5);
    // No message was created for an excluded recipient.
    const n = await db
      .selectFrom("messages")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("campaign_id", "=", r.id)
      .executeTakeFirstOrThrow();
    expect(n.n).toBe(3);
  });

  it("does not ask transactional mail for marketing consent", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 3, consent: false });
    const plain = await c().post("/v1/templates", {
      name: `Info ${Date.now()}`,
      subject: "x",
      text: "Ihre Termine, {{ contact.first_name }}",
    });
    const mk = await newCampaign(a.listId, {
      subject: "Hallo",
      template_id: plain.body.id,
      from: "info@example.org",
    });
    const tr = await newCampaign(a.listId, {
      subject: "Hallo",
      template_id: plain.body.id,
      from: "info@example.org",
      purpose: "transactional",
    });
    await loaded(mk.id);
    await loaded(tr.id);
    await c().post(`/v1/campaigns/${mk.id}/send`, {});
    await c().post(`/v1/campaigns/${tr.id}/send`, {});
    await worker.drain();
    expect((await c().get(`/v1/campaigns/${mk.id}`)).body).toMatchObject({
      state: "incomplete_sent",
      progress: { counts: { excluded: 3 } },
    });
    const t = (await c().get(`/v1/campaigns/${tr.id}`)).body;
    expect(t).toMatchObject({ state: "completed_automatic", progress: { counts: { sent: 3 } } });
    // Transactional mail carries no unsubscribe headers.
    const m = await env.rt.db
      .selectFrom("messages")
      .select("id")
      .where("campaign_id", "=", tr.id)
      .executeTakeFirstOrThrow();
    const raw = await c().get(`/v1/campaigns/${tr.id}/messages/${m.id}/raw`);
    expect(raw.text).not.toMatch(/List-Unsubscribe/i);
  });
});

describe("sending again", () => {
  it("reaches only recipients not yet sent; unknown ones only when asked for deliberately", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 6 });
    const [withdrawn, unknownOne] = a.contactIds;
    const db = env.rt.db;
    await c().post(`/v1/contacts/${withdrawn}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "withdrawn",
      source: "test",
    });
    const r = await newCampaign(a.listId, {
      subject: "Hallo",
      template_id: templateId,
      from: "info@example.org",
    });
    await loaded(r.id);
    await c().post(`/v1/campaigns/${r.id}/send`, {});
    await worker.drain();
    // Simulate a crash during one SMTP transaction: that recipient's outcome is unknown.
    await sql`update campaign_recipients set status = 'unknown', reason = 'outcome_unknown' where contact_id = ${unknownOne} and campaign_id = ${r.id}`.execute(
      db,
    );
    expect((await c().get(`/v1/campaigns/${r.id}`)).body.state).toBe("incomplete_sent");
    const messagesBefore = await db
      .selectFrom("messages")
      .select("id")
      .where("campaign_id", "=", r.id)
      .execute();
    expect(messagesBefore).toHaveLength(5);

    // Consent granted now; sending again reaches only the one not sent, not the unknown one.
    await c().post(`/v1/contacts/${withdrawn}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "test",
    });
    expect((await c().post(`/v1/campaigns/${r.id}/send`, {})).status).toBe(202);
    await worker.drain();
    const after1 = await db
      .selectFrom("messages")
      .select(["id", "contact_id"])
      .where("campaign_id", "=", r.id)
      .execute();
    expect(after1).toHaveLength(6);
    expect(after1.filter((m) => m.contact_id === withdrawn)).toHaveLength(1);
    expect(after1.filter((m) => m.contact_id === unknownOne)).toHaveLength(1);
    expect((await c().get(`/v1/campaigns/${r.id}`)).body.progress.counts).toEqual({ sent: 5, unknown: 1 });

    // Deliberately: the unknown one gets a new message that points back at the first.
    expect((await c().post(`/v1/campaigns/${r.id}/send`, { include_unknown: true })).status).toBe(202);
    await worker.drain();
    const again = await db
      .selectFrom("messages")
      .select(["id", "contact_id", "resent_from"])
      .where("contact_id", "=", unknownOne)
      .where("campaign_id", "=", r.id)
      .orderBy("id")
      .execute();
    expect(again).toHaveLength(2);
    expect(again[1].resent_from).toBe(again[0].id);
    const done = (await c().get(`/v1/campaigns/${r.id}`)).body;
    expect(done.state).toBe("completed_automatic");
    expect(done.run_count).toBe(3);
  });

  it("completes an incomplete campaign by hand and freezes it", async () => {
    const a = await seedAudience(env.rt.db, env.ws.id, { count: 2, consent: false });
    const r = await newCampaign(a.listId, {
      subject: "Hallo",
      template_id: templateId,
      from: "info@example.org",
    });
    await loaded(r.id);
    await c().post(`/v1/campaigns/${r.id}/send`, {});
    await worker.drain();
    expect((await c().get(`/v1/campaigns/${r.id}`)).body.state).toBe("incomplete_sent");
    const done = await c().post(`/v1/campaigns/${r.id}/complete`, {});
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: "completed", frozen: true });
    const x = await c().patch(`/v1/campaigns/${r.id}`, { subject: "Neu" });
    expect(x.status).toBe(409);
    expect(x.body.error.message).toMatch(/frozen/);
  });
});
