import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { SendingWorker } from "../delivery/worker.js";
import { deriveStatus } from "../events/status.js";
import { type InboundEnvelope, ingestInbound, processInbound, retryUnprocessed } from "./ingest.js";
import { READ_RECEIPT_NOTE } from "./observations.js";
import { arf, autoReply, dsn, mdn } from "./reports.testkit.js";

let env: TestEnv;
let worker: SendingWorker;
let n = 0;

beforeAll(async () => {
  env = await createTestEnv();
  worker = new SendingWorker(env.rt, { batchSize: 50 });
});
afterAll(() => env?.close());

const admin = () => api(env.app, env.ws.admin);

interface Sent {
  id: string;
  to: string;
  returnPath: string;
  messageIdHeader: string;
  contactId: string;
  subscriptionId: string;
}

/** A contact on a list, and a message to her that went out through the capture transport. */
async function sentMessage(opts: { to?: string; workspace?: "ws" | "other" } = {}): Promise<Sent> {
  const key = opts.workspace === "other" ? env.other.admin : env.ws.admin;
  const c = api(env.app, key);
  const to = opts.to ?? `kundin.${++n}.${Date.now()}@example.org`;
  const contact = await c.post("/v1/contacts", { first_name: "Erika", last_name: "Muster", emails: [to] });
  expect(contact.status, contact.text).toBe(201);
  const list = await c.post("/v1/lists", { name: `Newsletter ${++n}` });
  const sub = await c.post(`/v1/lists/${list.body.id}/subscriptions`, { contact_id: contact.body.id });
  expect(sub.status, sub.text).toBe(201);
  const m = await c.post("/v1/messages", {
    to: { contact_id: contact.body.id },
    from: "praxis@example.org",
    subject: "Termin",
    text: "Hallo",
  });
  expect(m.status, m.text).toBe(202);
  await worker.drain();
  const row = await env.rt.db
    .selectFrom("messages")
    .select(["id", "return_path", "message_id_header", "status"])
    .where("id", "=", m.body.id)
    .executeTakeFirstOrThrow();
  expect(row.status).toBe("sent");
  return {
    id: row.id,
    to,
    returnPath: row.return_path,
    messageIdHeader: row.message_id_header,
    contactId: contact.body.id,
    subscriptionId: sub.body.id,
  };
}

const smtp = (rcptTo: string[]): InboundEnvelope => ({ source: "smtp", rcptTo, mailFrom: "" });

