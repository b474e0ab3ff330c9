// The client's connection pool against a scripted smtp-server: connections are reused across sends and
// never exceed the pool size, a refusal is followed by RSET on the same session, a connection is retired
// after its message quota, a session the relay closed while idle is replaced, an unreachable relay is
// reported to every waiting message, and AUTH uses the transport's credentials.
import { afterEach, describe, expect, it } from "vitest";
import {
  type Script,
  type ScriptedSmtp,
  type ServerOptions,
  startScriptedSmtp,
} from "../../test/scripted-smtp.js";
import { smtpConfig } from "../delivery/schema.js";
import type { OutgoingMail } from "../delivery/senders.js";
import { PipelinedSmtpSender } from "./client.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mail = (n: number): OutgoingMail => ({
  messageId: `msg_${n}`,
  workspaceId: "ws",
  raw: Buffer.from(
    `From: a@example.org\r\nTo: r${n}@example.org\r\nSubject: ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\nHallo ${n}\r\n`,
  ),
  returnPath: "bounce@example.org",
  to: `r${n}@example.org`,
  archiveBcc: null,
});

let server: ScriptedSmtp | undefined;
let sender: PipelinedSmtpSender | undefined;
afterEach(async () => {
  sender?.close();
  await server?.close();
  sender = undefined;
  server = undefined;
});

async function setUp(
  opts: {
    size?: number;
    maxMessages?: number;
    script?: Script;
    server?: ServerOptions;
    auth?: { user: string; pass: string };
  } = {},
) {
  server = await startScriptedSmtp(opts.script ?? {}, opts.server ?? {});
  sender = new PipelinedSmtpSender(
    "smtp:test",
    smtpConfig.parse({
      host: "127.0.0.1",
      port: server.port,
      starttls: "off",
      dsn: false,
      pool_size: opts.size ?? 2,
      max_messages_per_connection: opts.maxMessages ?? 1000,
      ...(opts.auth ? { auth: opts.auth } : {}),
    }),
  );
  return { server, sender };
}

describe("the SMTP client's pool", () => {
  it("keeps its connections open across sends and never opens more than its size", async () => {
    const { server: s, sender: c } = await setUp({ size: 3 });
    const first = await Promise.all(Array.from({ length: 30 }, (_, n) => c.send(mail(n))));
    const second = await Promise.all(Array.from({ length: 30 }, (_, n) => c.send(mail(n + 30))));
    expect([...first, ...second].every((r) => r.outcome === "sent")).toBe(true);
    expect(s.received).toHaveLength(60);
    expect(s.connections.total).toBe(3);
    expect(s.connections.maxOpen).toBe(3);
  });

  it("goes on over the same connection after the server refuses a message (RSET)", async () => {
    const { server: s, sender: c } = await setUp({
      size: 1,
      script: { rcpt: (a) => (a === "r1@example.org" ? { code: 550, message: "5.1.1 no such user" } : null) },
    });
    expect((await c.send(mail(0))).outcome).toBe("sent");
    expect(await c.send(mail(1))).toMatchObject({ outcome: "permanent", reply: { code: 550 } });
    expect((await c.send(mail(2))).outcome).toBe("sent");
    expect(s.received.map((r) => r.to[0])).toEqual(["r0@example.org", "r2@example.org"]);
    expect(s.connections.total).toBe(1);
  });

  it("replaces a connection after its message quota", async () => {
    const { server: s, sender: c } = await setUp({ size: 1, maxMessages: 2 });
    for (let n = 0; n < 5; n++) expect((await c.send(mail(n))).outcome).toBe("sent");
    expect(s.received).toHaveLength(5);
    expect(s.connections.total).toBe(3);
  });

  it("opens a new connection when the server has closed an idle one", async () => {
    const { server: s, sender: c } = await setUp({ size: 1, server: { idleTimeoutMs: 150 } });
    expect((await c.send(mail(0))).outcome).toBe("sent");
    await sleep(400);
    expect((await c.send(mail(1))).outcome).toBe("sent");
    expect(s.received).toHaveLength(2);
    expect(s.connections.total).toBe(2);
  });

  it("reports a server that cannot be reached to every waiting message, as temporary", async () => {
    const { server: s, sender: c } = await setUp({ size: 2 });
    await s.close();
    server = undefined;
    const results = await Promise.all(Array.from({ length: 5 }, (_, n) => c.send(mail(n))));
    expect(results.every((r) => r.outcome === "temporary")).toBe(true);
  });

  it("logs in with the transport's credentials, and treats refused credentials as temporary", async () => {
    const { server: s, sender: ok } = await setUp({
      server: { auth: { user: "praxis", pass: "geheim" } },
      auth: { user: "praxis", pass: "geheim" },
    });
    expect((await ok.send(mail(1))).outcome).toBe("sent");
    expect(s.logins).toEqual(["praxis"]);
    const wrong = new PipelinedSmtpSender(
      "smtp:test",
      smtpConfig.parse({
        host: "127.0.0.1",
        port: s.port,
        starttls: "off",
        auth: { user: "praxis", pass: "falsch" },
      }),
    );
    const r = await wrong.send(mail(2));
    wrong.close();
    expect(r.outcome).toBe("temporary");
    expect(r.outcome !== "sent" && r.detail).toMatch(/535/);
    expect(s.received).toHaveLength(1);
  });
});
