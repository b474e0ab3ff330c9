// Peer tests run only where their peer can (CONVENTIONS: tests): a missing peer skips the block with the
// reason, except under POSTSTELLE_REQUIRE_PEERS=1 (CI), where it becomes one failing test that says what
// is missing. Usage: `requirePeer("postfix")("relays through Postfix", () => { it(...) })`.
import { describe, it } from "vitest";
import { type PeerName, peerMissing, peersRequired } from "./peers.js";

export type PeerDescribe = (title: string, body: () => void) => void;

export function requirePeer(name: PeerName | string, check?: () => string | null): PeerDescribe {
  const why = check ? check() : peerMissing(name as PeerName);
  if (why === null) return (title, body) => describe(title, body);
  if (peersRequired()) {
    return (title) =>
      describe(title, () => {
        it(`has the peer ${name}`, () => {
          throw new Error(`POSTSTELLE_REQUIRE_PEERS=1 but ${name} cannot run here: ${why}`);
        });
      });
  }
  return (title, body) => {
    console.warn(`[peers] skipping "${title}": ${name} cannot run here (${why})`);
    describe.skip(`${title} (skipped: ${name} missing: ${why})`, body);
  };
}