async function messageOf(id: string) {
  const r = await admin().get(`/v1/messages/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

async function subscriptionStatus(id: string) {
  const r = await env.rt.db
    .selectFrom("subscriptions")
    .select(["status", "status_set_by"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return r;
}

async function blockOf(address: string) {
  const r = await admin().get(`/v1/blocklist/check?address=${encodeURIComponent(address)}`);
  return r.body as { blocked: boolean; entry?: { id: string; reason: string; source: string } };
}

describe("matching a report to its message", () => {
  it("matches by the VERP envelope recipient", async () => {
    const m = await sentMessage();
    const raw = dsn({
      to: "postmaster@elsewhere.test",
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 5.1.1 User unknown",
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp([m.returnPath]));
    expect(r).toMatchObject({
      processed: true,
      kind: "bounce",
      message_id: m.id,
      matched_by: "verp",
      events: 1,
    });
  });

  it("processes a report with a NUL (a raw byte, or quoted-printable =00 in a header) as U+FFFD instead of failing it forever", async () => {
    const m = await sentMessage();
    const raw = dsn({
      to: "postmaster@elsewhere.test",
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 5.1.1 User\u0000 unknown",
    }).replace("Subject: ", "Subject: =?utf-8?Q?R=00ck?= ");
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp([m.returnPath]));
    expect(r).toMatchObject({ processed: true, kind: "bounce", message_id: m.id, events: 1 });
    const msg = await messageOf(m.id);
    expect(msg.status).toBe("hard_bounced");
    expect(JSON.stringify(msg.timeline)).toContain("User\ufffd unknown");
    const stored = await env.rt.db
      .selectFrom("inbound_messages")
      .select(["result"])
      .where("id", "=", r.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.result)).toContain("R\ufffdck");
  });

  it("matches by the original's Message-ID when there is no VERP address", async () => {
    const m = await sentMessage();
    const raw = dsn({
      to: "praxis@example.org",
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 no such user",
      originalMessageId: m.messageIdHeader,
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp(["praxis@example.org"]));
    expect(r).toMatchObject({ message_id: m.id, matched_by: "message_id" });
  });

  it("matches by the Original-Envelope-Id (our ENVID is the message id)", async () => {
    const m = await sentMessage();
    const raw = dsn({
      to: "praxis@example.org",
      recipient: m.to,
      action: "delivered",
      status: "2.0.0",
      envelopeId: m.id,
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp(["praxis@example.org"]));
    expect(r).toMatchObject({ kind: "delivered", message_id: m.id, matched_by: "envelope_id", events: 1 });
    expect((await messageOf(m.id)).status).toBe("delivered");
  });

  it("never matches a VERP address with a forged signature", async () => {
    const m = await sentMessage();
    const forged = m.returnPath.replace(/-[0-9a-f]{12}@/, "-000000000000@");
    const raw = dsn({
      to: forged,
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 unknown",
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp([forged]));
    expect(r).toMatchObject({ processed: true, kind: "bounce", message_id: null, events: 0 });
    expect((await messageOf(m.id)).status).toBe("sent");
    expect((await blockOf(m.to)).blocked).toBe(false);
  });

  it("keeps what matches nothing, for the operator only, with its raw source", async () => {
    const raw = dsn({
      to: "bounce+nothing@bounces.localhost",
      recipient: "wer@example.net",
      action: "failed",
      status: "5.1.1",
      diagnostic: "unknown",
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp(["bounce+nothing@bounces.localhost"]));
    expect(r).toMatchObject({ stored: true, processed: true, kind: "bounce", message_id: null });

    const op = api(env.app, env.operatorKey);
    const list = await op.get("/v1/inbound/unmatched?limit=500");
    expect(list.status, list.text).toBe(200);
    const item = list.body.items.find((i: { id: string }) => i.id === r.id);
    expect(item).toMatchObject({
      kind: "bounce",
      matched: false,
      message_id: null,
      envelope: { rcpt_to: ["bounce+nothing@bounces.localhost"] },
    });
    expect(item.result.report.recipients[0]).toMatchObject({
      recipient: "wer@example.net",
      reason: "userunknown",
    });
    const rawRes = await op.get(`/v1/inbound/unmatched/${r.id}/raw`);
    expect(rawRes.status).toBe(200);
    expect(rawRes.headers["content-type"]).toMatch(/message\/rfc822/);
    expect(rawRes.text).toBe(raw);

    // A workspace sees neither the list entry nor the mail itself; a workspace key cannot use the operator route.
    const mine = await admin().get("/v1/inbound?matched=false&limit=500");
    expect(mine.body.items.some((i: { id: string }) => i.id === r.id)).toBe(false);
    expect((await admin().get(`/v1/inbound/${r.id}`)).status).toBe(404);
    expect((await admin().get("/v1/inbound/unmatched")).status).toBe(403);
  });
});

describe("a hard bounce", () => {
  it("ends hard_bounced with reason, status and diagnostic, blocks the address and ends its subscriptions", async () => {
    const m = await sentMessage();
    const raw = dsn({
      to: m.returnPath,
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 5.1.1 <x>: Recipient address rejected: User unknown in virtual mailbox table",
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), smtp([m.returnPath]));
    expect(r.events).toBe(1);

    const msg = await messageOf(m.id);
    expect(msg.status).toBe("hard_bounced");
    const ev = msg.timeline.find((e: { type: string }) => e.type === "hard_bounced");
    expect(ev.source).toBe("inbound_dsn");
    expect(ev.evidence).toMatchObject({
      reason: "userunknown",
      status: "5.1.1",
      hard: true,
      inbound_id: r.id,
      matched_by: "verp",
    });
    expect(ev.evidence.diagnostic).toMatch(/User unknown/);

    const block = await blockOf(m.to);
    expect(block.blocked).toBe(true);
    expect(block.entry?.source).toBe("hard_bounce");
    expect(block.entry?.reason).toMatch(/^userunknown: 550 5\.1\.1/);
    expect(await subscriptionStatus(m.subscriptionId)).toEqual({
      status: "bounced_permanent",
      status_set_by: "hard_bounce",
    });

    // The event log says so, and the blocklist entry has its activity.
    const log = await admin().get("/v1/event-log?limit=500");
    expect(
      log.body.items.some(
        (e: { record_id: string; detail: string }) =>
          e.record_id === block.entry?.id && /hard bounce/.test(e.detail),
      ),
    ).toBe(true);
    const acts = await env.rt.db
      .selectFrom("activities")
      .select("action")
      .where("record_id", "=", block.entry!.id)
      .execute();
    expect(acts.map((a) => a.action)).toContain("created");

    // The workspace sees the report among its inbound mail, matched.
    const inbound = await admin().get(`/v1/inbound?message_id=${m.id}`);
    expect(inbound.body.items).toHaveLength(1);
    expect(inbound.body.items[0]).toMatchObject({
      id: r.id,
      matched: true,
      kind: "bounce",
      matched_by: "verp",
    });
    expect((await api(env.app, env.ws.viewer).get("/v1/inbound")).status).toBe(403);
    expect((await api(env.app, env.other.admin).get(`/v1/inbound/${r.id}`)).status).toBe(404);
  });

  it("changes nothing when the same DSN arrives again, even after an admin lifted the block", async () => {
    const m = await sentMessage();
    const raw = Buffer.from(
      dsn({
        to: m.returnPath,
        recipient: m.to,
        action: "failed",
        status: "5.1.1",
        diagnostic: "550 unknown user",
        messageId: `<dup.${m.id}@mx.example.net>`,
      }),
    );
    await ingestInbound(env.rt, raw, smtp([m.returnPath]));
    const block = await blockOf(m.to);
    const lifted = await admin().delete(`/v1/blocklist/${block.entry!.id}`);
    expect(lifted.status, lifted.text).toBe(200);
    const eventsBefore = (await messageOf(m.id)).timeline.length;

    const again = await ingestInbound(env.rt, raw, smtp([m.returnPath]));
    expect(again).toMatchObject({
      stored: true,
      processed: true,
      message_id: m.id,
      events: 0,
      duplicate: true,
    });
    expect((await messageOf(m.id)).timeline.length).toBe(eventsBefore);
    expect((await blockOf(m.to)).blocked).toBe(false);
  });
});

describe("soft bounces", () => {
  it("mark subscriptions bounced_temporary; the third within the window blocks the address", async () => {
    const to = `voll.${Date.now()}@example.org`;
    const soft = (m: Sent) =>
      dsn({
        to: m.returnPath,
        recipient: to,
        action: "failed",
        status: "4.2.2",
        diagnostic: "452 4.2.2 Mailbox full, quota exceeded",
      });
    const first = await sentMessage({ to });
    await ingestInbound(env.rt, Buffer.from(soft(first)), smtp([first.returnPath]));
    const msg = await messageOf(first.id);
    expect(msg.status).toBe("soft_bounced");
    expect(msg.timeline.find((e: { type: string }) => e.type === "soft_bounced").evidence.reason).toBe(
      "mailboxfull",
    );
    expect(await subscriptionStatus(first.subscriptionId)).toEqual({
      status: "bounced_temporary",
      status_set_by: "soft_bounce",
    });
    expect((await blockOf(to)).blocked).toBe(false);

    // The contact exists once per sentMessage call; the address is the same.
    const second = await sentMessage({ to });
    await ingestInbound(env.rt, Buffer.from(soft(second)), smtp([second.returnPath]));
    expect((await blockOf(to)).blocked).toBe(false);

    const third = await sentMessage({ to });
    await ingestInbound(env.rt, Buffer.from(soft(third)), smtp([third.returnPath]));
    const block = await blockOf(to);
    expect(block.blocked).toBe(true);
    expect(block.entry?.reason).toMatch(/^repeated soft bounces: 3 within 14 days/);
    expect(block.entry?.source).toBe("repeated_soft_bounces");
    expect((await subscriptionStatus(third.subscriptionId)).status).toBe("bounced_permanent");
    // The message itself stays a soft bounce: that is what happened to it.
    expect((await messageOf(third.id)).status).toBe("soft_bounced");
  });

  it("follows the workspace's own rule, and soft bounces outside the window do not count", async () => {
    const c = admin();
    expect(
      (await c.patch("/v1/workspace", { settings: { soft_bounce_limit: 2, soft_bounce_window_days: 1 } }))
        .status,
    ).toBe(200);
    try {
      const to = `fenster.${Date.now()}@example.org`;
      const soft = (m: Sent) =>
        dsn({
          to: m.returnPath,
          recipient: to,
          action: "failed",
          status: "4.2.2",
          diagnostic: "mailbox full",
        });
      const old = await sentMessage({ to });
      env.setNow(new Date(Date.now() - 3 * 86_400_000));
      await ingestInbound(env.rt, Buffer.from(soft(old)), smtp([old.returnPath]));
      env.setNow(null);
      const recent = await sentMessage({ to });
      await ingestInbound(env.rt, Buffer.from(soft(recent)), smtp([recent.returnPath]));
      expect((await blockOf(to)).blocked).toBe(false);
      const next = await sentMessage({ to });
      await ingestInbound(env.rt, Buffer.from(soft(next)), smtp([next.returnPath]));
      expect((await blockOf(to)).entry?.reason).toMatch(/^repeated soft bounces: 2 within 1 days/);
    } finally {
      env.setNow(null);
      await c.patch("/v1/workspace", { settings: { soft_bounce_limit: 3, soft_bounce_window_days: 14 } });
    }
  });

  it("a later successful delivery lifts bounced_temporary", async () => {
    const m = await sentMessage();
    await ingestInbound(
      env.rt,
      Buffer.from(
        dsn({
          to: m.returnPath,
          recipient: m.to,
          action: "failed",
          status: "4.2.2",
          diagnostic: "mailbox full",
        }),
      ),
      smtp([m.returnPath]),
    );
    expect((await subscriptionStatus(m.subscriptionId)).status).toBe("bounced_temporary");
    await ingestInbound(
      env.rt,
      Buffer.from(dsn({ to: m.returnPath, recipient: m.to, action: "delivered", status: "2.0.0" })),
      smtp([m.returnPath]),
    );
    expect(await subscriptionStatus(m.subscriptionId)).toEqual({
      status: "subscribed",
      status_set_by: "delivery",
    });
  });
});

describe("a notice that names no recipient", () => {
  it("is about the matched message's addressee: a soft bounce with the notice's words, never a block", async () => {
    const m = await sentMessage();
    // A delivery-status report with no report fields and a returned message without To: (Discourse's
    // "bounced_email_2" sample): nobody is named anywhere.
    const notice = (to: string) =>
      [
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)",
        `To: ${to}`,
        "Subject: Undelivered Mail Returned to Sender",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Your email bounced",
        "--b",
        "Content-Type: message/rfc822",
        "",
        "From: praxis@example.org",
        "Subject: Termin",
        "",
        "Hallo",
        "--b--",
        "",
      ].join("\r\n");
    const out = await ingestInbound(env.rt, Buffer.from(notice(m.returnPath)), smtp([m.returnPath]));
    expect(out).toMatchObject({ kind: "bounce", message_id: m.id, matched_by: "verp", events: 1 });
    const stored = await admin().get(`/v1/inbound/${out.id}`);
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body.result.report).toMatchObject({
      kind: "bounce",
      recipient_count: 0,
      notice: "Your email bounced",
      notice_reason: "onhold",
    });
    const msg = await messageOf(m.id);
    expect(msg.status).toBe("soft_bounced");
    const event = msg.timeline.find((e: { type: string }) => e.type === "soft_bounced");
    expect(event.evidence).toMatchObject({ recipient: m.to, reason: "onhold", hard: false });
    expect(event.evidence.diagnostic).toBe("The notice names no recipient: Your email bounced");
    expect((await blockOf(m.to)).blocked).toBe(false);
    // GroupWise names the mailbox without its domain and says why: the reason is read, still soft.
    const gw = await sentMessage();
    const groupwise = [
      "From: Mailer-Daemon@gw1.example.net",
      `To: ${gw.returnPath}`,
      "Subject: Message status - undeliverable",
      "X-Mailer: Novell GroupWise Internet Agent 6.5.7",
      "",
      "The message that you sent was undeliverable to the following:",
      "\tkundin (User account is expired)",
      "",
    ].join("\r\n");
    await ingestInbound(env.rt, Buffer.from(groupwise), smtp([gw.returnPath]));
    const gwMsg = await messageOf(gw.id);
    expect(gwMsg.status).toBe("soft_bounced");
    const gwEvent = gwMsg.timeline.find((e: { type: string }) => e.type === "soft_bounced");
    expect(gwEvent.evidence).toMatchObject({ recipient: gw.to, reason: "suspend", hard: false });
    // The same notice, matched to nothing, stays in the unmatched list with nothing recorded.
    const lost = await ingestInbound(
      env.rt,
      Buffer.from(notice("nobody@example.org")),
      smtp(["nobody@example.org"]),
    );
    expect(lost).toMatchObject({ kind: "bounce", message_id: null, events: 0 });
  });
});

describe("delivery status notifications", () => {
  it("turn a delay into deferred (the message stays sent) and a success into delivered", async () => {
    const m = await sentMessage();
    await ingestInbound(
      env.rt,
      Buffer.from(
        dsn({
          to: m.returnPath,
          recipient: m.to,
          action: "delayed",
          status: "4.4.1",
          diagnostic: "connect to mx: Connection refused",
        }),
      ),
      smtp([m.returnPath]),
    );
    let msg = await messageOf(m.id);
    expect(msg.timeline.map((e: { type: string }) => e.type)).toContain("deferred");
    expect(msg.status).toBe("sent");
    await ingestInbound(
      env.rt,
      Buffer.from(
        dsn({ to: m.returnPath, recipient: m.to, action: "relayed", status: "2.0.0", diagnostic: "250 ok" }),
      ),
      smtp([m.returnPath]),
    );
    msg = await messageOf(m.id);
    expect(msg.status).toBe("delivered");
    expect(msg.timeline.find((e: { type: string }) => e.type === "delivered").detail).toMatch(/^Relayed/);
  });

  it("a report about the archive copy is a note, not a delivery", async () => {
    const c = admin();
    await c.patch("/v1/workspace", { settings: { archive_bcc: "archiv@hundeschule.example" } });
    try {
      const m = await sentMessage();
      await ingestInbound(
        env.rt,
        Buffer.from(
          dsn({
            to: m.returnPath,
            recipient: "archiv@hundeschule.example",
            action: "delivered",
            status: "2.0.0",
          }),
        ),
        smtp([m.returnPath]),
      );
      const msg = await messageOf(m.id);
      expect(msg.status).toBe("sent");
      expect(msg.timeline.find((e: { type: string }) => e.type === "note").detail).toMatch(/archive copy/);
    } finally {
      await c.patch("/v1/workspace", { settings: { archive_bcc: null } });
    }
  });
});

describe("read receipts, complaints, auto-replies and archive copies", () => {
  it("an MDN becomes read, with its disposition and the note that it proves little", async () => {
    const m = await sentMessage();
    const r = await ingestInbound(
      env.rt,
      Buffer.from(mdn({ from: m.to, to: "praxis@example.org", originalMessageId: m.messageIdHeader })),
      smtp(["praxis@example.org"]),
    );
    expect(r).toMatchObject({ kind: "mdn", matched_by: "message_id", events: 1 });
    const msg = await messageOf(m.id);
    expect(msg.status).toBe("read");
    const ev = msg.timeline.find((e: { type: string }) => e.type === "read");
    expect(ev.source).toBe("mdn");
    expect(ev.evidence).toMatchObject({ disposition: "displayed", note: READ_RECEIPT_NOTE });
  });

  it("an MDN that says 'deleted' is a note, not a read", async () => {
    const m = await sentMessage();
    await ingestInbound(
      env.rt,
      Buffer.from(
        mdn({
          from: m.to,
          to: "praxis@example.org",
          originalMessageId: m.messageIdHeader,
          disposition: "deleted",
        }),
      ),
      smtp(["praxis@example.org"]),
    );
    const msg = await messageOf(m.id);
    expect(msg.status).toBe("sent");
    expect(msg.timeline.find((e: { type: string }) => e.type === "note").evidence.disposition).toBe(
      "deleted",
    );
  });

  // A redacted report names no recipient: it is about the message it encloses, and that message's addressee.
  it.each([
    ["names its recipient", true],
    ["names no recipient (redacted)", false],
  ])(
    "an ARF complaint that %s blocks the message (reason complaint) and unsubscribes the address",
    async (_, named) => {
      const m = await sentMessage();
      const r = await ingestInbound(
        env.rt,
        Buffer.from(
          arf({
            to: "fbl@bounces.localhost",
            recipient: named ? m.to : null,
            originalMessageId: m.messageIdHeader,
            returnPath: m.returnPath,
          }),
        ),
        smtp(["fbl@bounces.localhost"]),
      );
      expect(r).toMatchObject({ kind: "arf", message_id: m.id, events: 1 });
      const msg = await messageOf(m.id);
      expect(msg.status).toBe("blocked");
      const ev = msg.timeline.find((e: { type: string }) => e.type === "complained");
      expect(ev.source).toBe("arf");
      expect(ev.evidence).toMatchObject({ recipient: m.to, reason: "complaint", feedback_type: "abuse" });
      expect(await subscriptionStatus(m.subscriptionId)).toEqual({
        status: "unsubscribed",
        status_set_by: "complaint",
      });
    },
  );

  it("an auto-reply is recorded but is no bounce and changes no status", async () => {
    const m = await sentMessage();
    const r = await ingestInbound(
      env.rt,
      Buffer.from(autoReply({ from: m.to, to: m.returnPath, inReplyTo: m.messageIdHeader })),
      smtp([m.returnPath]),
    );
    expect(r).toMatchObject({ kind: "autoreply", events: 1 });
    const msg = await messageOf(m.id);
    expect(msg.status).toBe("sent");
    expect(msg.timeline.map((e: { type: string }) => e.type)).toContain("auto_reply");
    expect((await blockOf(m.to)).blocked).toBe(false);
    expect((await subscriptionStatus(m.subscriptionId)).status).toBe("subscribed");
    // deriveStatus gives an auto_reply no rank at all.
    expect(
      deriveStatus([{ id: "e1", type: "auto_reply", at: new Date(), detail: null, error_code: null }]).status,
    ).toBe("queued");
  });

  it("an archive copy becomes archived (mailbox, folder, uid) and leaves the status alone", async () => {
    const m = await sentMessage();
    const raw = (await admin().get(`/v1/messages/${m.id}/raw`)).text;
    const envelope: InboundEnvelope = {
      source: "archive",
      rcptTo: [],
      workspaceId: env.ws.id,
      mailbox: { id: "imb_test", name: "Archiv", folder: "INBOX", uid: 42, uidValidity: "1" },
    };
    const r = await ingestInbound(env.rt, Buffer.from(raw), envelope);
    expect(r).toMatchObject({ kind: "archive", matched_by: "archive_copy", events: 1 });
    const msg = await messageOf(m.id);
    expect(msg.status).toBe("sent");
    const ev = msg.timeline.find((e: { type: string }) => e.type === "archived");
    expect(ev).toMatchObject({
      source: "imap_archive",
      evidence: { mailbox: "Archiv", folder: "INBOX", uid: 42 },
    });

    // The same IMAP message read again is not stored twice.
    const again = await ingestInbound(env.rt, Buffer.from(raw), envelope);
    expect(again).toMatchObject({ stored: false, id: r.id });
  });

  it("a workspace's mailbox never matches another workspace's message", async () => {
    const m = await sentMessage({ workspace: "other" });
    const raw = dsn({
      to: m.returnPath,
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "unknown user",
    });
    const r = await ingestInbound(env.rt, Buffer.from(raw), {
      source: "imap",
      rcptTo: [],
      workspaceId: env.ws.id,
      mailbox: { id: "imb_x", name: "Bounces", folder: "INBOX", uid: 7, uidValidity: "1" },
    });
    expect(r).toMatchObject({ processed: true, message_id: null });
    expect((await api(env.app, env.other.admin).get(`/v1/messages/${m.id}`)).body.status).toBe("sent");
    // It is the mailbox owner's unmatched mail.
    const mine = await admin().get("/v1/inbound?matched=false&limit=500");
    expect(mine.body.items.some((i: { id: string }) => i.id === r.id)).toBe(true);
  });
});

describe("garbage in", () => {
  it("stores random bytes, truncated MIME and empty mail without throwing", async () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from("\x00\xff\xfe garbage \r\n\r\n\x01"),
      Buffer.from(
        dsn({ to: "a@b.test", recipient: "c@d.test", action: "failed", status: "5.1.1" }).slice(0, 300),
      ),
      Buffer.from(
        'Content-Type: multipart/report; boundary="x"\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed',
      ),
    ];
    for (const raw of inputs) {
      const r = await ingestInbound(env.rt, raw, smtp(["bounce+zz@bounces.localhost"]));
      expect(r.stored).toBe(true);
      expect(r.processed).toBe(true);
    }
  });

  it("never throws on arbitrary bytes (fuzz)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
        const r = await ingestInbound(env.rt, Buffer.from(bytes), smtp([]));
        expect(r.stored).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("keeps the first 2 MB of a 50 MB message and flags it truncated", async () => {
    const m = await sentMessage();
    const head = dsn({
      to: m.returnPath,
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "unknown user",
    });
    const big = Buffer.concat([Buffer.from(head), Buffer.alloc(50 * 1024 * 1024, 0x41)]);
    const r = await ingestInbound(env.rt, big, smtp([m.returnPath]));
    expect(r).toMatchObject({ processed: true, message_id: m.id, events: 1 });
    const row = await env.rt.db
      .selectFrom("inbound_messages")
      .select(["raw_size", "raw_truncated"])
      .where("id", "=", r.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ raw_size: big.length, raw_truncated: true });
  });

  it("a stored mail whose processing failed is processed by the retry", async () => {
    const m = await sentMessage();
    const raw = Buffer.from(
      dsn({ to: m.returnPath, recipient: m.to, action: "failed", status: "5.1.1", diagnostic: "unknown" }),
    );
    const id = `inb_retry${Date.now()}`;
    await env.rt.db
      .insertInto("inbound_messages")
      .values({
        id,
        received_at: new Date(Date.now() - 120_000),
        source: "smtp",
        envelope: JSON.stringify({ mail_from: "", rcpt_to: [m.returnPath] }),
        raw,
        raw_size: raw.length,
        fingerprint: `retry-${id}`,
      })
      .execute();
    expect(await retryUnprocessed(env.rt)).toBeGreaterThanOrEqual(1);
    expect((await messageOf(m.id)).status).toBe("hard_bounced");
    // Processed once only.
    expect(await processInbound(env.rt, id, raw)).toBeNull();
  });
});
