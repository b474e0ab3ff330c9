// Walks the route table (src/http/routes.ts), so every new route is covered without anyone remembering to:
// - a record of another workspace answers 404 on every route that takes an id, and changes nothing;
// - a viewer key gets 403 on every route that writes;
// - every route that writes leaves an entry in the activity log.
// A new route without a sample request below makes this test fail and say what to add.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logEvent } from "../src/audit/service.js";
import { Housekeeping } from "../src/campaigns/housekeeping.js";
import { createImport } from "../src/contacts/import.js";
import { useDnsResolver } from "../src/domains/dns.js";
import { emitHookEvent } from "../src/hooks/emit.js";
import { encodeCursor } from "../src/http/pagination.js";
import { leastRole } from "../src/http/route.js";
import { allRoutes } from "../src/http/routes.js";
import { systemActor } from "../src/runtime.js";
import { encryptCredentials } from "../src/sync/credentials.js";
import { settled as syncSettled } from "../src/sync/service.js";
import { newId } from "../src/util/ids.js";
import { FakeListmonk, linkListToTool } from "./fakes/listmonk.js";
import { type FakeMailchimp, startFakeMailchimp } from "./fakes/mailchimp.js";
import { api, createTestEnv, type TestEnv } from "./harness.js";

type Ids = Record<string, string>;

let env: TestEnv;
// List sync routes talk to an e-mail tool: the Mailchimp contract fake on loopback stands in for it.
let mailchimp: FakeMailchimp;
beforeAll(async () => {
  env = await createTestEnv();
  mailchimp = await startFakeMailchimp();
  // Sender-domain checks must not ask the real DNS here.
  useDnsResolver(env.rt, { resolveTxt: async () => [], resolveMx: async () => [] });
});
afterAll(async () => {
  await syncSettled();
  await mailchimp?.close();
  await env?.close();
});

/** Creates one record of every kind in a workspace; returns their ids keyed by the URL segment
 * that precedes the id in a route (`/v1/contacts/:id` → ids.contacts). */
