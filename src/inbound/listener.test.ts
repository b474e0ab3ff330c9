import net from "node:net";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { SendingWorker } from "../delivery/worker.js";
import { type InboundListener, startInboundListener } from "./listener.js";
import { dsn } from "./reports.testkit.js";

let env: TestEnv;
let listener: InboundListener;
const MAX = 64 * 1024;

beforeAll(async () => {
  env = await createTestEnv({ bounceDomain: "bounces.example.test" });
  listener = await startInboundListener(env.rt, { port: 0, host: "127.0.0.1", maxBytes: MAX });
});
afterAll(async () => {
  await listener?.stop();
  await env?.close();
});

const transport = () =>
  nodemailer.createTransport({ host: "127.0.0.1", port: listener.port, ignoreTLS: true, logger: false });

async function sentMessage() {
  const c = api(env.app, env.ws.admin);
  const to = `gone.${Date.now()}@example.org`;
  const m = await c.post("/v1/messages", {
    to,
    from: "praxis@example.org",
    subject: "Termin",
    text: "Hallo",
  });
  expect(m.status, m.text).toBe(202);
  await new SendingWorker(env.rt).drain();
  const row = await env.rt.db
    .selectFrom("messages")
    .select(["id", "return_path"])
    .where("id", "=", m.body.id)
    .executeTakeFirstOrThrow();
  return { id: row.id, to, returnPath: row.return_path };
}

/** Talks raw SMTP: sends each line and collects what the server answered. */
function rawSession(lines: Array<string | Buffer>): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(listener.port, "127.0.0.1");
    let out = "";
    s.on("data", (d) => {
      out += d.toString("latin1");
    });
    s.on("error", () => resolve(out));
    s.on("close", () => resolve(out));
    s.once("data", async () => {
      for (const l of lines) {
        s.write(l);
        await new Promise((r) => setTimeout(r, 20));
      }
      s.end();
      setTimeout(() => s.destroy(), 500);
    });
  });
}

describe("the inbound SMTP listener", () => {
  it("takes a DSN for a VERP address and the message ends hard_bounced", async () => {
    const m = await sentMessage();
    const raw = dsn({
      to: m.returnPath,
      recipient: m.to,
      action: "failed",
      status: "5.1.1",
      diagnostic: "550 5.1.1 User unknown",
    });
    const info = await transport().sendMail({ envelope: { from: "", to: [m.returnPath] }, raw });
    expect(info.response).toMatch(/^250/);
    const msg = await api(env.app, env.ws.admin).get(`/v1/messages/${m.id}`);
    expect(msg.body.status).toBe("hard_bounced");
    const stored = await env.rt.db
      .selectFrom("inbound_messages")
      .select(["source", "envelope", "message_id"])
      .where("message_id", "=", m.id)
      .executeTakeFirstOrThrow();
    expect(stored.source).toBe("smtp");
    expect(stored.envelope).toMatchObject({
      mail_from: "",
      rcpt_to: [m.returnPath],
      remote_address: "127.0.0.1",
    });
  });

  it("accepts any recipient at the bounce domain and refuses other domains with 550", async () => {
    const ok = await transport().sendMail({
      envelope: { from: "mailer-daemon@mx.example.net", to: ["fbl@bounces.example.test"] },
      raw: "Subject: hello\r\n\r\nnot a report\r\n",
    });
    expect(ok.response).toMatch(/^250/);
    await expect(
      transport().sendMail({
        envelope: { from: "a@example.net", to: ["someone@example.com"] },
        raw: "Subject: x\r\n\r\nx\r\n",
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it("accepts a signed VERP address at a domain it does not know (a bounce domain changed since)", async () => {
    const m = await sentMessage();
    const moved = m.returnPath.replace(/@.*$/, "@old-bounces.example.test");
    const info = await transport().sendMail({
      envelope: { from: "", to: [moved] },
      raw: dsn({ to: moved, recipient: m.to, action: "failed", status: "5.1.1", diagnostic: "unknown user" }),
    });
    expect(info.response).toMatch(/^250/);
  });

  it("refuses mail over the size limit with 552 and stores nothing", async () => {
    const before = await env.rt.db
      .selectFrom("inbound_messages")
      .select(env.rt.db.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const big = `Subject: big\r\n\r\n${"x".repeat(MAX * 2)}\r\n`;
    await expect(
      transport().sendMail({ envelope: { from: "", to: ["bounce+x@bounces.example.test"] }, raw: big }),
    ).rejects.toMatchObject({ responseCode: 552 });
    const after = await env.rt.db
      .selectFrom("inbound_messages")
      .select(env.rt.db.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it("survives garbage on the wire and still answers the next client", async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    await rawSession([
      garbage,
      "EHLO x\r\n",
      "MAIL FROM:<>\r\n",
      "RCPT TO:<@@>\r\n",
      "DATA\r\n",
      "\r\n.\r\n",
      "QUIT\r\n",
    ]);
    await rawSession([
      "HELO\r\n",
      `MAIL FROM:<${"a".repeat(5000)}>\r\n`,
      "DATA\r\nSubject: no rcpt\r\n.\r\n",
    ]);
    const truncated = await rawSession([
      "EHLO x\r\n",
      "MAIL FROM:<>\r\n",
      "RCPT TO:<bounce+x@bounces.example.test>\r\n",
      "DATA\r\n",
      "Content-Type: multipart/report; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nAction: fai",
    ]);
    expect(truncated).toMatch(/^220 /);
    const ok = await transport().sendMail({
      envelope: { from: "", to: ["bounce+x@bounces.example.test"] },
      raw: "Subject: after the garbage\r\n\r\nstill here\r\n",
    });
    expect(ok.response).toMatch(/^250/);
  });
});
