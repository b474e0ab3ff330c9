// Issue 5's Dovecot peer test: a real IMAP server holds the workspace's bounce mailbox and its archive
// mailbox (seed 002). A bounce, a read receipt, a complaint and a stray mail are dropped into the bounce
// mailbox and the BCC copy of a message into the archive mailbox (doveadm save, as a local delivery would);
// the poller picks them up, matches them, records their events and flags (or moves) what it took in.
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SendingWorker } from "../../src/delivery/worker.js";
import { PROCESSED_KEYWORD, pollDueMailboxes } from "../../src/inbound/imap.js";
import { arf, dsn, mdn } from "../../src/inbound/reports.testkit.js";
import { api, createTestEnv, type TestEnv } from "../harness.js";
import { type DovecotInstance, startDovecot } from "./dovecot.js";
import { requirePeer } from "./require.js";

requirePeer("dovecot")("polling a real Dovecot bounce and archive mailbox", () => {
  let env: TestEnv;
  let dovecot: DovecotInstance;

  beforeAll(async () => {
    dovecot = await startDovecot({ bounces: "bounce-secret", archiv: "archiv-secret" });
    dovecot.createFolder("bounces", "Bounces");
    dovecot.createFolder("archiv", "Erledigt");
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env?.close();
    await dovecot?.stop();
  });

  const admin = () => api(env.app, env.ws.admin);

  async function send(to: string) {
    const m = await admin().post("/v1/messages", {
      to,
      from: "rechnung@hundeschule.example",
      subject: "Ihre Rechnung",
      text: "Anbei.",
    });
    expect(m.status, m.text).toBe(202);
    await new SendingWorker(env.rt).drain();
    const row = await env.rt.db
      .selectFrom("messages")
      .select(["id", "return_path", "message_id_header"])
      .where("id", "=", m.body.id)
      .executeTakeFirstOrThrow();
    return { id: row.id, to, returnPath: row.return_path, messageIdHeader: row.message_id_header };
  }

  async function mailbox(body: Record<string, unknown>) {
    const r = await admin().post("/v1/inbound-mailboxes", {
      host: "127.0.0.1",
      port: dovecot.port,
      tls: false,
      ...body,
    });
    expect(r.status, r.text).toBe(201);
    return r.body.id as string;
  }

  async function flagsIn(user: string, pass: string, folder: string) {
    const c = new ImapFlow({
      host: "127.0.0.1",
      port: dovecot.port,
      secure: false,
      auth: { user, pass },
      logger: false,
    });
    await c.connect();
    const lock = await c.getMailboxLock(folder);
    try {
      if (!c.mailbox || c.mailbox.exists === 0) return [];
      const all = await c.fetchAll("1:*", { uid: true, flags: true });
      return all.map((m) => [...(m.flags ?? [])].sort());
    } finally {
      lock.release();
      await c.logout();
    }
  }

  it("takes in a bounce, a read receipt and a complaint, matches them and flags them", async () => {
    const bounced = await send("gibtsnicht@example.org");
    const read = await send("liest@example.org");
    const complains = await send("beschwert@example.org");

    dovecot.save(
      "bounces",
      "Bounces",
      dsn({
        to: bounced.returnPath,
        recipient: bounced.to,
        action: "failed",
        status: "5.1.1",
        diagnostic: "550 5.1.1 The email account that you tried to reach does not exist",
      }),
    );
    dovecot.save(
      "bounces",
      "Bounces",
      mdn({ from: read.to, to: "rechnung@hundeschule.example", originalMessageId: read.messageIdHeader }),
    );
    dovecot.save(
      "bounces",
      "Bounces",
      arf({
        to: "rechnung@hundeschule.example",
        recipient: complains.to,
        originalMessageId: complains.messageIdHeader,
        returnPath: complains.returnPath,
      }),
    );
    dovecot.save(
      "bounces",
      "Bounces",
      "From: jemand@example.net\r\nSubject: Frage\r\nMessage-ID: <frage.1@example.net>\r\n\r\nHallo?\r\n",
    );

    const id = await mailbox({
      name: "Bounces",
      user: "bounces",
      password: "bounce-secret",
      folder: "Bounces",
      purpose: "bounce",
    });
    const [result] = await pollDueMailboxes(env.rt, { only: [id] });
    expect(result).toMatchObject({ mailbox_id: id, ingested: 4, finished: 4, error: null });

    const status = async (mid: string) => (await admin().get(`/v1/messages/${mid}`)).body;
    const b = await status(bounced.id);
    expect(b.status).toBe("hard_bounced");
    expect(b.timeline.find((e: { type: string }) => e.type === "hard_bounced").evidence).toMatchObject({
      reason: "userunknown",
      via: "imap",
      matched_by: "verp",
    });
    expect((await admin().get(`/v1/blocklist/check?address=${bounced.to}`)).body.blocked).toBe(true);
    expect((await status(read.id)).status).toBe("read");
    expect((await status(complains.id)).status).toBe("blocked");

    // The stray mail is kept, unmatched, as this workspace's (it came from its own mailbox).
    const unmatched = await admin().get("/v1/inbound?matched=false&source=imap");
    expect(unmatched.body.items).toHaveLength(1);
    expect(unmatched.body.items[0]).toMatchObject({
      kind: "unknown",
      envelope: { mailbox: { id, folder: "Bounces" } },
    });

    // Everything taken in is flagged in the mailbox, and a second poll takes in nothing again.
    const flags = await flagsIn("bounces", "bounce-secret", "Bounces");
    expect(flags).toHaveLength(4);
    for (const f of flags) expect(f).toEqual(expect.arrayContaining(["\\Seen", PROCESSED_KEYWORD]));
    await admin().patch(`/v1/inbound-mailboxes/${id}`, { poll_seconds: 60 });
    const [again] = await pollDueMailboxes(env.rt, { only: [id] });
    expect(again).toMatchObject({ ingested: 0, finished: 0, error: null });
    const mb = await admin().get(`/v1/inbound-mailboxes/${id}`);
    expect(mb.body).toMatchObject({ last_error: null, last_ingested: 0, password: "********" });
  });

  it("turns the BCC copy in the archive mailbox into an archived event and moves it", async () => {
    const m = await send("kundin@example.org");
    const raw = await admin().get(`/v1/messages/${m.id}/raw`);
    expect(raw.status).toBe(200);
    dovecot.save("archiv", "INBOX", raw.text);

    const id = await mailbox({
      name: "Archiv",
      user: "archiv",
      password: "archiv-secret",
      purpose: "archive",
      after: "move",
      move_to: "Erledigt",
    });
    const [result] = await pollDueMailboxes(env.rt, { only: [id] });
    expect(result).toMatchObject({ ingested: 1, finished: 1, error: null });

    const msg = (await admin().get(`/v1/messages/${m.id}`)).body;
    expect(msg.status).toBe("sent");
    const archived = msg.timeline.find((e: { type: string }) => e.type === "archived");
    expect(archived).toMatchObject({
      source: "imap_archive",
      evidence: { mailbox: "Archiv", folder: "INBOX" },
    });
    expect(archived.evidence.uid).toBeGreaterThan(0);
    expect(await flagsIn("archiv", "archiv-secret", "INBOX")).toHaveLength(0);
    expect(await flagsIn("archiv", "archiv-secret", "Erledigt")).toHaveLength(1);
  });

  it("reports a wrong password in the event log once, and its recovery", async () => {
    const id = await mailbox({
      name: "Falsch",
      user: "bounces",
      password: "wrong",
      folder: "Bounces",
      purpose: "bounce",
    });
    const [r] = await pollDueMailboxes(env.rt, { only: [id] });
    expect(r.error).toMatch(/password|auth/i);
    const mb = await admin().get(`/v1/inbound-mailboxes/${id}`);
    expect(mb.body.last_error).toBe(r.error);
    const log = await admin().get("/v1/event-log?limit=500");
    const entries = log.body.items.filter((e: { record_id: string }) => e.record_id === id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ severity: "error", process: "imap" });

    // The admin fixes the password (PATCH makes it due at once); the log says it works again.
    await admin().patch(`/v1/inbound-mailboxes/${id}`, { password: "bounce-secret" });
    const [ok] = await pollDueMailboxes(env.rt, { only: [id] });
    expect(ok.error).toBeNull();
    const after = await admin().get("/v1/event-log?limit=500");
    expect(
      after.body.items.some(
        (e: { record_id: string; detail: string }) => e.record_id === id && /works again/.test(e.detail),
      ),
    ).toBe(true);
  });
});