async function seed(workspaceId: string, adminKey: string): Promise<Ids> {
  const c = api(env.app, adminKey);
  const must = async (
    p: Promise<{ status: number; body: { id?: string } & Record<string, unknown> }>,
    what: string,
  ) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`seeding ${what} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must(c.patch("/v1/workspace", { settings: { default_from: "kalender@example.org" } }), "settings");
  const contact = await must(
    c.post("/v1/contacts", {
      first_name: "Erika",
      last_name: "Muster",
      emails: [`erika.${newId("x")}@example.org`],
    }),
    "contact",
  );
  const list = await must(c.post("/v1/lists", { name: `Newsletter ${newId("x")}` }), "list");
  const sub = await must(
    c.post(`/v1/lists/${list.id}/subscriptions`, { contact_id: contact.id }),
    "subscription",
  );
  const block = await must(
    c.post("/v1/blocklist", { address: `blocked.${newId("x")}@example.org`, reason: "test" }),
    "block",
  );
  const template = await must(
    c.post("/v1/templates", {
      name: `T ${newId("x")}`,
      subject: "Hallo",
      html: "<p>{{ contact.first_name }}</p>",
    }),
    "template",
  );
  const transport = await must(
    c.post("/v1/transports", { name: `cap-${newId("x")}`, kind: "capture" }),
    "transport",
  );
  const message = await must(
    c.post("/v1/messages", { to: "kunde@example.org", subject: "Termin", text: "Hallo" }),
    "message",
  );
  const key = await must(c.post("/v1/api-keys", { role: "viewer" }), "api key");
  // Inserted directly: hashing a password (argon2id) per seed would slow this walk down.
  const user = await env.rt.db
    .insertInto("users")
    .values({
      id: newId("usr"),
      workspace_id: workspaceId,
      email: `kollegin.${newId("x").toLowerCase()}@example.org`,
      role: "viewer",
      password_hash: "$argon2id$v=19$m=19456,t=2,p=1$not-used",
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const campaign = await must(
    c.post("/v1/campaigns", { name: `Serie ${newId("x")}`, kind: "email", list_ids: [list.id] }),
    "campaign",
  );
  const mailbox = await must(
    c.post("/v1/inbound-mailboxes", {
      name: `Bounces ${newId("x")}`,
      host: "127.0.0.1",
      port: 143,
      tls: false,
      user: "bounces",
      password: "geheim",
      purpose: "bounce",
    }),
    "inbound mailbox",
  );
  // Inserted directly: generating an RSA key per seed would slow this walk down.
  const senderDomainId = newId("dom");
  await env.rt.db
    .insertInto("sender_domains")
    .values({
      id: senderDomainId,
      workspace_id: workspaceId,
      domain: `d${newId("x").slice(2)}.example`,
      dkim_selector: "ps202611",
      dkim_private_key: "-----BEGIN PRIVATE KEY-----\nnot used\n-----END PRIVATE KEY-----",
      dkim_public_key: "AAAA",
      created_at: new Date(),
      updated_at: new Date(),
    })
    .execute();
  const hookEndpoint = await must(
    c.post("/v1/webhook-endpoints", { url: "http://127.0.0.1:9/hooks", events: ["message.bounced"] }),
    "webhook endpoint",
  );
  await emitHookEvent(env.rt.db, workspaceId, "message.bounced", { seeded: true });
  const hookDelivery = await env.rt.db
    .selectFrom("webhook_deliveries")
    .select("id")
    .where("endpoint_id", "=", hookEndpoint.id as string)
    .executeTakeFirstOrThrow();
  const inboundId = newId("inb");
  await env.rt.db
    .insertInto("inbound_messages")
    .values({
      id: inboundId,
      workspace_id: workspaceId,
      received_at: new Date(),
      source: "imap",
      envelope: "{}",
      raw: Buffer.from("Subject: x\r\n\r\nx"),
      raw_size: 14,
      fingerprint: inboundId,
    })
    .execute();
  const importId = newId("imp");
  await env.rt.db
    .insertInto("imports")
    .values({
      id: importId,
      workspace_id: workspaceId,
      status: "completed",
      dry_run: true,
      created_at: new Date(),
    })
    .execute();
  const mailing = await must(c.post("/v1/mailings", { list_id: list.id }), "mailing");
  // Inserted directly (no call to the tool): the walk seeds once per write route.
  const toolId = newId("etc");
  const linkId = newId("lnk");
  const audience = mailchimp.addList(`Audience ${newId("x")}`);
  await env.rt.db
    .insertInto("email_tool_connections")
    .values({
      id: toolId,
      workspace_id: workspaceId,
      name: `Mailchimp ${toolId}`,
      tool: "mailchimp",
      base_url: mailchimp.url,
      credentials_enc: encryptCredentials(env.rt.secret, { kind: "mailchimp", api_key: mailchimp.apiKey }),
      credentials_hint: "API key …us21",
      account: "seed",
      created_at: new Date(),
      created_by: "seed",
      updated_at: new Date(),
    })
    .execute();
  await env.rt.db
    .insertInto("list_links")
    .values({
      id: linkId,
      workspace_id: workspaceId,
      list_id: list.id as string,
      connection_id: toolId,
      remote_list_id: audience.id,
      remote_list_name: audience.name,
      how: "attached",
      settings: "{}",
      created_at: new Date(),
      created_by: "seed",
      updated_at: new Date(),
    })
    .execute();
  const syncRunId = newId("syr");
  await env.rt.db
    .insertInto("sync_runs")
    .values({
      id: syncRunId,
      workspace_id: workspaceId,
      list_id: list.id as string,
      link_id: (
        await env.rt.db
          .selectFrom("list_links")
          .select("id")
          .where("list_id", "=", list.id as string)
          .executeTakeFirstOrThrow()
      ).id,
      kind: "fetch",
      status: "done",
      trigger: "user",
      triggered_by: "seed",
      counts: "{}",
      error: null,
      total: 0,
      lease_owner: null,
      lease_until: null,
      created_at: new Date(),
      started_at: new Date(),
      finished_at: new Date(),
    })
    .execute();
  const evId = await logEvent(env.rt.db, {
    workspaceId,
    severity: "warning",
    process: "test",
    trigger: "process",
    detail: "seeded",
  }).then(async () => {
    const r = await env.rt.db
      .selectFrom("event_log")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    return r.id;
  });
  return {
    contacts: contact.id as string,
    lists: list.id as string,
    subscriptions: sub.id as string,
    blocklist: block.id as string,
    templates: template.id as string,
    transports: transport.id as string,
    messages: message.id as string,
    campaigns: campaign.id as string,
    "api-keys": key.id as string,
    users: user.id as string,
    imports: importId,
    "inbound-mailboxes": mailbox.id as string,
    inbound: inboundId,
    "event-log": evId,
    "sender-domains": senderDomainId,
    "webhook-endpoints": hookEndpoint.id as string,
    "webhook-deliveries": hookDelivery.id,
    mailings: mailing.id as string,
    workspaces: workspaceId,
    "email-tools": toolId,
    runs: syncRunId,
    members: sub.id as string,
    remote_list: audience.id,
  };
}

/** Valid bodies for every route that writes, given the ids of the acting workspace. */
const samples: Record<string, (ids: Ids) => unknown> = {
  "PATCH /v1/workspace": () => ({ settings: { retention_days: 30 } }),
  "POST /v1/api-keys": () => ({ role: "editor" }),
  "DELETE /v1/api-keys/:id": () => undefined,
  "POST /v1/activities": () => ({ action: "created", kind: "booking", record_id: "b1" }),
  "PATCH /v1/event-log/:id": () => ({ checked: true }),
  "POST /v1/lists": () => ({ name: `Liste ${newId("x")}` }),
  "POST /v1/mailings": (ids) => ({ list_id: ids.lists }),
  "POST /v1/lists/:id/webhook": () => undefined,
  "DELETE /v1/lists/:id/webhook": () => undefined,
  "PATCH /v1/mailings/:id": () => ({ name: "Mai-Aussendung" }),
  "DELETE /v1/mailings/:id": () => undefined,
  "POST /v1/mailings/:id/fetch": () => ({ statistics: true, bounces: true }),
  "PATCH /v1/lists/:id": () => ({ description: "geändert" }),
  "DELETE /v1/lists/:id": () => undefined,
  "POST /v1/lists/:id/subscriptions": () => ({ contact_id: "__new_contact__" }),
  "POST /v1/lists/:id/subscriptions/bulk": (ids) => ({
    filter: { contact_ids: ["__new_contact__", ids.contacts] },
  }),
  "PATCH /v1/lists/:id/subscriptions/:sub_id": () => ({ status: "unsubscribed" }),
  "DELETE /v1/lists/:id/subscriptions/:sub_id": () => undefined,
  "POST /v1/lists/:id/signups": () => ({
    email: `anmeldung.${newId("x")}@example.org`,
    consent_wording: "Ja, ich möchte den Newsletter per E-Mail erhalten.",
  }),
  "POST /v1/blocklist": () => ({ address: `b.${newId("x")}@example.org`, reason: "Kundenwunsch" }),
  "DELETE /v1/blocklist/:id": () => undefined,
  "POST /v1/templates": () => ({
    name: `T ${newId("x")}`,
    subject: "Hallo",
    text: "Hallo {{ contact.first_name }}",
  }),
  "PATCH /v1/templates/:id": () => ({ subject: "Neu" }),
  "DELETE /v1/templates/:id": () => undefined,
  "POST /v1/templates/:id/preview": () => ({}),
  "POST /v1/templates/preview": () => ({ subject: "Hallo {{ contact.first_name }}", text: "Text" }),
  "POST /v1/templates/:id/test-send": () => ({ to: "test@example.org" }),
  "POST /v1/contacts": () => ({
    first_name: "Max",
    last_name: "Mustermann",
    emails: [`max.${newId("x")}@example.org`],
  }),
  "PATCH /v1/contacts/:id": () => ({ title: "Dr." }),
  "DELETE /v1/contacts/:id": () => undefined,
  "POST /v1/contacts/:id/consents": () => ({
    channel: "email",
    purpose: "marketing",
    status: "granted",
    source: "test",
  }),
  "POST /v1/contacts/:id/erase": () => ({}),
  "POST /v1/messages": () => ({ to: "kunde@example.org", subject: "Rechnung", text: "Anbei" }),
  "POST /v1/messages/batch": () => ({ messages: [{ to: "kunde@example.org", subject: "A", text: "a" }] }),
  "POST /v1/messages/:id/resend": () => ({}),
  "POST /v1/transports": () => ({ name: `cap-${newId("x")}`, kind: "capture" }),
  "POST /v1/campaigns": (ids) => ({ name: `Serie ${newId("x")}`, kind: "email", list_ids: [ids.lists] }),
  "PATCH /v1/campaigns/:id": () => ({ name: `Serie ${newId("x")}` }),
  "DELETE /v1/campaigns/:id": () => undefined,
  "POST /v1/campaigns/:id/send": (ids) => ({
    subject: "Neuigkeiten",
    template_id: ids.templates,
    from: "info@example.org",
  }),
  "POST /v1/campaigns/:id/complete": () => ({}),
  "POST /v1/campaigns/:id/generate": () => ({ format: "labels", sort: "name" }),
  "PATCH /v1/transports/:id": () => ({ name: `renamed-${newId("x")}` }),
  "DELETE /v1/transports/:id": () => undefined,
  "PUT /v1/error-registry/:code": () => ({ remedy: { de: "Bitte anrufen.", en: "Please call." } }),
  "DELETE /v1/error-registry/:code": () => undefined,
  "POST /v1/imports": () => "__multipart__",
  "POST /v1/imports/:id/resume": () => undefined,
  "POST /v1/inbound-mailboxes": () => ({
    name: `Archiv ${newId("x")}`,
    host: "127.0.0.1",
    port: 143,
    tls: false,
    user: "archiv",
    password: "geheim",
    purpose: "archive",
  }),
  "PATCH /v1/inbound-mailboxes/:id": () => ({ poll_seconds: 120 }),
  "DELETE /v1/inbound-mailboxes/:id": () => undefined,
  "POST /v1/sender-domains": () => ({ domain: `n${newId("x").slice(2)}.example` }),
  "POST /v1/sender-domains/:id/verify": () => undefined,
  "PATCH /v1/sender-domains/:id": () => ({ rate_limit: 1000, rate_window_seconds: 3600 }),
  "DELETE /v1/sender-domains/:id": () => undefined,
  "POST /v1/webhook-endpoints": () => ({ url: "https://crm.example/hooks", events: ["consent.changed"] }),
  "PATCH /v1/webhook-endpoints/:id": () => ({ enabled: false }),
  "DELETE /v1/webhook-endpoints/:id": () => undefined,
  "POST /v1/webhook-deliveries/:id/replay": () => undefined,
  "POST /v1/users": () => ({ email: `neu.${newId("x").toLowerCase()}@example.org`, role: "editor" }),
  "PATCH /v1/users/:id": () => ({ role: "editor", language: "en" }),
  "DELETE /v1/users/:id": () => undefined,
  "POST /v1/email-tools": () => ({
    name: `Mailchimp ${newId("x")}`,
    tool: "mailchimp",
    base_url: mailchimp.url,
    credentials: { api_key: mailchimp.apiKey },
  }),
  "PATCH /v1/email-tools/:id": () => ({ name: `Mailchimp ${newId("x")}` }),
  "DELETE /v1/email-tools/:id": () => undefined,
  "POST /v1/lists/:id/link": (ids) => ({
    mode: "attach",
    connection_id: ids["email-tools"],
    remote_list_id: ids.remote_list,
  }),
  "PATCH /v1/lists/:id/link": () => ({ fetch_every_minutes: 60 }),
  "POST /v1/lists/:id/link/detach": () => ({ confirm: true }),
  "PUT /v1/lists/:id/link/remote": (ids) => ({
    remote_list_id: ids.remote_list,
    how: "chosen",
    confirm: true,
  }),
  "POST /v1/lists/:id/sync/fetch": () => ({ confirm: true }),
  "POST /v1/lists/:id/sync/transmit": () => ({ confirm: true }),
  "PUT /v1/lists/:id/sync/members/:subscriptionId/task": () => ({ task: "transmit" }),
  "POST /v1/lists/:id/sync/mark-for-transmission": () => ({}),
};

/** State a route needs before it may act (no worker runs in this test). */
async function loadAllRecipients() {
  const hk = new Housekeeping(env.rt, "route-walk");
  while ((await hk.loadRecipients()) > 0) {}
}

const setCampaign = (ids: Ids, set: { state: string; kind?: "email" | "letter" }) =>
  env.rt.db.updateTable("campaigns").set(set).where("id", "=", ids.campaigns).execute();

/** A listmonk fake for routes that talk to a linked tool (started on first use, stopped after the walk). */
let listmonk: { fake: FakeListmonk; base: string } | undefined;
const unlink = (ids: Ids) => env.rt.db.deleteFrom("list_links").where("list_id", "=", ids.lists).execute();

async function linkToListmonk(ids: Ids) {
  await unlink(ids); // seed() linked the list to the Mailchimp fake
  if (!listmonk) {
    const fake = new FakeListmonk();
    listmonk = { fake, base: await fake.start() };
  }
  const { fake, base } = listmonk;
  const remote = fake.addList({ name: `Remote ${newId("x")}` });
  const ws = await env.rt.db
    .selectFrom("lists")
    .select("workspace_id")
    .where("id", "=", ids.lists)
    .executeTakeFirstOrThrow();
  await linkListToTool(env.rt.db, env.rt.secret, {
    workspaceId: ws.workspace_id,
    listId: ids.lists,
    remoteListId: String(remote.id),
    baseUrl: base,
    credentials: { kind: "listmonk", username: fake.user, token: fake.token },
  });
  return { fake, remote };
}
afterAll(() => listmonk?.fake.close());

async function linkToMailchimp(ids: Ids) {
  await unlink(ids); // a link of its own, whatever seed() linked
  const ws = await env.rt.db
    .selectFrom("lists")
    .select("workspace_id")
    .where("id", "=", ids.lists)
    .executeTakeFirstOrThrow();
  await linkListToTool(env.rt.db, env.rt.secret, {
    workspaceId: ws.workspace_id,
    listId: ids.lists,
    remoteListId: "a1b2c3d4e5",
    baseUrl: "http://127.0.0.1:9",
    credentials: { kind: "mailchimp", api_key: "0123456789abcdef-us1" },
  });
}

const prepare: Record<string, (ids: Ids) => Promise<unknown>> = {
  // Resuming needs an import whose process died mid-file, with its file kept.
  "POST /v1/imports/:id/resume": async (ids) => {
    const file = path.join(os.tmpdir(), `route-walk-${newId("x")}.csv`);
    fs.writeFileSync(file, "E-Mail;Vorname\nresume@example.org;Rosa\n");
    const ws = await env.rt.db
      .selectFrom("imports")
      .select("workspace_id")
      .where("id", "=", ids.imports)
      .executeTakeFirstOrThrow();
    const probe = await createImport(
      { rt: env.rt, workspaceId: ws.workspace_id, actor: systemActor("route-walk") },
      { filePath: file, filename: "resume.csv", dryRun: false, onDuplicate: "skip" },
    );
    await env.rt.db
      .updateTable("imports")
      .set({
        status: "running",
        options: JSON.stringify(probe.options),
        lease_until: new Date(Date.now() - 60_000),
      })
      .where("id", "=", ids.imports)
      .execute();
  },
  // Fetching needs the list linked to a tool and the mailing assigned to the tool's mailing.
  "POST /v1/mailings/:id/fetch": async (ids) => {
    const { fake, remote } = await linkToListmonk(ids);
    const campaign = fake.addCampaign({ name: "Mai", list_ids: [remote.id], sent: 1 });
    await env.rt.db
      .updateTable("mailings")
      .set({ remote_mailing_id: String(campaign.id) })
      .where("id", "=", ids.mailings)
      .execute();
  },
  // Live changes need a list linked to Mailchimp; deleting the URL needs one created.
  "POST /v1/lists/:id/webhook": (ids) => linkToMailchimp(ids),
  "DELETE /v1/lists/:id/webhook": async (ids) => {
    await linkToMailchimp(ids);
    await api(env.app, env.ws.admin).post(`/v1/lists/${ids.lists}/webhook`);
  },
  // A mailing with recipients asks for ?confirm=true first; one without is deleted at once.
  "DELETE /v1/mailings/:id": async (ids) => {
    await env.rt.db.deleteFrom("mailing_recipients").where("mailing_id", "=", ids.mailings).execute();
    await env.rt.db
      .updateTable("mailings")
      .set({ recipient_count: 0 })
      .where("id", "=", ids.mailings)
      .execute();
  },
  // The seeded list is linked to Mailchimp: linking needs it unlinked, deleting the connection needs no list on it.
  "POST /v1/lists/:id/link": unlink,
  "DELETE /v1/email-tools/:id": unlink,
  // A linked list asks for ?confirm=true first (seed 003 §8.3: the tool's list stays); an unlinked one goes at once.
  "DELETE /v1/lists/:id": unlink,
  // A transmit needs a decided task.
  "POST /v1/lists/:id/sync/transmit": (ids) =>
    env.rt.db
      .insertInto("subscription_sync")
      .values({
        subscription_id: ids.members,
        workspace_id: env.ws.id,
        list_id: ids.lists,
        task: "transmit",
        updated_at: new Date(),
      })
      .execute(),
  // Sending and generating need loaded recipients (no worker runs here: load them now).
  "POST /v1/campaigns/:id/send": () => loadAllRecipients(),
  "POST /v1/campaigns/:id/generate": async (ids) => {
    await loadAllRecipients();
    await setCampaign(ids, { state: "ready", kind: "letter" });
  },
  "POST /v1/campaigns/:id/complete": (ids) => setCampaign(ids, { state: "incomplete_sent" }),
  // Resend is for messages whose outcome is known; a crash mid-transaction leaves 'unknown'.
  "POST /v1/messages/:id/resend": (ids) =>
    env.rt.db.updateTable("messages").set({ send_state: "unknown" }).where("id", "=", ids.messages).execute(),
};

/** Routes that write but whose effect is not a record change (read-only POSTs). */
const readOnlyWrites = new Set(["POST /v1/templates/:id/preview", "POST /v1/templates/preview"]);
/** Routes whose path parameter is not a record of a workspace (a code shared by all workspaces). */
const notRecordIds = new Set([
  "GET /v1/error-registry/:code",
  "PUT /v1/error-registry/:code",
  "DELETE /v1/error-registry/:code",
]);

const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

function fillUrl(url: string, ids: Ids): string {
  const parts = url.split("/");
  return parts
    .map((p, i) => {
      if (!p.startsWith(":")) return p;
      if (p === ":code") return "userunknown";
      const owner = p === ":sub_id" ? "subscriptions" : p === ":key_id" ? "api-keys" : parts[i - 1];
      const id = ids[owner];
      if (!id) throw new Error(`route-walk: no seeded record for '${owner}' in ${url}; add one to seed()`);
      return id;
    })
    .join("/");
}

function multipart(csv: string) {
  const boundary = "----poststelle-test";
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\ntrue\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="k.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n` +
    `--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function send(key: string, method: string, url: string, sample: unknown, ids: Ids) {
  const c = api(env.app, key);
  if (sample === "__multipart__") {
    const m = multipart("Vorname;Nachname;E-Mail\nMax;Muster;max@example.org\n");
    return c.raw(method, url, m.body, { "content-type": m.contentType });
  }
  let body = sample;
  if (body && JSON.stringify(body).includes("__new_contact__")) {
    const nc = await api(env.app, key).post("/v1/contacts", {
      first_name: "Neu",
      emails: [`neu.${newId("x")}@example.org`],
    });
    body = JSON.parse(JSON.stringify(body).replaceAll("__new_contact__", nc.body.id ?? ids.contacts));
  }
  return body === undefined ? c.raw(method, url) : c.raw(method, url, body as object);
}

const countActivities = async () =>
  Number((await sql<{ n: number }>`select count(*)::int as n from activities`.execute(env.rt.db)).rows[0].n);

const writeRoutes = () => allRoutes().filter((r) => r.method !== "GET" && r.auth === "workspace");

describe("the route table", () => {
  it("has a sample request for every route that writes", () => {
    const missing = writeRoutes()
      .map(keyOf)
      .filter((k) => !samples[k]);
    expect(missing, `add these routes to 'samples' in test/route-walk.test.ts`).toEqual([]);
  });

  it("answers 404 for another workspace's ids on every route and changes nothing there", async () => {
    const foreign = await seed(env.other.id, env.other.admin);
    const foreignActivities = async () =>
      (
        await env.rt.db
          .selectFrom("activities")
          .select("id")
          .where("workspace_id", "=", env.other.id)
          .execute()
      ).length;
    const before = await foreignActivities();
    const failures: string[] = [];
    for (const r of allRoutes().filter((r) => r.auth === "workspace" && r.url.includes(":"))) {
      if (notRecordIds.has(keyOf(r))) continue;
      const sample = samples[keyOf(r)]?.(foreign);
      const res = await send(env.ws.admin, r.method, fillUrl(r.url, foreign), sample, foreign);
      if (res.status !== 404 || res.body?.error?.code !== "not_found")
        failures.push(`${keyOf(r)} → ${res.status}`);
    }
    expect(failures).toEqual([]);
    // Nothing attempted from workspace A changed workspace B.
    expect(await foreignActivities()).toBe(before);
  });

  it("refuses every write by a viewer key with 403", async () => {
    const ids = await seed(env.ws.id, env.ws.admin);
    const failures: string[] = [];
    for (const r of writeRoutes()) {
      if (leastRole(r) === "viewer") continue;
      const res = await send(env.ws.viewer, r.method, fillUrl(r.url, ids), samples[keyOf(r)]?.(ids), ids);
      if (res.status !== 403 || res.body?.error?.code !== "forbidden")
        failures.push(`${keyOf(r)} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it("answers bad bodies on every route that takes one with 400 and the error shape, and writes nothing", async () => {
    const ids = await seed(env.ws.id, env.ws.admin);
    const failures: string[] = [];
    // A field-level 400 from the schema names each issue's path, message and zod's code (DESIGN §9).
    type Detail = { path?: unknown; message?: unknown; code?: unknown; keys?: unknown };
    const fieldDetails = (e: { details?: unknown }): string | null => {
      const ds = e.details as Detail[];
      if (!Array.isArray(ds) || ds.length === 0) return "no details";
      const bad = ds.find(
        (d) => typeof d.path !== "string" || typeof d.message !== "string" || typeof d.code !== "string",
      );
      return bad ? `a detail without path, message and code: ${JSON.stringify(bad)}` : null;
    };
    const unknownKey = (e: { details?: unknown }): string | null => {
      const wrong = fieldDetails(e);
      if (wrong) return wrong;
      const d = (e.details as Detail[]).find((x) => x.code === "unrecognized_keys");
      return Array.isArray(d?.keys) && d.keys.includes("zz_unknown")
        ? null
        : `no unrecognized_keys detail naming zz_unknown: ${JSON.stringify(e.details)}`;
    };
    const expect400 = async (
      k: string,
      what: string,
      method: string,
      url: string,
      body: string,
      check?: (e: { details?: unknown }) => string | null,
    ) => {
      const before = await countActivities();
      const res = await api(env.app, env.ws.admin).raw(method, url, body, {
        "content-type": "application/json",
      });
      const e = res.body?.error;
      if (res.status !== 400 || typeof e?.code !== "string" || typeof e?.message !== "string" || !e.message)
        failures.push(`${k} with ${what} → ${res.status} ${res.text.slice(0, 160)}`);
      else if ((await countActivities()) !== before) failures.push(`${k} with ${what} wrote an activity`);
      else {
        const wrong = check?.(e);
        if (wrong) failures.push(`${k} with ${what}: ${wrong}`);
      }
    };
    for (const r of writeRoutes()) {
      const k = keyOf(r);
      const sample = samples[k]?.(ids);
      const url = fillUrl(r.url, ids);
      if (!r.query) {
        // A write route that takes no query string refuses one (before session 17 it acted, ignoring it).
        const before = await countActivities();
        const c = api(env.app, env.ws.admin);
        let res: Awaited<ReturnType<typeof c.raw>>;
        if (sample === "__multipart__") {
          const m = multipart("Vorname;Nachname;E-Mail\nMax;Muster;max@example.org\n");
          res = await c.raw(r.method, `${url}?zz_unknown=1`, m.body, { "content-type": m.contentType });
        } else {
          const body =
            sample === undefined
              ? undefined
              : JSON.parse(JSON.stringify(sample).replaceAll("__new_contact__", ids.contacts));
          res = await c.raw(r.method, `${url}?zz_unknown=1`, body);
        }
        if (res.status !== 400 || !/takes no query parameters/.test(res.body?.error?.message ?? ""))
          failures.push(`${k} with an unknown query parameter → ${res.status} ${res.text.slice(0, 160)}`);
        else if ((await countActivities()) !== before) failures.push(`${k} with a query wrote an activity`);
      }
      if (sample === undefined) {
        // A route that takes no body refuses one rather than ignore what the caller meant by it.
        await expect400(k, "a body it does not take", r.method, url, '{"zz_unknown":1}');
        continue;
      }
      // Beyond that, only routes whose body is a JSON object (not a file upload).
      if (typeof sample !== "object" || Array.isArray(sample)) continue;
      await expect400(k, "malformed JSON", r.method, url, '{"a":');
      await expect400(k, "an array for a body", r.method, url, "[]");
      await expect400(
        k,
        "an unknown field",
        r.method,
        url,
        JSON.stringify({ ...sample, zz_unknown: 1 }),
        unknownKey,
      );
      // Each field of the valid sample given a value of another JSON type (a nested object's fields too).
      const wrongFor = (v: unknown): unknown =>
        typeof v === "string" ? 12345 : typeof v === "number" || typeof v === "boolean" ? [] : "x";
      const fieldPaths: string[][] = [];
      for (const [f, v] of Object.entries(sample as Record<string, unknown>)) {
        fieldPaths.push([f]);
        if (v && typeof v === "object" && !Array.isArray(v))
          for (const g of Object.keys(v as object)) fieldPaths.push([f, g]);
      }
      for (const p of fieldPaths) {
        const body = structuredClone(sample) as Record<string, Record<string, unknown>>;
        if (p.length === 1) (body as Record<string, unknown>)[p[0]] = wrongFor(body[p[0]]);
        else body[p[0]][p[1]] = wrongFor(body[p[0]][p[1]]);
        await expect400(
          k,
          `${p.join(".")} of the wrong type`,
          r.method,
          url,
          JSON.stringify(body),
          fieldDetails,
        );
      }
      // Each text field holding what the database cannot store: U+0000, and half a surrogate pair (sent as
      // JSON escapes). Before session 17 these reached PostgreSQL and failed with a 500.
      for (const p of fieldPaths) {
        for (const [what, bad] of [
          ["a NUL", "a\u0000b"],
          ["a lone surrogate", "a\ud800b"],
        ]) {
          const body = structuredClone(sample) as Record<string, Record<string, unknown>>;
          const at = p.length === 1 ? (body as Record<string, unknown>) : body[p[0]];
          if (typeof at[p[p.length - 1]] !== "string") continue;
          at[p[p.length - 1]] = bad;
          await expect400(k, `${what} in ${p.join(".")}`, r.method, url, JSON.stringify(body));
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it("answers a NUL or a lone surrogate in an id, a query parameter or a key of a body, and JSON nested too deep, with a 4xx, never a 500", async () => {
    const ids = await seed(env.ws.id, env.ws.admin);
    const c = api(env.app, env.ws.admin);
    const failures: string[] = [];
    const check = (
      what: string,
      res: { status: number; text: string; body?: { error?: { message?: string } } },
    ) => {
      if (res.status < 400 || res.status >= 500 || !res.body?.error?.message)
        failures.push(`${what} → ${res.status} ${res.text.slice(0, 160)}`);
    };
    for (const r of allRoutes().filter((r) => r.auth === "workspace")) {
      const k = keyOf(r);
      if (r.url.includes(":")) {
        // Every id of the path replaced by one with a NUL in it.
        const url = r.url.replace(/:[a-zA-Z_]+/g, "x%00y");
        check(`${k} with a NUL in an id`, await c.raw(r.method, url, samples[k]?.(ids) as object));
      }
      if (r.method !== "GET" || !r.query || notRecordIds.has(k)) continue;
      const shape = (r.query as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      for (const name of Object.keys(shape)) {
        if (name === "limit" || name === "cursor") continue;
        const url = `${fillUrl(r.url, ids)}?${name}=a%00b`;
        const res = await c.get(url);
        if (res.status !== 400)
          failures.push(`${k} with a NUL in ${name} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    // A key of a free-form object (custom fields, merge data) is stored as well as its value. What these
    // requests would have written is counted (not all activities: a sync an earlier walk started may still log).
    const written = async () =>
      (
        await sql<{ n: number }>`select
            (select count(*) from contacts where first_name = 'Nul')
          + (select count(*) from messages where subject = 'Nul')
          + (select count(*) from activities where kind = 'booking' and record_id = 'nul')::int as n`.execute(
          env.rt.db,
        )
      ).rows[0].n;
    const before = await written();
    for (const [url, body] of [
      ["/v1/contacts", '{"first_name":"Nul","custom_fields":{"a\\u0000b":"x"}}'],
      ["/v1/messages", '{"to":"kunde@example.org","subject":"Nul","text":"t","data":{"\\udc00":"x"}}'],
      ["/v1/activities", '{"action":"created","kind":"booking","record_id":"nul","changes":{"a\\u0000":1}}'],
    ] as const) {
      const res = await c.raw("POST", url, body, { "content-type": "application/json" });
      const character = url === "/v1/messages" ? "U+DC00" : "U+0000";
      if (
        res.status !== 400 ||
        !res.body.error.details?.some(
          (d: { code?: string; character?: string }) =>
            d.code === "unstorable_text" && d.character === character,
        )
      )
        failures.push(`POST ${url} with a bad key → ${res.status} ${res.text.slice(0, 160)}`);
    }
    // Free-form JSON nested thousands deep (valid JSON) overflowed the stack of zod or JSON.stringify: 500.
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    for (const [url, body] of [
      ["/v1/contacts", `{"first_name":"Nul","custom_fields":{"a":${deep(5000)}}}`],
      ["/v1/messages", `{"to":"kunde@example.org","subject":"Nul","text":"t","data":{"a":${deep(5000)}}}`],
      [
        "/v1/messages/batch",
        `{"messages":[{"to":"k@example.org","subject":"Nul","text":"t","data":{"a":${deep(200)}}}]}`,
      ],
      [
        "/v1/activities",
        `{"action":"created","kind":"booking","record_id":"nul","data":{"a":${deep(50000)}}}`,
      ],
    ] as const) {
      const res = await c.raw("POST", url, body, { "content-type": "application/json" });
      if (
        res.status !== 400 ||
        !/nests deeper than 100 levels/.test(res.body?.error?.message ?? "") ||
        !res.body.error.details?.some(
          (d: { code?: string; maximum?: number }) => d.code === "too_deep" && d.maximum === 100,
        )
      )
        failures.push(`POST ${url} nested deep → ${res.status} ${res.text.slice(0, 160)}`);
    }
    // … while 100 levels are taken.
    const ok = await c.raw(
      "POST",
      "/v1/contacts",
      `{"first_name":"Tief","custom_fields":{"a":${deep(98)}}}`,
      {
        "content-type": "application/json",
      },
    );
    if (ok.status !== 201)
      failures.push(`POST /v1/contacts nested 100 deep → ${ok.status} ${ok.text.slice(0, 160)}`);
    expect(await written()).toBe(before);
    expect(failures).toEqual([]);
  }, 300_000);

  it("answers bad query strings on every route that reads with 400 and the error shape", async () => {
    const ids = await seed(env.ws.id, env.ws.admin);
    const c = api(env.app, env.ws.admin);
    const forged = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const failures: string[] = [];
    for (const r of allRoutes().filter((r) => r.method === "GET" && r.auth === "workspace" && r.query)) {
      const k = keyOf(r);
      if (notRecordIds.has(k)) continue;
      const url = fillUrl(r.url, ids);
      const shape = (r.query as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      const bad: [string, string][] = [["an unknown parameter", "zz_unknown=1"]];
      if ("limit" in shape) bad.push(["limit=abc", "limit=abc"], ["limit=0", "limit=0"]);
      // Times the database cannot hold: year 0 and year 10,000 in UTC (a 500 before session 17).
      for (const t of ["since", "until"].filter((t) => t in shape))
        bad.push(
          [`${t} in year 0`, `${t}=0001-01-01T00:00:00%2B14:00`],
          [`${t} in year 10000`, `${t}=9999-12-31T23:59:59-14:00`],
        );
      if ("cursor" in shape)
        bad.push(
          ["a cursor that is not base64 JSON", "cursor=%25%25garbage"],
          // Well-formed but not a key this server made: values of the wrong type for any sort key.
          ["a forged cursor", `cursor=${forged(["kein-datum", { a: 1 }, [2], true])}`],
          ["a forged short cursor", `cursor=${forged([])}`],
          ["an empty cursor", `cursor=${encodeCursor([])}`],
        );
      if ("cursor" in shape) {
        // Issued by this server, but for another route's sort key (values of the wrong types): not bound to
        // a route, so it may start the page anywhere — but it must never break the request.
        const res = await c.get(`${url}?cursor=${encodeCursor(["kein-datum", { a: 1 }, [2], true])}`);
        if (res.status >= 500) failures.push(`${k} with another route's cursor → ${res.status} ${res.text}`);
      }
      for (const [what, q] of bad) {
        const res = await c.get(`${url}?${q}`);
        const e = res.body?.error;
        if (res.status !== 400 || typeof e?.code !== "string" || typeof e?.message !== "string")
          failures.push(`${k} with ${what} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it("refuses a query parameter a reading route does not take, with a 400 naming it", async () => {
    const failures: string[] = [];
    let walked = 0;
    for (const r of allRoutes().filter((r) => r.method === "GET" && r.auth !== "public")) {
      const k = keyOf(r);
      const key = r.auth === "operator" ? env.operatorKey : env.ws.admin;
      // The query is checked before any record is looked up: any id will do.
      const url = r.url.replace(/:[A-Za-z_]+/g, (p) => (p === ":code" ? "userunknown" : "x_0001"));
      // `limit` on a route that takes no query (none of them pages), an unknown name on one that takes one.
      const name = r.query ? "zz_unknown" : "limit";
      const res = await api(env.app, key).get(`${url}?${name}=5`);
      walked++;
      const details = (res.body?.error?.details ?? []) as Array<{
        path?: string;
        code?: string;
        keys?: string[];
      }>;
      const named = details.some((d) => d.code === "unrecognized_keys" && (d.keys ?? []).includes(name));
      if (res.status !== 400 || !named || !res.body.error.message.includes(name))
        failures.push(`${k}?${name}=5 → ${res.status} ${res.text.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
    expect(walked).toBeGreaterThan(60);
  }, 300_000);

  it("answers garbage on every public route with a 4xx, in the error shape where it answers JSON", async () => {
    const c = api(env.app, "");
    const failures: string[] = [];
    const fill = (url: string, value: string) =>
      url
        .replace(":workspace", env.ws.id)
        .replace(":provider", "postmark")
        .replace(/:[a-z_]+/g, value);
    const bodies: [string, string][] = [
      ['{"a":', "application/json"],
      ["[1,2]", "application/json"],
      ["a=%zz&b", "application/x-www-form-urlencoded"],
      ["\u0000\u00ff kein Text", "text/plain"],
    ];
    for (const r of allRoutes().filter((r) => r.auth === "public")) {
      // A token or id that is no such thing, an invalid percent-encoding, and a path part past the limit.
      for (const value of ["Zm9vYmFy.kein-token_x", "%zz", "x".repeat(1100)]) {
        const url = fill(r.url, value);
        const tries: [string | undefined, string | undefined][] =
          r.method === "GET" ? [[undefined, undefined]] : bodies;
        for (const [body, type] of tries) {
          const res = await c.raw(r.method, url, body, type ? { "content-type": type } : {});
          const what = `${r.method} ${r.url} with ${value.slice(0, 24)} and ${body ?? "no body"}`;
          const json = String(res.headers["content-type"] ?? "").startsWith("application/json");
          if (res.status < 400 && !(r.url === "/v1/auth/logout" || r.url === "/v1/auth/session"))
            failures.push(`${what} → ${res.status}`);
          else if (res.status >= 500) failures.push(`${what} → ${res.status} ${res.text.slice(0, 160)}`);
          else if (json && res.status >= 400 && typeof res.body?.error?.code !== "string")
            failures.push(`${what} → ${res.status} not in the error shape: ${res.text.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it("writes an activity for every route that changes something", async () => {
    const failures: string[] = [];
    for (const r of writeRoutes()) {
      const k = keyOf(r);
      if (readOnlyWrites.has(k) || !samples[k]) continue;
      const ids = await seed(env.ws.id, env.ws.admin);
      await prepare[k]?.(ids);
      const before = await countActivities();
      const res = await send(env.ws.admin, r.method, fillUrl(r.url, ids), samples[k](ids), ids);
      if (res.status >= 300) {
        failures.push(`${k} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        continue;
      }
      // Imports run in the background and log when they finish.
      let after = await countActivities();
      for (let i = 0; i < 50 && after <= before; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await countActivities();
      }
      if (after <= before) failures.push(`${k} wrote no activity`);
    }
    expect(failures).toEqual([]);
    // One fresh workspace seeded per write route: minutes on a loaded 2-core machine, not seconds.
  }, 600_000);

  it("never shows an editor or a viewer where the archive copy goes, on any route that reads", async () => {
    // Issue 7 / seed 002: the archive mailbox is the admins' business, like its credentials.
    const ARCHIVE = "ablage.geheim@archiv.example";
    const ids = await seed(env.ws.id, env.ws.admin);
    const admin = api(env.app, env.ws.admin);
    expect((await admin.patch("/v1/workspace", { settings: { archive_bcc: ARCHIVE } })).status).toBe(200);
    const failures: string[] = [];
    // An editor's own sends answer without it too; the message it made then stands in for the seeded one.
    const sent = await api(env.app, env.ws.editor).post("/v1/messages", {
      to: "kundin@example.org",
      subject: "Termin",
      text: "Hallo",
    });
    expect(sent.status).toBe(202);
    if (sent.text.includes(ARCHIVE)) failures.push("POST /v1/messages answered the editor with it");
    const batch = await api(env.app, env.ws.editor).post("/v1/messages/batch", {
      messages: [{ to: "kunde2@example.org", subject: "A", text: "a" }],
    });
    if (batch.text.includes(ARCHIVE)) failures.push("POST /v1/messages/batch answered the editor with it");
    const withCopy = { ...ids, messages: sent.body.id as string };
    // The admin sees it where it is (so the walk below looks at answers that would carry it).
    expect((await admin.get(`/v1/messages/${withCopy.messages}`)).body.archive_bcc).toBe(ARCHIVE);
    expect((await admin.get("/v1/workspace")).text).toContain(ARCHIVE);
    expect((await admin.get("/v1/activities?kind=workspace")).text).toContain(ARCHIVE);
    let walked = 0;
    for (const [role, key] of [
      ["viewer", env.ws.viewer],
      ["editor", env.ws.editor],
    ] as const) {
      for (const r of allRoutes().filter((r) => r.method === "GET" && r.auth === "workspace")) {
        const res = await api(env.app, key).get(fillUrl(r.url, withCopy));
        if (res.status < 400) walked++;
        if (res.text.includes(ARCHIVE)) failures.push(`${role}: ${keyOf(r)} → ${res.text.slice(0, 200)}`);
      }
      const m = await api(env.app, key).get(`/v1/messages/${withCopy.messages}`);
      expect(m.body).toMatchObject({ archive_bcc: null, archive_bcc_set: true });
      const w = await api(env.app, key).get("/v1/workspace");
      expect(w.body.settings).toMatchObject({ archive_bcc: null, archive_bcc_set: true });
    }
    expect(failures).toEqual([]);
    expect(walked).toBeGreaterThan(40);
    await admin.patch("/v1/workspace", { settings: { archive_bcc: null } });
  }, 300_000);
});
