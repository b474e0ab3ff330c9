// Which real peers (DESIGN §7) this machine has. A check returns null when the peer can run here, or the
// reason it cannot, in words that tell the reader what to install. No vitest import: benchmarks use it too.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export type PeerName = "postfix" | "postgresql" | "dovecot" | "sisimai" | "chromium";

export const POSTFIX_BIN = "/usr/sbin/postfix";
export const SMTP_SINK_BIN = "/usr/sbin/smtp-sink";
export const SMTP_SOURCE_BIN = "/usr/sbin/smtp-source";
export const PG_BIN_DIR = "/usr/lib/postgresql/15/bin";

function missingFile(path: string, pkg: string): string | null {
  return fs.existsSync(path) ? null : `${path} not found (apt-get install ${pkg})`;
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

const checks: Record<PeerName, () => string | null> = {
  // A private Postfix instance needs root: its daemons switch to the postfix user.
  postfix: () =>
    missingFile(POSTFIX_BIN, "postfix") ??
    missingFile(SMTP_SINK_BIN, "postfix") ??
    missingFile(SMTP_SOURCE_BIN, "postfix") ??
    (isRoot() ? null : "a private Postfix instance must be started as root"),
  postgresql: () => missingFile(`${PG_BIN_DIR}/initdb`, "postgresql"),
  dovecot: () =>
    missingFile("/usr/sbin/dovecot", "dovecot-imapd") ??
    (isRoot() ? null : "a private Dovecot instance must be started as root"),
  sisimai: () => {
    const r = spawnSync("perl", ["-MSisimai", "-e", "1"], { stdio: "ignore" });
    return r.status === 0 ? null : "the Perl module Sisimai is missing (apt-get install libsisimai-perl)";
  },
  chromium: () => missingFile("/usr/bin/chromium", "chromium"),
};

const cache = new Map<PeerName, string | null>();

/** null when the peer can run here, otherwise why it cannot. */
export function peerMissing(name: PeerName): string | null {
  if (!cache.has(name)) cache.set(name, checks[name]());
  return cache.get(name) ?? null;
}

export function peerAvailable(name: PeerName): boolean {
  return peerMissing(name) === null;
}

/** CI sets POSTSTELLE_REQUIRE_PEERS=1: a missing peer then fails its tests instead of skipping them. */
export function peersRequired(): boolean {
  return process.env.POSTSTELLE_REQUIRE_PEERS === "1";
}
