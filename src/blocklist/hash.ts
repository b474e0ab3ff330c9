// The blocklist is looked up by a keyed hash of the normalised address, never by the address itself,
// so that after a DSGVO erasure (the address removed everywhere) the address stays blocked.
import { hmac } from "../util/crypto.js";
import { tryNormaliseEmail } from "../util/email.js";

export type BlockKind = "email" | "phone";

/** Canonical form for hashing: e-mail fully lower-cased; phone numbers digits only with a leading +. */
export function canonicalAddress(kind: BlockKind, address: string): string {
  if (kind === "email") return tryNormaliseEmail(address)?.key ?? address.trim().toLowerCase();
  const t = address.trim();
  const digits = t.replace(/[^0-9]/g, "");
  if (t.startsWith("+")) return `+${digits}`;
  if (t.startsWith("00")) return `+${digits.slice(2)}`;
  return digits;
}

export function addressHash(secret: string, kind: BlockKind, address: string): string {
  return hmac(secret, `${kind}:${canonicalAddress(kind, address)}`, "hex");
}
