import net, { type AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { type ScriptedSmtp, startScriptedSmtp } from "../../test/scripted-smtp.js";
import { mimeDigest } from "./mime.js";
import { parseVerp, verpAddress } from "./verp.js";
import { SendingWorker } from "./worker.js";

let env: TestEnv;
let smtp: ScriptedSmtp;
let worker: SendingWorker;
let transportId: string;

const admin = () => api(env.app, env.ws.admin);
const editor = () => api(env.app, env.ws.editor);

beforeAll(async () => {
  env = await createTestEnv({ retryBaseSeconds: 0, maxAttempts: 3 });
  smtp = await startScriptedSmtp();
  const t = await admin().post("/v1/transports", {
    name: "relay",
    kind: "smtp",
    config: { host: "127.0.0.1", port: smtp.port, starttls: "off", pool_size: 2 },
    is_default: true,
  });
  expect(t.status, t.text).toBe(201);
  transportId = t.body.id;
  worker = new SendingWorker(env.rt, { batchSize: 50 });
});
afterEach(() => {
  smtp.script = {};
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.close();
  await env?.close();
});

let seq = 0;
function message(over: Record<string, unknown> = {}) {
  seq++;
  return {
    to: `kundin${seq}@example.org`,
    from: "praxis@scholz.example",
    subject: `Ihr Termin ${seq}`,
    text: "Guten Tag,\nwir bestätigen Ihren Termin am Montag um 9 Uhr.\n",
    ...over,
  };
}

async function send(over: Record<string, unknown> = {}) {
  const r = await editor().post("/v1/messages", message(over));
  expect(r.status, r.text).toBe(202);
  await worker.drain();
  return (await editor().get(`/v1/messages/${r.body.id}`)).body;
}

const types = (m: { timeline: Array<{ type: string }> }) => m.timeline.map((e) => e.type);
const receivedBy = (id: string) => smtp.received.filter((r) => r.raw.toString("latin1").includes(`<${id}@`));

describe("sending through an SMTP relay", () => {
  it("sends a message and shows the relay's reply and queue id in the timeline", async () => {
    const m = await send();
    expect(m.status).toBe("sent");
    expect(m.send_state).toBe("done");
    expect(m.attempts).toBe(1);
    expect(types(m)).toEqual(["queued", "sent"]);
    const sent = m.timeline[1];
    expect(sent.source).toBe("smtp");
    expect(sent.evidence.response).toMatch(/^250 .*queued as Q\d+/);
    expect(sent.evidence.queue_id).toMatch(/^Q\d+$/);
    expect(m.queue_id).toBe(sent.evidence.queue_id);
    expect(m.sent_at).not.toBeNull();
    expect(m.channel).toBe("email");
    expect(receivedBy(m.id)).toHaveLength(1);
  });

  it("gives every message a unique Message-ID at the sender's domain and a VERP return path that parses back", async () => {
    const a = await send();
    const b = await send();
    expect(a.message_id).toBe(`<${a.id}@scholz.example>`);
    expect(a.message_id).not.toBe(b.message_id);
    expect(a.return_path).toMatch(/^bounce\+msg_[0-9a-z]+-[0-9a-f]{12}@bounces\.localhost$/);
    expect(parseVerp(env.rt.secret, a.return_path)).toEqual({ messageId: a.id });
    expect(parseVerp(env.rt.secret, a.return_path.toUpperCase())).toEqual({ messageId: a.id });
    expect(receivedBy(a.id)[0].from).toBe(a.return_path);
  });

  it("rejects a VERP address whose signature does not match", () => {
    const good = verpAddress(env.rt.secret, "msg_abc", "bounces.example");
    expect(parseVerp(env.rt.secret, good)).toEqual({ messageId: "msg_abc" });
    expect(parseVerp(env.rt.secret, good.replace("msg_abc", "msg_abd"))).toBeNull();
    expect(parseVerp("another-secret", good)).toBeNull();
    expect(parseVerp(env.rt.secret, "bounce+@x.example")).toBeNull();
    expect(parseVerp(env.rt.secret, "someone@x.example")).toBeNull();
  });

  it("keeps an unsigned message's MIME as its recipe, and /raw rebuilds exactly the bytes the relay received", async () => {
    const m = await send({ html: "<p>Grüße aus der Praxis</p>", text: "Grüße aus der Praxis" });
    const raw = await editor().get(`/v1/messages/${m.id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.headers["content-type"]).toMatch(/^message\/rfc822/);
    const row = await env.rt.db
      .selectFrom("messages")
      .select(["raw_mime", "mime_date", "mime_sha256"])
      .where("id", "=", m.id)
      .executeTakeFirstOrThrow();
    expect(row.raw_mime).toBeNull();
    expect(row.mime_date).not.toBeNull();
    const got = receivedBy(m.id)[0].raw;
    const trim = (b: Buffer) => b.toString("latin1").replace(/(\r\n)+$/, "");
    expect(raw.text.replace(/(\r\n)+$/, "")).toBe(trim(got));
    expect(row.mime_sha256).toBe(mimeDigest(Buffer.from(raw.text, "latin1")));
    expect(raw.text).toMatch(/^Message-ID: <msg_[0-9a-z]+@scholz\.example>\r$/m);
    expect(raw.text).toMatch(/^Content-Type: multipart\/alternative;/m);
  });

  it("sends a retry byte for byte as the first attempt (Date and boundaries rebuilt from the recipe)", async () => {
    let refused: Buffer | null = null;
    smtp.script = {
      data: (raw) => {
        if (refused) return null;
        refused = raw;
        return { code: 451, message: "4.3.0 Try again later" };
      },
    };
    const pdf = Buffer.from("%PDF-1.4 Befund").toString("base64");
    const r = await editor().post(
      "/v1/messages",
      message({
        html: "<p>Ihr Befund</p>",
        attachments: [{ filename: "Befund.pdf", content_type: "application/pdf", content_base64: pdf }],
      }),
    );
    expect(r.status, r.text).toBe(202);
    await worker.drain(); // retryBaseSeconds 0: the retry is due at once
    const m = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(types(m)).toEqual(["queued", "deferred", "sent"]);
    const once = (refused as Buffer | null)?.toString("latin1");
    const again = receivedBy(m.id)[0].raw.toString("latin1");
    expect(once).toContain(`<${m.id}@`);
    expect(again).toBe(once);
    expect(again).toMatch(/boundary="=_ps_[0-9a-f]{24}"/);
    const raw = await editor().get(`/v1/messages/${m.id}/raw`);
    expect(raw.text.replace(/(\r\n)+$/, "")).toBe(again.replace(/(\r\n)+$/, ""));
  });

  it("refuses /raw when the recipe no longer gives the bytes that left, instead of showing other bytes", async () => {
    const m = await send();
    await env.rt.db.updateTable("messages").set({ subject: "geändert" }).where("id", "=", m.id).execute();
    const raw = await editor().get(`/v1/messages/${m.id}/raw`);
    expect(raw.status).toBe(404);
    expect(raw.body.error.message).toMatch(/can no longer be reproduced exactly/);
  });

  it("gives the DSGVO export the bytes that left, rebuilt from the recipe, and null once they cannot be", async () => {
    const c = await env.rt.db
      .insertInto("contacts")
      .values({
        id: `con_export${++seq}`,
        workspace_id: env.ws.id,
        first_name: "Greta",
        last_name: "Lindner",
        emails: [`greta${seq}@lindner.example`],
        email_keys: [`greta${seq}@lindner.example`],
        custom_fields: "{}",
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const m = await send({ to: { contact_id: c.id }, html: "<p>Ihr Befund liegt vor</p>" });
    expect(m.status).toBe("sent");
    const exported = async () => {
      const r = await editor().get(`/v1/contacts/${c.id}/export`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.messages.map((x: { id: string }) => x.id)).toEqual([m.id]);
      return r.body.messages[0].raw_mime_base64 as string | null;
    };
    const got = receivedBy(m.id)[0]
      .raw.toString("latin1")
      .replace(/(\r\n)+$/, "");
    const b64 = await exported();
    expect(b64).not.toBeNull();
    expect(
      Buffer.from(b64 ?? "", "base64")
        .toString("latin1")
        .replace(/(\r\n)+$/, ""),
    ).toBe(got);
    // Changed since it left: the export shows no other bytes than those that left.
    await env.rt.db.updateTable("messages").set({ subject: "geändert" }).where("id", "=", m.id).execute();
    expect(await exported()).toBeNull();
  });

  it("asks the relay for DSNs: NOTIFY=SUCCESS,FAILURE,DELAY, ENVID = message id, RET=HDRS", async () => {
    const m = await send();
    const r = receivedBy(m.id)[0];
    expect(r.dsn).toMatchObject({ ret: "HDRS", envid: m.id });
    expect(r.rcptDsn[0]).toMatchObject({ notify: ["SUCCESS", "FAILURE", "DELAY"] });
  });

  it("retries a 4xx reply with backoff and ends sent with exactly one deferred before it", async () => {
    let first = true;
    smtp.script = {
      rcpt: () => {
        if (!first) return null;
        first = false;
        return { code: 451, message: "4.7.1 Greylisted, please try again later" };
      },
    };
    const m = await send();
    expect(m.status).toBe("sent");
    expect(types(m)).toEqual(["queued", "deferred", "sent"]);
    expect(m.timeline[1].detail).toMatch(/^451 .*Greylisted/);
    expect(m.timeline[1].error_code).toBe("4.7.1");
    expect(m.attempts).toBe(2);
    expect(receivedBy(m.id)).toHaveLength(1);
    const log = await env.rt.db.selectFrom("event_log").selectAll().where("record_id", "=", m.id).execute();
    expect(log.map((l) => l.severity)).toEqual(["warning"]);
    expect(log[0].detail).toMatch(/Attempt 1 deferred/);
  });

  it("treats a lost connection as temporary and gives up after maxAttempts with failed", async () => {
    smtp.script = { rcpt: () => ({ code: 421, message: "4.3.2 Service shutting down" }) };
    const m = await send();
    expect(types(m)).toEqual(["queued", "deferred", "deferred", "failed"]);
    expect(m.status).toBe("failed");
    expect(m.status_reason).toMatch(/^Gave up after 3 attempts; last reply: 421/);
    expect(m.timeline[3].evidence.retries_exhausted).toBe(true);
  });

  it("defers while the relay cannot be reached and gives up after maxAttempts, naming the connection error", async () => {
    const closed = await startScriptedSmtp();
    await closed.close();
    const t = await admin().post("/v1/transports", {
      name: `down${seq}`,
      kind: "smtp",
      config: { host: "127.0.0.1", port: closed.port, starttls: "off" },
    });
    const m = await send({ transport: t.body.name });
    expect(types(m)).toEqual(["queued", "deferred", "deferred", "failed"]);
    expect(m.timeline[1].detail).toMatch(/^No reply from the relay \(E\w+\): .*ECONNREFUSED/);
    expect(m.status_reason).toMatch(/^Gave up after 3 attempts/);
  });

  it("ends failed with the reply text on a 5xx and logs an error", async () => {
    smtp.script = {
      rcpt: () => ({ code: 550, message: "5.1.1 <x@example.org>: Recipient address rejected: User unknown" }),
    };
    const m = await send();
    expect(m.status).toBe("failed");
    expect(m.status_reason).toMatch(/^550 5\.1\.1 .*User unknown/);
    expect(m.error_code).toBe("5.1.1");
    // The error registry explains the code in office words (seed 001).
    expect(m.error.code).toBe("5.1.1");
    expect(m.error.explanation).toMatch(/Adresse|Empfänger|Postfach/);
    expect(m.error.remedy).toBeTruthy();
    expect(m.attempts).toBe(1);
    expect(types(m)).toEqual(["queued", "failed"]);
    const log = await env.rt.db.selectFrom("event_log").selectAll().where("record_id", "=", m.id).execute();
    expect(log.map((l) => l.severity)).toEqual(["error"]);
  });

  it("fails the message when the relay refuses the addressee even though it takes the archive copy", async () => {
    await admin().patch("/v1/workspace", { settings: { archive_bcc: "archiv@scholz.example" } });
    try {
      smtp.script = {
        rcpt: (a) => (a.startsWith("kundin") ? { code: 550, message: "5.1.1 User unknown" } : null),
      };
      const m = await send();
      expect(m.status).toBe("failed");
      expect(m.error_code).toBe("5.1.1");
    } finally {
      await admin().patch("/v1/workspace", { settings: { archive_bcc: null } });
    }
  });

  it("copies every message to the workspace's archive mailbox through the envelope only (seed 002)", async () => {
    await admin().patch("/v1/workspace", { settings: { archive_bcc: "archiv@scholz.example" } });
    try {
      const m = await send();
      // Where the archive copy goes is for admins only (issue 7): the editor who sent it learns only that it went.
      expect(m).toMatchObject({ archive_bcc: null, archive_bcc_set: true });
      expect((await admin().get(`/v1/messages/${m.id}`)).body.archive_bcc).toBe("archiv@scholz.example");
      const r = receivedBy(m.id)[0];
      expect(r.to).toEqual([m.to, "archiv@scholz.example"]);
      expect(r.raw.toString("latin1")).not.toMatch(/archiv@scholz/);
    } finally {
      await admin().patch("/v1/workspace", { settings: { archive_bcc: null } });
    }
  });

  it("asks for a read receipt with Disposition-Notification-To when requested", async () => {
    const m = await send({ read_receipt: true, reply_to: "buchhaltung@scholz.example" });
    expect(m.read_receipt).toBe(true);
    const raw = receivedBy(m.id)[0].raw.toString("latin1");
    expect(raw).toMatch(/^Disposition-Notification-To: buchhaltung@scholz\.example\r$/m);
    const plain = await send();
    expect(receivedBy(plain.id)[0].raw.toString("latin1")).not.toMatch(/Disposition-Notification-To/);
  });

  it("sends attachments", async () => {
    const pdf = Buffer.from("%PDF-1.4 Rechnung 2024-17").toString("base64");
    const m = await send({
      attachments: [{ filename: "Rechnung.pdf", content_type: "application/pdf", content_base64: pdf }],
    });
    expect(m.status).toBe("sent");
    expect(m.attachments).toEqual([{ filename: "Rechnung.pdf", content_type: "application/pdf", size: 25 }]);
    const raw = receivedBy(m.id)[0].raw.toString("latin1");
    expect(raw).toMatch(/Content-Type: application\/pdf; name=Rechnung\.pdf/);
    expect(raw).toContain(pdf);
  });
});

describe("idempotency", () => {
  it("answers a repeated Idempotency-Key with the first message and sends once", async () => {
    const body = message();
    const h = { "idempotency-key": `order-${seq}-confirmation` };
    const a = await editor().post("/v1/messages", body, h);
    const b = await editor().post("/v1/messages", body, h);
    expect(a.status).toBe(202);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    expect(b.headers["idempotent-replayed"]).toBe("true");
    await worker.drain();
    const c = await editor().post("/v1/messages", body, h);
    expect(c.body.id).toBe(a.body.id);
    expect(c.body.status).toBe("sent");
    await worker.drain();
    expect(receivedBy(a.body.id)).toHaveLength(1);
    const n = await env.rt.db
      .selectFrom("messages")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("idempotency_key", "=", h["idempotency-key"])
      .executeTakeFirstOrThrow();
    expect(n.n).toBe(1);
  });

  it("settles two identical requests racing each other on one message", async () => {
    const body = message();
    const h = { "idempotency-key": `race-${seq}` };
    const [a, b] = await Promise.all([
      editor().post("/v1/messages", body, h),
      editor().post("/v1/messages", body, h),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 202]);
    expect(a.body.id).toBe(b.body.id);
  });

  it("refuses the same key for a different message with 409 and writes nothing", async () => {
    const h = { "idempotency-key": `reuse-${seq}` };
    const a = await editor().post("/v1/messages", message(), h);
    expect(a.status).toBe(202);
    const b = await editor().post("/v1/messages", message(), h);
    expect(b.status).toBe(409);
    expect(b.body.error.message).toMatch(/already used for a different message/);
  });

  it("keys are per workspace", async () => {
    const h = { "idempotency-key": "shared-key" };
    const a = await editor().post("/v1/messages", message(), h);
    const b = await api(env.app, env.other.admin).post("/v1/messages", message(), h);
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(a.body.id);
  });
});

describe("the blocklist", () => {
  it("drops a message to a blocklisted address at once; no SMTP transaction happens", async () => {
    await worker.drain();
    const to = `gesperrt${seq}@example.org`;
    const bl = await editor().post("/v1/blocklist", { address: to, reason: "Widerspruch per Telefon" });
    expect(bl.status, bl.text).toBe(201);
    const before = smtp.mailFroms.length;
    const r = await editor().post("/v1/messages", message({ to }));
    expect(r.status).toBe(202);
    expect(r.body.status).toBe("dropped");
    expect(r.body.status_reason).toMatch(/blocklist.*Widerspruch per Telefon/);
    await worker.drain();
    const m = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(m.status).toBe("dropped");
    expect(m.send_state).toBe("done");
    expect(types(m)).toEqual(["queued", "dropped"]);
    expect(smtp.mailFroms.length).toBe(before);
  });

  it("drops a queued message whose address was blocked after it was accepted (worker re-check)", async () => {
    await worker.drain();
    const to = `spaet${seq}@example.org`;
    const r = await editor().post("/v1/messages", message({ to }));
    expect(r.body.status).toBe("queued");
    await editor().post("/v1/blocklist", { address: to.toUpperCase(), reason: "hard bounce elsewhere" });
    const before = smtp.mailFroms.length;
    await worker.drain();
    const m = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(m.status).toBe("dropped");
    expect(smtp.mailFroms.length).toBe(before);
  });
});

describe("crash safety", () => {
  it("marks a message unknown, never to be resent by itself, when the relay hangs up after the final dot", async () => {
    // A relay that takes the whole message and closes the line instead of answering it.
    const relay = net.createServer((socket) => {
      let inData = false;
      let seen = "";
      socket.write("220 relay ESMTP\r\n");
      socket.on("data", (chunk) => {
        seen += chunk.toString("latin1");
        if (inData) {
          if (seen.includes("\r\n.\r\n")) socket.destroy();
          return;
        }
        for (let nl = seen.indexOf("\r\n"); nl !== -1 && !inData; nl = seen.indexOf("\r\n")) {
          const line = seen.slice(0, nl);
          seen = seen.slice(nl + 2);
          if (line.startsWith("EHLO")) socket.write("250-relay\r\n250 PIPELINING\r\n");
          else if (line === "DATA") {
            socket.write("354 go ahead\r\n");
            inData = true;
          } else socket.write("250 ok\r\n");
        }
      });
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const t = await admin().post("/v1/transports", {
      name: "hangs-up",
      kind: "smtp",
      config: { host: "127.0.0.1", port: (relay.address() as AddressInfo).port, starttls: "off" },
    });
    expect(t.status, t.text).toBe(201);
    const r = await editor().post("/v1/messages", message({ transport: "hangs-up" }));
    await worker.drain();
    await worker.drain();
    await new Promise<void>((res) => relay.close(() => res()));
    const m = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(m.status).toBe("unknown");
    expect(m.send_state).toBe("unknown");
    expect(m.attempts).toBe(1);
    expect(types(m)).toEqual(["queued", "unknown"]);
    expect(m.timeline[1].evidence).toMatchObject({ after_data: true, transport: "smtp:hangs-up" });
    expect((await admin().delete(`/v1/transports/${t.body.id}`)).status).toBe(200);
  });

  it("marks a message whose lease ran out while sending as unknown and never resends it by itself", async () => {
    const r = await editor().post("/v1/messages", message());
    const past = new Date(Date.now() - 60_000);
    await env.rt.db
      .updateTable("messages")
      .set({ send_state: "sending", lease_owner: "host:1:dead", lease_until: past })
      .where("id", "=", r.body.id)
      .execute();
    expect(await worker.reapExpiredLeases()).toBe(1);
    await worker.drain();
    const m = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(m.status).toBe("unknown");
    expect(m.send_state).toBe("unknown");
    expect(types(m)).toEqual(["queued", "unknown"]);
    expect(m.status_reason).toMatch(/worker stopped during the SMTP transaction; not resent automatically/);
    expect(m.timeline[1].evidence.lease_owner).toBe("host:1:dead");
    expect(receivedBy(r.body.id)).toHaveLength(0);
    expect(await worker.reapExpiredLeases()).toBe(0);
    const log = await env.rt.db
      .selectFrom("event_log")
      .selectAll()
      .where("record_id", "=", r.body.id)
      .execute();
    expect(log[0].severity).toBe("error");

    // The user resends deliberately: a new message, linked to the original.
    const again = await editor().post(`/v1/messages/${r.body.id}/resend`, {});
    expect(again.status, again.text).toBe(202);
    expect(again.body.id).not.toBe(r.body.id);
    expect(again.body.resent_from).toBe(r.body.id);
    expect(again.body.subject).toBe(m.subject);
    await worker.drain();
    expect((await editor().get(`/v1/messages/${again.body.id}`)).body.status).toBe("sent");
    expect(receivedBy(again.body.id)).toHaveLength(1);
    const orig = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(orig.status).toBe("unknown");
    expect(types(orig)).toEqual(["queued", "unknown", "resent"]);
  });

  it("does not resend a message that is still queued", async () => {
    const r = await editor().post("/v1/messages", message());
    const again = await editor().post(`/v1/messages/${r.body.id}/resend`, {});
    expect(again.status).toBe(409);
  });

  it("records a late outcome of a worker whose lease was reaped: the known result wins over unknown", async () => {
    // A worker stalls (GC, a slow relay) past its lease; the reaper marks the message unknown; then the
    // SMTP transaction completes and the worker records what really happened.
    await worker.drain();
    const slow = new SendingWorker(env.rt, { owner: "slow-worker" });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inData = new Promise<void>((r) => {
      entered = r;
    });
    smtp.script = {
      data: async () => {
        entered();
        await gate;
        return null;
      },
    };
    const r = await editor().post("/v1/messages", message());
    const sending = slow.sendBatch();
    await inData;
    await env.rt.db
      .updateTable("messages")
      .set({ lease_until: new Date(Date.now() - 1000) })
      .where("id", "=", r.body.id)
      .execute();
    expect(await worker.reapExpiredLeases()).toBe(1);
    release();
    expect(await sending).toBe(1);
    await slow.stop();
    const m = (await editor().get(`/v1/messages/${r.body.id}`)).body;
    expect(types(m)).toEqual(["queued", "unknown", "sent"]);
    expect(m.status).toBe("sent");
    expect(m.send_state).toBe("done");
    expect(receivedBy(r.body.id)).toHaveLength(1);
  });
});

describe("submission", () => {
  it("uses the workspace's default sender, and refuses a message without any sender", async () => {
    const { from: _f, ...noFrom } = message();
    const bad = await editor().post("/v1/messages", noFrom);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/no sender/);
    await admin().patch("/v1/workspace", {
      settings: { default_from: "info@pfote.example", default_from_name: "Hundeschule Pfote" },
    });
    const ok = await editor().post("/v1/messages", noFrom);
    expect(ok.status, ok.text).toBe(202);
    expect(ok.body.from).toBe("info@pfote.example");
    expect(ok.body.from_name).toBe("Hundeschule Pfote");
    expect(ok.body.message_id).toMatch(/@pfote\.example>$/);
  });

  it("sends to a contact's first usable address and refuses a contact without one", async () => {
    const c = await env.rt.db
      .insertInto("contacts")
      .values({
        id: `con_t${seq}`,
        workspace_id: env.ws.id,
        first_name: "Erika",
        last_name: "Muster",
        emails: ["erika@muster.example", "e2@muster.example"],
        email_keys: ["erika@muster.example", "e2@muster.example"],
        custom_fields: "{}",
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const r = await editor().post("/v1/messages", message({ to: { contact_id: c.id } }));
    expect(r.status, r.text).toBe(202);
    expect(r.body.to).toBe("erika@muster.example");
    expect(r.body.contact_id).toBe(c.id);
    // A message to the address links the contact too, so it shows in the contact's history.
    const byAddress = await editor().post("/v1/messages", message({ to: "E2@muster.example" }));
    expect(byAddress.body.contact_id).toBe(c.id);
    const list = await editor().get(`/v1/messages?contact_id=${c.id}`);
    expect(list.body.items.map((i: { id: string }) => i.id).sort()).toEqual(
      [r.body.id, byAddress.body.id].sort(),
    );

    const empty = await env.rt.db
      .insertInto("contacts")
      .values({
        id: `con_e${seq}`,
        workspace_id: env.ws.id,
        last_name: "Ohne",
        emails: [],
        email_keys: [],
        custom_fields: "{}",
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const none = await editor().post("/v1/messages", message({ to: { contact_id: empty.id } }));
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/contact has no usable address/);
    const foreign = await api(env.app, env.other.admin).post(
      "/v1/messages",
      message({ to: { contact_id: c.id } }),
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.message).toMatch(/no contact with id/);
  });

  it("answers bad input with 400 and writes nothing", async () => {
    const count = async () =>
      (
        await env.rt.db
          .selectFrom("messages")
          .select(sql<number>`count(*)::int`.as("n"))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        message({ to: "not-an-address" }),
        /^Invalid request body: to: 'not-an-address' is not a valid e-mail address/,
      ],
      [message({ to: { contact: "x" } }), /to: must be an e-mail address or \{ contact_id \}/],
      [message({ colour: "red" }), /colour/],
      [message({ subject: undefined }), /subject/],
      [message({ text: undefined }), /text, html or template_id/],
      [message({ template_id: "tpl_x" }), /either template_id or text\/html/],
      [message({ subject: "Hallo\r\nBcc: victim@example.org" }), /line breaks/],
      [message({ attachments: [{ filename: "a.pdf", content_base64: "***" }] }), /base64/],
      [message({ transport: "nope" }), /no transport named 'nope'/],
      [message({ tags: "x" }), /tags/],
    ];
    for (const [body, msg] of cases) {
      const r = await editor().post("/v1/messages", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(msg);
    }
    expect(await count()).toBe(before);
    expect((await api(env.app, env.ws.viewer).post("/v1/messages", message())).status).toBe(403);
  });

  it("reports template errors at submit time, before anything is sent", async () => {
    const r = await editor().post("/v1/messages", {
      to: "a@example.org",
      from: "b@example.org",
      template_id: "tpl_missing",
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it("records an activity for every message created", async () => {
    const r = await editor().post("/v1/messages", message());
    const a = await editor().get(`/v1/activities?kind=message&record_id=${r.body.id}`);
    expect(a.body.items).toHaveLength(1);
    expect(a.body.items[0].action).toBe("created");
  });
});

describe("batches", () => {
  it("accepts 500 messages in one request and refuses 501", async () => {
    const ok = await editor().post("/v1/messages/batch", {
      messages: Array.from({ length: 500 }, () => message()),
    });
    expect(ok.status, ok.text.slice(0, 300)).toBe(202);
    expect(ok.body.items).toHaveLength(500);
    expect(new Set(ok.body.items.map((i: { id: string }) => i.id)).size).toBe(500);
    expect(ok.body.items[499]).toMatchObject({ index: 499, status: "queued", idempotent_replay: false });
    const tooMany = await editor().post("/v1/messages/batch", {
      messages: Array.from({ length: 501 }, () => message()),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/at most 500/);
    await worker.drain();
  });

  it("refuses a whole batch with one bad item, naming its index, and writes nothing", async () => {
    const before = smtp.received.length;
    const items = [message(), message(), message({ to: "kaputt" })];
    const r = await editor().post("/v1/messages/batch", { messages: items });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].path).toMatch(/^messages\.2\.to/);
    const semantic = await editor().post("/v1/messages/batch", {
      messages: [message(), message({ transport: "nope" })],
    });
    expect(semantic.status).toBe(400);
    expect(semantic.body.error.message).toMatch(/^messages\[1\]: transport/);
    expect(semantic.body.error.details[0].path).toBe("messages.1.transport");
    const dupKeys = await editor().post("/v1/messages/batch", {
      messages: [message({ idempotency_key: "k1" }), message({ idempotency_key: "k1" })],
    });
    expect(dupKeys.status).toBe(400);
    const n = await env.rt.db
      .selectFrom("messages")
      .select(sql<number>`count(*)::int`.as("n"))
      .where("subject", "=", items[0].subject)
      .executeTakeFirstOrThrow();
    expect(n.n).toBe(0);
    await worker.drain();
    expect(smtp.received.length).toBe(before);
  });

  it("gives every error about one message of a batch a code, also those that are not about a field's form", async () => {
    const tpl = await editor().post("/v1/templates", {
      name: `Rechnung ${seq}`,
      subject: "Rechnung",
      text: "Guten Tag,\n  Rechnung {{ data.invoice_number }}",
    });
    expect(tpl.status, tpl.text).toBe(201);
    const bare = ({ text: _t, subject: _s, ...rest }: Record<string, unknown>) => rest;
    const details = async (items: Array<Record<string, unknown>>, status: number) => {
      const r = await editor().post("/v1/messages/batch", { messages: items });
      expect(r.status, r.text).toBe(status);
      return r.body.error.details;
    };
    // A template that does not exist: still 404, now with a detail saying which field and what.
    expect(await details([message(), bare(message({ template_id: "tpl_gibtsnicht" }))], 404)).toEqual([
      {
        path: "messages.1.template_id",
        message: "unknown template",
        code: "unknown_reference",
        kind: "template",
      },
    ]);
    // A template that cannot be filled for this message: where, and which merge field has no value.
    expect(await details([bare(message({ template_id: tpl.body.id, data: {} })), message()], 400)).toEqual([
      {
        path: "messages.0.template_id",
        message: "Merge field 'data.invoice_number' has no value for this message.",
        code: "template_not_renderable",
        part: "text",
        line: 2,
        column: 15,
        field: "data.invoice_number",
      },
    ]);
    // The same key for a different message: 409 with the item's key named.
    const key = `batch-reuse-${seq}`;
    expect(
      (await editor().post("/v1/messages/batch", { messages: [message({ idempotency_key: key })] })).status,
    ).toBe(202);
    expect(await details([message(), message({ idempotency_key: key })], 409)).toEqual([
      {
        path: "messages.1.idempotency_key",
        message: "key already used for a different message",
        code: "idempotency_key_reused",
      },
    ]);
    // A single message gets the same codes, without the index.
    const one = await editor().post("/v1/messages", bare(message({ template_id: "tpl_gibtsnicht" })));
    expect(one.status).toBe(404);
    expect(one.body.error.details).toEqual([
      { path: "template_id", message: "unknown template", code: "unknown_reference", kind: "template" },
    ]);
    await worker.drain();
  });

  it("stores every body and attachment as given, whether a batch's bodies are long, short or absent", async () => {
    const long = `<p>${'Grüße, "Zitat" und \\ Schrägstrich. '.repeat(40)}</p>`;
    const pdf = {
      filename: "Befund.pdf",
      content_base64: Buffer.from("%PDF-1.4 ".repeat(60)).toString("base64"),
    };
    const batches: Array<Array<Record<string, unknown>>> = [
      // html and attachments short or absent in every item: they travel with the small columns
      [message({ html: "<p>kurz</p>" }), message({ attachments: [] }), message({ text: "" })],
      // one long value makes the column a parameter per item, short and absent ones included
      [message({ html: long }), message({ html: "<p>kurz</p>" }), message({ attachments: [pdf] }), message()],
    ];
    for (const items of batches) {
      const r = await editor().post("/v1/messages/batch", { messages: items });
      expect(r.status, r.text.slice(0, 300)).toBe(202);
      const ids = r.body.items.map((i: { id: string }) => i.id);
      const rows = await env.rt.db
        .selectFrom("messages")
        .select(["id", "text_body", "html_body", "attachments"])
        .where("id", "in", ids)
        .execute();
      const byId = new Map(rows.map((row) => [row.id, row]));
      items.forEach((item, i) => {
        const row = byId.get(ids[i]);
        expect(row?.text_body).toBe(item.text);
        expect(row?.html_body).toBe(item.html ?? null);
        expect(row?.attachments).toEqual(item.attachments ?? []);
      });
    }
    await worker.drain();
  });

  it("honours per-item idempotency keys across batches", async () => {
    const a = message({ idempotency_key: `b-${seq}-a` });
    const b = message({ idempotency_key: `b-${seq}-b` });
    const first = await editor().post("/v1/messages/batch", { messages: [a] });
    const second = await editor().post("/v1/messages/batch", { messages: [a, b] });
    expect(second.status).toBe(202);
    expect(second.body.items[0]).toMatchObject({ id: first.body.items[0].id, idempotent_replay: true });
    expect(second.body.items[1].idempotent_replay).toBe(false);
  });
});

describe("reading messages", () => {
  it("lists and filters by status, recipient, tag, campaign and time, with cursor pagination", async () => {
    const tag = `t${seq}`;
    const a = await send({ tags: [tag, "rechnung"], campaign_id: "cmp_1" });
    smtp.script = { rcpt: () => ({ code: 550, message: "5.1.1 no such user" }) };
    const b = await send({ tags: [tag] });
    const c = api(env.app, env.ws.viewer);
    const ids = async (q: string) =>
      (await c.get(`/v1/messages?${q}`)).body.items.map((i: { id: string }) => i.id);
    expect(await ids(`tag=${tag}`)).toEqual([b.id, a.id]);
    expect(await ids(`tag=${tag}&status=failed`)).toEqual([b.id]);
    expect(await ids(`to=${encodeURIComponent(a.to.toUpperCase())}`)).toEqual([a.id]);
    expect(await ids(`campaign_id=cmp_1`)).toEqual([a.id]);
    expect(
      await ids(`tag=${tag}&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`),
    ).toEqual([]);
    const p1 = await c.get(`/v1/messages?tag=${tag}&limit=1`);
    expect(p1.body.items).toHaveLength(1);
    const p2 = await c.get(`/v1/messages?tag=${tag}&limit=1&cursor=${p1.body.next_cursor}`);
    expect(p2.body.items[0].id).toBe(a.id);
    expect(p2.body.next_cursor).toBeNull();
    expect((await c.get("/v1/messages?status=nonsense")).status).toBe(400);
  });

  it("answers 404 for unknown and foreign messages, and for MIME not built yet", async () => {
    const other = api(env.app, env.other.admin);
    const m = await send();
    expect((await other.get(`/v1/messages/${m.id}`)).status).toBe(404);
    expect((await other.get(`/v1/messages/${m.id}/raw`)).status).toBe(404);
    expect((await other.post(`/v1/messages/${m.id}/resend`, {})).status).toBe(404);
    expect((await editor().get("/v1/messages/msg_nope")).status).toBe(404);
    const q = await editor().post("/v1/messages", message());
    const raw = await editor().get(`/v1/messages/${q.body.id}/raw`);
    expect(raw.status).toBe(404);
    expect(raw.body.error.message).toMatch(/not been built yet/);
  });
});

describe("the capture outbox", () => {
  it("is the default when no transport is configured: stored and marked sent", async () => {
    const c = api(env.app, env.other.admin);
    const r = await c.post("/v1/messages", message());
    expect(r.status).toBe(202);
    await worker.drain();
    const m = (await c.get(`/v1/messages/${r.body.id}`)).body;
    expect(m.status).toBe("sent");
    expect(m.timeline[1].source).toBe("capture");
    expect(m.timeline[1].evidence.response).toBe("captured in the local outbox");
    expect(receivedBy(m.id)).toHaveLength(0);
    const raw = await c.get(`/v1/messages/${m.id}/raw`);
    expect(raw.text).toContain(`Message-ID: <${m.id}@scholz.example>`);
  });
});

describe("transports", () => {
  it("shows credentials to admins only", async () => {
    const t = await admin().post("/v1/transports", {
      name: "provider",
      kind: "smtp",
      config: { host: "smtp.provider.example", port: 465, secure: true, auth: { user: "u", pass: "geheim" } },
    });
    expect(t.status, t.text).toBe(201);
    expect(t.body.config.auth.pass).toBe("geheim");
    const asEditor = await editor().get(`/v1/transports/${t.body.id}`);
    expect(asEditor.status).toBe(200);
    expect(asEditor.body.config).toBeUndefined();
    expect(asEditor.body.endpoint).toBe("smtps://smtp.provider.example:465");
    expect(JSON.stringify((await editor().get("/v1/transports")).body)).not.toContain("geheim");
    const acts = await admin().get(`/v1/activities?kind=transport&record_id=${t.body.id}`);
    expect(JSON.stringify(acts.body)).not.toContain("geheim");
    expect((await editor().post("/v1/transports", { name: "x", kind: "capture" })).status).toBe(403);
    expect((await editor().patch(`/v1/transports/${t.body.id}`, { name: "y" })).status).toBe(403);
    expect((await api(env.app, env.other.admin).get(`/v1/transports/${t.body.id}`)).status).toBe(404);
    const upd = await admin().patch(`/v1/transports/${t.body.id}`, { config: { port: 2465 } });
    expect(upd.status, upd.text).toBe(200);
    expect(upd.body.config).toMatchObject({
      host: "smtp.provider.example",
      port: 2465,
      auth: { pass: "geheim" },
    });
    expect((await admin().patch(`/v1/transports/${t.body.id}`, { config: { port: "x" } })).status).toBe(400);
    expect((await admin().post("/v1/transports", { name: "provider", kind: "capture" })).status).toBe(409);
    expect((await admin().delete(`/v1/transports/${t.body.id}`)).status).toBe(200);
    expect((await admin().get(`/v1/transports/${t.body.id}`)).status).toBe(404);
  });

  it("refuses to delete a transport that queued messages still need", async () => {
    const r = await editor().post("/v1/messages", message({ transport: "relay" }));
    expect(r.body.transport_id).toBe(transportId);
    const del = await admin().delete(`/v1/transports/${transportId}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toMatch(/still waiting to be sent/);
    await worker.drain();
  });

  it("keeps one default per workspace", async () => {
    const t = await admin().post("/v1/transports", { name: "outbox", kind: "capture", is_default: true });
    expect(t.status).toBe(201);
    const list = (await admin().get("/v1/transports")).body.items;
    expect(
      list.filter((x: { is_default: boolean }) => x.is_default).map((x: { name: string }) => x.name),
    ).toEqual(["outbox"]);
    const r = await editor().post("/v1/messages", message());
    expect(r.body.transport_id).toBe(t.body.id);
    await worker.drain();
    await admin().patch(`/v1/transports/${transportId}`, { is_default: true });
    expect((await admin().delete(`/v1/transports/${t.body.id}`)).status).toBe(200);
  });
});
