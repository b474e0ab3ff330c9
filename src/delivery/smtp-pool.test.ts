import { afterEach, describe, expect, it } from "vitest";
import {
  type Script,
  type ScriptedSmtp,
  type ServerOptions,
  startScriptedSmtp,
} from "../../test/scripted-smtp.js";
import { SmtpSender } from "./senders.js";
import { SmtpPool } from "./smtp-pool.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const raw = (n: number) =>
  Buffer.from(
    `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\nHallo ${n}\r\n`,
  );

let server: ScriptedSmtp | undefined;
let pool: SmtpPool | undefined;
afterEach(async () => {
  pool?.close();
  await server?.close();
  pool = undefined;
  server = undefined;
});

async function setUp(
  opts: { size?: number; maxMessages?: number; script?: Script; server?: ServerOptions } = {},
) {
  server = await startScriptedSmtp(opts.script ?? {}, opts.server ?? {});
  pool = new SmtpPool({
    connection: { host: "127.0.0.1", port: server.port, ignoreTLS: true, logger: false },
    size: opts.size ?? 2,
    maxMessages: opts.maxMessages ?? 1000,
  });
  return { server, pool };
}

const envelope = (n: number) => ({ from: "bounce@example.org", to: [`r${n}@example.org`] });

describe("SmtpPool", () => {
  it("keeps its connections open across sends and never opens more than its size", async () => {
    const { server: s, pool: p } = await setUp({ size: 3 });
    await Promise.all(Array.from({ length: 30 }, (_, n) => p.send(envelope(n), raw(n))));
    await Promise.all(Array.from({ length: 30 }, (_, n) => p.send(envelope(n + 30), raw(n + 30))));
    expect(s.received).toHaveLength(60);
    expect(s.connections.total).toBe(3);
    expect(s.connections.maxOpen).toBe(3);
  });

  it("goes on over the same connection after the server refuses a message (RSET)", async () => {
    const { server: s, pool: p } = await setUp({
      size: 1,
      script: { rcpt: (a) => (a === "r1@example.org" ? { code: 550, message: "5.1.1 no such user" } : null) },
    });
    await p.send(envelope(0), raw(0));
    await expect(p.send(envelope(1), raw(1))).rejects.toMatchObject({ responseCode: 550 });
    await p.send(envelope(2), raw(2));
    expect(s.received.map((r) => r.to[0])).toEqual(["r0@example.org", "r2@example.org"]);
    expect(s.connections.total).toBe(1);
  });

  it("replaces a connection after maxMessages", async () => {
    const { server: s, pool: p } = await setUp({ size: 1, maxMessages: 2 });
    for (let n = 0; n < 5; n++) await p.send(envelope(n), raw(n));
    expect(s.received).toHaveLength(5);
    expect(s.connections.total).toBe(3);
  });

  it("opens a new connection when the server has closed an idle one", async () => {
    const { server: s, pool: p } = await setUp({ size: 1, server: { idleTimeoutMs: 150 } });
    await p.send(envelope(0), raw(0));
    await sleep(400);
    await p.send(envelope(1), raw(1));
    expect(s.received).toHaveLength(2);
    expect(s.connections.total).toBe(2);
  });

  it("reports a server that cannot be reached to every waiting sender", async () => {
    const { server: s, pool: p } = await setUp({ size: 2 });
    await s.close();
    server = undefined;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) => p.send(envelope(n), raw(n))),
    );
    expect(results.every((r) => r.status === "rejected")).toBe(true);
  });
});

describe("SmtpSender", () => {
  it("logs in with the transport's credentials, and treats refused credentials as temporary", async () => {
    const s = await startScriptedSmtp({}, { auth: { user: "praxis", pass: "geheim" } });
    server = s;
    const config = {
      host: "127.0.0.1",
      port: s.port,
      secure: false,
      starttls: "off" as const,
      pool_size: 1,
      max_messages_per_connection: 100,
      dsn: false,
      tls_reject_unauthorized: true,
    };
    const mail = {
      messageId: "msg_1",
      workspaceId: "ws",
      raw: raw(1),
      returnPath: "b@x.org",
      to: "r@x.org",
      archiveBcc: null,
    };
    const ok = new SmtpSender("smtp:test", { ...config, auth: { user: "praxis", pass: "geheim" } });
    expect((await ok.send(mail)).outcome).toBe("sent");
    ok.close();
    expect(s.logins).toEqual(["praxis"]);
    const wrong = new SmtpSender("smtp:test", { ...config, auth: { user: "praxis", pass: "falsch" } });
    const r = await wrong.send(mail);
    wrong.close();
    expect(r.outcome).toBe("temporary");
    expect(r.outcome !== "sent" && r.detail).toMatch(/535/);
  });
});
