// The inbound SMTP listener (DESIGN §3.8, `poststelle serve --role inbound`): the MTA routes the bounce
// domain here, and every DSN, read receipt, complaint and auto-reply for a VERP return path arrives as
// plain SMTP. No AUTH, no STARTTLS: it listens on loopback behind the MTA by default. It accepts mail for
// any recipient at a bounce domain (the instance's and every workspace's) and for any valid VERP address,
// answers 552 to mail over the size limit, 451 when the mail could not be stored (the MTA keeps it and
// tries again), and nothing a client sends can crash it.
import type { AddressInfo } from "node:net";
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from "smtp-server";
import { parseVerp } from "../delivery/verp.js";
import type { Runtime } from "../runtime.js";
import { ingestInbound } from "./ingest.js";
import { workspaceBounceDomains } from "./store.js";

export interface InboundListener {
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface ListenerOptions {
  host?: string;
  /** 0: any free port (tests). */
  port?: number;
  maxBytes?: number;
}

/** How long the list of workspace bounce domains is trusted before it is read again. */
const DOMAINS_TTL_MS = 60_000;

type SmtpError = Error & { responseCode: number };
const smtpError = (code: number, message: string): SmtpError =>
  Object.assign(new Error(message), { responseCode: code });

export async function startInboundListener(
  rt: Runtime,
  opts: ListenerOptions = {},
): Promise<InboundListener> {
  const host = opts.host ?? rt.config.inboundHost;
  const maxBytes = opts.maxBytes ?? rt.config.inboundMaxBytes;
  const domains = bounceDomains(rt);
  const server = new SMTPServer({
    name: rt.config.bounceDomain,
    banner: "Poststelle inbound: bounces, delivery and read receipts, complaints",
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: maxBytes,
    logger: false,
    maxClients: 200,
    socketTimeout: 60_000,
    closeTimeout: 10_000,
    onMailFrom(address, _session, callback) {
      const declared = Number(address.args && (address.args as Record<string, string>).SIZE);
      if (Number.isFinite(declared) && declared > maxBytes) {
        return callback(
          smtpError(552, `5.3.4 Message too big: this listener accepts at most ${maxBytes} bytes`),
        );
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      accepts(rt, domains, address)
        .then((ok) =>
          callback(ok ? undefined : smtpError(550, "5.1.1 This host takes mail for its bounce domains only")),
        )
        .catch((err) => {
          rt.log.error({ err }, "inbound listener: recipient check failed");
          callback(smtpError(451, "4.3.0 Temporary failure, please try again later"));
        });
    },
    onData(stream, session, callback) {
      receive(rt, stream, session, maxBytes).then(
        () => callback(),
        (err: SmtpError) => callback(err),
      );
    },
  });
  server.on("error", (err) => rt.log.warn({ err }, "inbound listener: connection error"));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? rt.config.inboundPort, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  rt.log.info({ host, port }, "inbound listener ready");
  return {
    host,
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Reads the message (at most maxBytes kept) and ingests it. Rejects with the SMTP reply to give. */
async function receive(
  rt: Runtime,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  maxBytes: number,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    stream.once("end", () => resolve());
    stream.once("error", reject);
  });
  if (stream.sizeExceeded || size > maxBytes) {
    throw smtpError(552, `5.3.4 Message too big: this listener accepts at most ${maxBytes} bytes`);
  }
  const envelope = session.envelope;
  try {
    await ingestInbound(rt, Buffer.concat(chunks), {
      source: "smtp",
      mailFrom: envelope.mailFrom ? envelope.mailFrom.address : null,
      rcptTo: envelope.rcptTo.map((r) => r.address),
      remoteAddress: session.remoteAddress,
    });
  } catch (err) {
    // Not stored: the sending MTA must keep the mail and try again.
    rt.log.error({ err }, "inbound listener: could not store a mail; answered 451");
    throw smtpError(451, "4.3.0 Could not store the message now, please try again later");
  }
}

interface DomainCache {
  get(): Promise<Set<string>>;
}

function bounceDomains(rt: Runtime): DomainCache {
  let cached: { at: number; domains: Set<string> } | null = null;
  return {
    async get() {
      if (cached && Date.now() - cached.at < DOMAINS_TTL_MS) return cached.domains;
      const domains = new Set([
        rt.config.bounceDomain.toLowerCase(),
        ...(await workspaceBounceDomains(rt.db)),
      ]);
      cached = { at: Date.now(), domains };
      return domains;
    },
  };
}

async function accepts(rt: Runtime, domains: DomainCache, address: SMTPServerAddress): Promise<boolean> {
  const a = address.address.toLowerCase();
  // A signed VERP address is ours whatever its domain (a workspace may have changed its bounce domain).
  if (parseVerp(rt.secret, a)) return true;
  const domain = a.slice(a.lastIndexOf("@") + 1);
  return (await domains.get()).has(domain);
}
