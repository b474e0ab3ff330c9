import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { logEvent } from "../audit/service.js";
import { addressHash } from "../blocklist/hash.js";
import { findBlocked } from "../blocklist/lookup.js";
import { systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { createImport, runImport } from "./import.js";

let env: TestEnv;
let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-privacy-test-"));
  env = await createTestEnv({ dataDir: tmp });
});
afterAll(async () => {
  await env?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const admin = () => api(env.app, env.ws.admin);

/** A message to the address with a timeline whose evidence quotes it, as the delivery worker stores it. */
async function sentMessage(contactId: string | null, to: string) {
  const id = newId("msg");
  const now = new Date();
  await env.rt.db
    .insertInto("messages")
    .values({
      id,
      workspace_id: env.ws.id,
      contact_id: contactId,
      to_address: to,
      from_address: "praxis@scholz.example",
      subject: "Ihre Rechnung, Frau Kranich",
      text_body: `Sehr geehrte Frau Kranich, ${to}`,
      html_body: "<p>Sehr geehrte Frau Kranich</p>",
      raw_mime: Buffer.from(`To: ${to}\r\nSubject: Ihre Rechnung\r\n\r\nHallo`),
      data: JSON.stringify({ name: "Kranich" }),
      attachments: JSON.stringify([{ filename: "rechnung-kranich.pdf" }]),
      message_id_header: `<${id}@scholz.example>`,
      return_path: `bounce+${id}@bounces.localhost`,
      status: "delivered",
      send_state: "done",
      created_at: now,
      updated_at: now,
      next_attempt_at: now,
    })
    .execute();
  const event = (type: string, detail: string, evidence: unknown) => ({
    id: newId("mev"),
    workspace_id: env.ws.id,
    message_id: id,
    at: now,
    type,
    source: "smtp",
    detail,
    evidence: JSON.stringify(evidence),
  });
  await env.rt.db
    .insertInto("message_events")
    .values([
      event("sent", "250 2.0.0 Ok: queued as 4XyZ1", {
        reply: "250 2.0.0 Ok: queued as 4XyZ1",
        queue_id: "4XyZ1",
      }),
      event("delivered", `delivered to ${to.toUpperCase()}`, {
        dsn: { "final-recipient": `rfc822; ${to}`, status: "2.0.0" },
      }),
    ])
    .execute();
  return id;
}

describe("DSGVO export and erasure", () => {
  let contactId: string;
  let messageIds: string[];
  const primary = "Helga.Kranich@Beispiel-Praxis.de";
  const second = "helga@müller-mail.de";

  beforeAll(async () => {
    const c = await admin().post("/v1/contacts", {
      salutation: "Frau",
      first_name: "Helga",
      last_name: "Kranich",
      emails: [primary, second],
      mobile: "+49 171 5550123",
      address: { street: "Lindenweg 4", postal_code: "10115", city: "Berlin" },
      custom_fields: { versicherung: "AOK" },
    });
    contactId = c.body.id;
    await admin().patch(`/v1/contacts/${contactId}`, { address: { city: "Potsdam" } });
    await admin().post(`/v1/contacts/${contactId}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "web form",
      wording: "Ja, ich möchte Neuigkeiten erhalten.",
      ip: "198.51.100.23",
    });
    const list = await admin().post("/v1/lists", { name: "Patientenbrief" });
    await admin().post(`/v1/lists/${list.body.id}/subscriptions`, { contact_id: contactId });
    const blocked = await admin().post("/v1/blocklist", {
      address: primary,
      reason: `hard bounce for ${primary}`,
    });
    expect(blocked.status).toBe(201);
    messageIds = [
      await sentMessage(contactId, "Helga.Kranich@beispiel-praxis.de"),
      // Sent by address before the contact existed: no contact link, found by the address.
      await sentMessage(null, "helga@xn--mller-mail-9db.de"),
    ];
    await logEvent(env.rt.db, {
      workspaceId: env.ws.id,
      severity: "warning",
      process: "delivery",
      trigger: "process",
      recordKind: "message",
      recordId: messageIds[0],
      detail: `Temporary failure for ${primary.toLowerCase()}, retrying`,
    });
    // An import that saw the contact's address in a row it skipped keeps that row's raw values.
    const csv = path.join(tmp, "again.csv");
    fs.writeFileSync(csv, `E-Mail;Nachname\n${primary};Kranich\n`);
    const ctx = { rt: env.rt, workspaceId: env.ws.id, actor: systemActor("test") };
    const imp = await createImport(ctx, {
      filePath: csv,
      filename: "again.csv",
      dryRun: false,
      onDuplicate: "skip",
    });
    const done = await runImport(env.rt, ctx.actor, imp.id, csv);
    expect(done.skipped_count).toBe(1);
  });

  it("exports everything stored about the contact as one document", async () => {
    const r = await api(env.app, env.ws.viewer).get(`/v1/contacts/${contactId}/export`);
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.contact).toMatchObject({ id: contactId, last_name: "Kranich", address: { city: "Potsdam" } });
    expect(doc.consents).toHaveLength(1);
    expect(doc.consents[0]).toMatchObject({
      wording: "Ja, ich möchte Neuigkeiten erhalten.",
      ip: "198.51.100.23",
    });
    expect(doc.subscriptions).toMatchObject([{ list_name: "Patientenbrief", status: "subscribed" }]);
    expect(doc.messages.map((m: { id: string }) => m.id)).toEqual(messageIds);
    expect(doc.messages[0].timeline.map((e: { type: string }) => e.type)).toEqual(["sent", "delivered"]);
    expect(Buffer.from(doc.messages[0].raw_mime_base64, "base64").toString()).toContain(
      "Subject: Ihre Rechnung",
    );
    expect(doc.blocklist).toMatchObject([{ address: "Helga.Kranich@beispiel-praxis.de", kind: "email" }]);
    const actions = doc.activities.map((a: { kind: string; action: string }) => `${a.kind}:${a.action}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "contact:created",
        "contact:updated",
        "consent:created",
        "subscription:created",
      ]),
    );
    expect(doc.import_rows).toMatchObject([{ outcome: "skipped", raw: { "E-Mail": primary } }]);
  });

  it("lets only admins erase", async () => {
    expect((await api(env.app, env.ws.editor).post(`/v1/contacts/${contactId}/erase`)).status).toBe(403);
    expect((await api(env.app, env.other.admin).post(`/v1/contacts/${contactId}/erase`)).status).toBe(404);
  });

  it("erases the contact and its personal data everywhere; the blocklist keeps the hash and still blocks", async () => {
    const hashBefore = addressHash(env.rt.secret, "email", primary);
    const r = await admin().post(`/v1/contacts/${contactId}/erase`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: contactId, erased: true, scrubbed: { messages: 2, blocklist: 1 } });
    expect((await admin().get(`/v1/contacts/${contactId}`)).status).toBe(404);

    const db = env.rt.db;
    const everything = JSON.stringify({
      contacts: await db.selectFrom("contacts").selectAll().where("workspace_id", "=", env.ws.id).execute(),
      consents: await db.selectFrom("consents").selectAll().where("workspace_id", "=", env.ws.id).execute(),
      subscriptions: await db
        .selectFrom("subscriptions")
        .selectAll()
        .where("workspace_id", "=", env.ws.id)
        .execute(),
      messages: (
        await db.selectFrom("messages").selectAll().where("workspace_id", "=", env.ws.id).execute()
      ).map((m) => ({ ...m, raw_mime: m.raw_mime ? Buffer.from(m.raw_mime).toString() : null })),
      events: await db
        .selectFrom("message_events")
        .selectAll()
        .where("workspace_id", "=", env.ws.id)
        .execute(),
      activities: await db
        .selectFrom("activities")
        .selectAll()
        .where("workspace_id", "=", env.ws.id)
        .execute(),
      eventLog: await db.selectFrom("event_log").selectAll().where("workspace_id", "=", env.ws.id).execute(),
      blocklist: await db.selectFrom("blocklist").selectAll().where("workspace_id", "=", env.ws.id).execute(),
      importRows: await db.selectFrom("import_rows").selectAll().execute(),
      importKeys: await db.selectFrom("import_keys").selectAll().execute(),
      emailKeys: await db
        .selectFrom("contact_email_keys")
        .selectAll()
        .where("workspace_id", "=", env.ws.id)
        .execute(),
    }).toLowerCase();
    for (const personal of [
      "helga.kranich@beispiel-praxis.de",
      "helga@xn--mller-mail-9db.de",
      "helga@müller-mail.de",
      "kranich",
      "lindenweg",
      "potsdam",
      "171 5550123",
      "198.51.100.23",
      "aok",
    ]) {
      expect(everything, personal).not.toContain(personal);
    }
    const events = await db
      .selectFrom("message_events")
      .selectAll()
      .where("message_id", "in", messageIds)
      .execute();
    expect(events).toHaveLength(4);
    expect(events.map((e) => e.detail)).toContain("delivered to [erased]");
    expect(events.map((e) => e.detail)).toContain("250 2.0.0 Ok: queued as 4XyZ1");
    const block = await db
      .selectFrom("blocklist")
      .selectAll()
      .where("workspace_id", "=", env.ws.id)
      .execute();
    expect(block).toHaveLength(1);
    expect(block[0]).toMatchObject({ address: null, address_hash: hashBefore });
    const hit = await findBlocked(db, env.rt.secret, env.ws.id, ["HELGA.KRANICH@beispiel-praxis.de"]);
    expect(hit.size).toBe(1);
    const erased = await admin().get(`/v1/activities?action=erased&record_id=${contactId}`);
    expect(erased.body.items).toHaveLength(1);
    expect(erased.body.items[0].summary).toBe("Contact erased (DSGVO Art. 17)");
    const contactActs = await admin().get(
      `/v1/activities?kind=contact&record_id=${contactId}&action=updated`,
    );
    expect(contactActs.body.items[0].changes.address).toEqual({ before: "[erased]", after: "[erased]" });
  });
});
