// DSGVO erasure and the work queue (issue 3 item 11): erasing a contact cancels its still-queued messages —
// they end `dropped` (contact erased), no SMTP transaction happens — while a message already sent keeps its
// outcome, and messages to other people are untouched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { type ScriptedSmtp, startScriptedSmtp } from "../../test/scripted-smtp.js";
import { eraseContact } from "../contacts/privacy.js";
import { systemActor } from "../runtime.js";
import { AppError } from "../util/errors.js";
import { SendingWorker } from "./worker.js";

let env: TestEnv;
let smtp: ScriptedSmtp;
let worker: SendingWorker;

const admin = () => api(env.app, env.ws.admin);

beforeAll(async () => {
  env = await createTestEnv({ retryBaseSeconds: 3600, maxAttempts: 3 });
  smtp = await startScriptedSmtp();
  const t = await admin().post("/v1/transports", {
    name: "relay",
    kind: "smtp",
    config: { host: "127.0.0.1", port: smtp.port, starttls: "off" },
    is_default: true,
  });
  expect(t.status, t.text).toBe(201);
  worker = new SendingWorker(env.rt, { batchSize: 20 });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.close();
  await env?.close();
});

const message = (to: unknown, subject: string) => ({
  to,
  from: "praxis@scholz.example",
  subject,
  text: "Guten Tag, Ihr Termin am Montag um 9 Uhr.",
});

async function queue(to: unknown, subject: string): Promise<string> {
  const r = await admin().post("/v1/messages", message(to, subject));
  expect(r.status, r.text).toBe(202);
  return r.body.id;
}

describe("erasing a contact", () => {
  it("drops its still-queued messages without an SMTP transaction; sent ones and other people's stay", async () => {
    const c = await admin().post("/v1/contacts", {
      first_name: "Helga",
      last_name: "Kranich",
      emails: ["helga.kranich@beispiel-praxis.de", "h.kranich@example.org"],
    });
    expect(c.status, c.text).toBe(201);
    const sent = await queue({ contact_id: c.body.id }, "Ihre Rechnung");
    await worker.drain();

    // One deferred by a 4xx (queued again for a retry), one by contact id, one to the second address only.
    smtp.script = { rcpt: () => ({ code: 451, message: "4.7.1 Greylisted" }) };
    const deferred = await queue({ contact_id: c.body.id }, "Erinnerung");
    await worker.drain();
    smtp.script = {};
    const byId = await queue({ contact_id: c.body.id }, "Terminbestätigung");
    const byAddress = await queue("H.Kranich@example.org", "Befund");
    const someoneElse = await queue("anna.zeisig@example.org", "Befund");
    const mailFromsBefore = smtp.mailFroms.length;

    const erased = await admin().post(`/v1/contacts/${c.body.id}/erase`);
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body.scrubbed.queued_messages_dropped).toBe(3);
    await env.rt.db
      .updateTable("messages")
      .set({ next_attempt_at: new Date(0) })
      .where("workspace_id", "=", env.ws.id)
      .execute();
    await worker.drain();

    for (const id of [deferred, byId, byAddress]) {
      const m = (await admin().get(`/v1/messages/${id}`)).body;
      expect(m.status, id).toBe("dropped");
      expect(m.send_state).toBe("done");
      expect(m.error_code).toBe("contact_erased");
      expect(m.status_reason).toMatch(/contact was erased/);
      expect(m.timeline.at(-1)).toMatchObject({ type: "dropped", evidence: { reason: "erased" } });
      expect(JSON.stringify(m)).not.toMatch(/kranich/i);
    }
    expect((await admin().get(`/v1/messages/${sent}`)).body.status).toBe("sent");
    expect((await admin().get(`/v1/messages/${someoneElse}`)).body.status).toBe("sent");
    // Only the other person's message went out after the erasure.
    expect(smtp.mailFroms.length).toBe(mailFromsBefore + 1);
    expect(smtp.received.filter((r) => /kranich/i.test(r.to.join(",")))).toHaveLength(1);
  });

  it("drops nothing when the contact has no queued message", async () => {
    const c = await admin().post("/v1/contacts", { last_name: "Zeisig", emails: ["z@example.org"] });
    const erased = await admin().post(`/v1/contacts/${c.body.id}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body.scrubbed.queued_messages_dropped).toBe(0);
  });

  it("waits for a message a worker is sending right now, then erases; its outcome came before the erasure", async () => {
    const c = await admin().post("/v1/contacts", { last_name: "Amsel", emails: ["amsel@example.org"] });
    const id = await queue({ contact_id: c.body.id }, "Befund");
    // A worker holds the message (as between its claim and the relay's reply).
    await holdAsSending(id);
    setTimeout(() => {
      void env.rt.db
        .updateTable("messages")
        .set({ send_state: "done", status: "sent", lease_owner: null, lease_until: null })
        .where("id", "=", id)
        .execute();
    }, 1200);
    const erased = await admin().post(`/v1/contacts/${c.body.id}/erase`);
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body.scrubbed.queued_messages_dropped).toBe(0);
    const m = (await admin().get(`/v1/messages/${id}`)).body;
    expect(m.status).toBe("sent");
    expect(JSON.stringify(m)).not.toMatch(/amsel/i);
  });

  it("refuses (409) and changes nothing while a message to the contact stays in flight", async () => {
    const c = await admin().post("/v1/contacts", { last_name: "Drossel", emails: ["drossel@example.org"] });
    const held = await queue({ contact_id: c.body.id }, "Befund");
    const waiting = await queue({ contact_id: c.body.id }, "Erinnerung");
    await holdAsSending(held);
    const ctx = { rt: env.rt, workspaceId: env.ws.id, actor: systemActor("test") };
    const refused = await eraseContact(ctx, c.body.id, 0).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(409);
    expect((refused as AppError).message).toMatch(/being sent right now.*nothing was changed/);
    // Nothing changed: the contact is there, the other message still waits to be sent.
    expect((await admin().get(`/v1/contacts/${c.body.id}`)).status).toBe(200);
    const w = (await admin().get(`/v1/messages/${waiting}`)).body;
    expect(w).toMatchObject({ send_state: "queued", to: "drossel@example.org" });
  });
});

/** Puts a message into a worker's hands, as a claim does. */
async function holdAsSending(id: string) {
  await env.rt.db
    .updateTable("messages")
    .set({ send_state: "sending", lease_owner: "test-worker", lease_until: new Date(Date.now() + 60_000) })
    .where("id", "=", id)
    .execute();
}
