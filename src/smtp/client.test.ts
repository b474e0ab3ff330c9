// The pipelining SMTP client against Nodemailer's smtp-server: envelope with RFC 3461 DSN
// parameters, STARTTLS and AUTH, dot-stuffing, replies classified as for Nodemailer, connection reuse.
import net, { type AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { smtpConfig } from "../delivery/schema.js";
import { PipelinedSmtpSender } from "./client.js";

interface Got {
  from: string;
  to: string[];
  envelope: unknown;
  raw: Buffer;
  session: string;
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

async function server(opts: Partial<SMTPServerOptions> = {}) {
  const got: Got[] = [];
  const s = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    hideDSN: false,
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        got.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((a) => a.address),
          envelope: session.envelope,
          raw: Buffer.concat(chunks),
          session: session.id,
        });
        cb(null, `Ok: queued as Q${got.length}`);
      });
    },
    ...opts,
  });
  s.on("error", () => {});
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { port: (s.server.address() as AddressInfo).port, got };
}

const mail = (i: number, raw = `Subject: ${i}\r\n\r\nHallo ${i}\r\n`) => ({
  messageId: `msg_${i}`,
  workspaceId: "ws",
  raw: Buffer.from(raw),
  returnPath: `bounce+msg_${i}-abc@bounces.example`,
  to: `kunde${i}@example.org`,
  archiveBcc: null as string | null,
});

function sender(port: number, extra: Record<string, unknown> = {}) {
  return new PipelinedSmtpSender(
    "smtp:test",
    smtpConfig.parse({ host: "127.0.0.1", port, starttls: "off", ...extra }),
  );
}

describe("the pipelining SMTP client", () => {
  it("sends the envelope with DSN parameters and the exact bytes, reusing pooled connections", async () => {
    const s = await server();
    const c = sender(s.port, { pool_size: 2 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.send(mail(i))));
    c.close();
    expect(results.every((r) => r.outcome === "sent")).toBe(true);
    expect(results[0]).toMatchObject({ queueId: expect.stringMatching(/^Q\d+$/) });
    expect(s.got).toHaveLength(20);
    expect(new Set(s.got.map((g) => g.session)).size).toBeLessThanOrEqual(2);
    const g = s.got.find((x) => x.to[0] === "kunde3@example.org")!;
    expect(g.from).toBe("bounce+msg_3-abc@bounces.example");
    expect(g.raw.toString()).toBe("Subject: 3\r\n\r\nHallo 3\r\n");
    expect(g.envelope).toMatchObject({
      dsn: { ret: "HDRS", envid: "msg_3" },
      rcptTo: [
        {
          address: "kunde3@example.org",
          dsn: { notify: ["SUCCESS", "FAILURE", "DELAY"], orcpt: "rfc822;kunde3@example.org" },
        },
      ],
    });
  });

  it("dot-stuffs lines that start with a dot, so they arrive unchanged", async () => {
    const s = await server();
    const c = sender(s.port);
    const raw = ".erste\r\nSubject: x\r\n\r\n.\r\n..zwei\r\nende";
    expect((await c.send(mail(1, raw))).outcome).toBe("sent");
    c.close();
    expect(s.got[0].raw.toString()).toBe(`${raw}\r\n`);
  });

  it("classifies refusals like Nodemailer: 5xx permanent with the enhanced code, 4xx temporary", async () => {
    const s = await server({
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith("kunde1@"))
          return cb(Object.assign(new Error("5.1.1 User unknown"), { responseCode: 550 }));
        if (address.address.startsWith("kunde2@"))
          return cb(Object.assign(new Error("4.2.0 Mailbox busy"), { responseCode: 451 }));
        cb();
      },
    });
    const c = sender(s.port);
    const [unknown, busy, fine] = await Promise.all([c.send(mail(1)), c.send(mail(2)), c.send(mail(3))]);
    c.close();
    expect(unknown).toMatchObject({ outcome: "permanent", errorCode: "5.1.1" });
    expect(busy).toMatchObject({ outcome: "temporary", errorCode: "4.2.0" });
    expect(fine.outcome).toBe("sent");
    expect(s.got.map((g) => g.to[0])).toEqual(["kunde3@example.org"]);
  });

  it("speaks STARTTLS and AUTH when the relay asks for them", async () => {
    const logins: string[] = [];
    const s = await server({
      disabledCommands: [],
      authOptional: false,
      onAuth(auth, _session, cb) {
        logins.push(`${auth.method}:${auth.username}`);
        if (auth.username === "praxis" && auth.password === "geheim") return cb(null, { user: "praxis" });
        cb(new Error("5.7.8 Authentication failed"));
      },
    });
    const ok = sender(s.port, {
      starttls: "required",
      tls_reject_unauthorized: false,
      auth: { user: "praxis", pass: "geheim" },
    });
    expect((await ok.send(mail(1))).outcome).toBe("sent");
    ok.close();
    const bad = sender(s.port, {
      starttls: "required",
      tls_reject_unauthorized: false,
      auth: { user: "praxis", pass: "falsch" },
    });
    const refused = await bad.send(mail(2));
    bad.close();
    // Our credentials are wrong, not the message: temporary, so it goes once the transport is fixed.
    expect(refused).toMatchObject({ outcome: "temporary" });
    expect(logins).toEqual(["PLAIN:praxis", "PLAIN:praxis"]);
    expect(s.got).toHaveLength(1);
  });

  it("marks the outcome unknown when the line breaks after the whole message went out", async () => {
    // A relay that takes the message and hangs up instead of answering the final dot.
    const relay = net.createServer((socket) => {
      let data = false;
      let seen = "";
      socket.write("220 relay ESMTP\r\n");
      socket.on("data", (chunk) => {
        seen += chunk.toString("latin1");
        if (data) {
          if (seen.includes("\r\n.\r\n")) socket.destroy();
          return;
        }
        for (let nl = seen.indexOf("\r\n"); nl !== -1 && !data; nl = seen.indexOf("\r\n")) {
          const line = seen.slice(0, nl);
          seen = seen.slice(nl + 2);
          if (line.startsWith("EHLO")) socket.write("250-relay\r\n250 PIPELINING\r\n");
          else if (line === "DATA") {
            socket.write("354 go ahead\r\n");
            data = true;
          } else socket.write("250 ok\r\n");
        }
      });
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const c = sender((relay.address() as AddressInfo).port);
    const r = await c.send(mail(1));
    c.close();
    await new Promise<void>((res) => relay.close(() => res()));
    expect(r.outcome).toBe("temporary");
    expect(r.evidence).toMatchObject({ after_data: true });
  });

  it("reports a relay that cannot be reached as a temporary failure", async () => {
    const s = await server();
    const port = s.port;
    for (const x of servers.splice(0)) await new Promise<void>((r) => x.close(() => r()));
    const c = sender(port);
    const r = await c.send(mail(1));
    c.close();
    expect(r).toMatchObject({ outcome: "temporary", errorCode: "econnrefused" });
  });
});
