// Signed link tokens (DESIGN §3.9): a compact binary payload followed by a truncated HMAC-SHA256 of it under
// the instance secret, base64url-encoded. Every mail carries one, so ids are packed into bytes rather than
// spelled out. The purpose is part of the signed data: an unsubscribe token never passes as another kind.
import { createHmac, timingSafeEqual } from "node:crypto";
import { secretKey } from "../util/crypto.js";

/** 128 bits of MAC: RFC 2104 §5 allows truncation to at least half the hash; 128 bits leave no room to guess. */
const MAC_BYTES = 16;
/** Longer strings are not tokens this server issues; refuse them before decoding anything. */
const MAX_TOKEN_CHARS = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function mac(secret: string, purpose: string, payload: Buffer, bound: string): Buffer {
  return createHmac("sha256", secretKey(secret))
    .update(`poststelle/${purpose}\0`)
    .update(payload)
    .update(`\0${bound}`)
    .digest()
    .subarray(0, MAC_BYTES);
}

/** `bound` is data the token is signed over without carrying it (the caller must present it again). */
export function signToken(secret: string, purpose: string, payload: Buffer, bound = ""): string {
  return Buffer.concat([payload, mac(secret, purpose, payload, bound)]).toString("base64url");
}

/**
 * The payload of a token this server signed for `purpose`, or null for anything else: not base64url,
 * not in canonical form (two spellings of one byte string would let an altered token pass), too short,
 * or a MAC that does not match (compared in constant time).
 */
export function openToken(secret: string, purpose: string, token: string, bound = ""): Buffer | null {
  if (token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) return null;
  const bytes = Buffer.from(token, "base64url");
  if (bytes.toString("base64url") !== token || bytes.length <= MAC_BYTES) return null;
  const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
  const given = bytes.subarray(bytes.length - MAC_BYTES);
  return timingSafeEqual(given, mac(secret, purpose, payload, bound)) ? payload : null;
}

// ---------------------------------------------------------------- packing ids

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** src/util/ids.ts: prefix, underscore, 24 Crockford base32 characters (120 bits = 15 bytes). */
const GENERATED_ID = /^([a-z][a-z0-9]{0,30})_([0-9a-hjkmnp-tv-z]{24})$/;
const ID_BODY_BYTES = 15;
/** Header byte of a packed id: the high bit marks a generated id; the low bits the length of what follows. */
const COMPACT = 0x80;
/** A compact id whose prefix is the one the field expects (con_, list_, msg_…): the prefix is left out. */
const USUAL_PREFIX = 0x40;

/** 24 base32 characters to 15 bytes, most significant first. Small-integer shifts, not BigInt: every
 * campaign message packs five ids into its unsubscribe link. */
function base32ToBytes(s: string): Buffer {
  const out = Buffer.alloc(ID_BODY_BYTES);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    acc = (acc << 5) | ALPHABET.indexOf(s[i]);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}

function bytesToBase32(b: Buffer): string {
  let bits = 0n;
  for (const byte of b) bits = (bits << 8n) | BigInt(byte);
  let out = "";
  for (let i = 0; i < 24; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

/** Packs an id: 16 bytes for a generated id with its usual prefix, otherwise its text with a length byte. */
export function packId(id: string, usualPrefix: string): Buffer {
  const m = GENERATED_ID.exec(id);
  if (m) {
    const body = base32ToBytes(m[2]);
    if (m[1] === usualPrefix) return Buffer.concat([Buffer.of(COMPACT | USUAL_PREFIX), body]);
    return Buffer.concat([Buffer.of(COMPACT | m[1].length), Buffer.from(m[1], "ascii"), body]);
  }
  const text = Buffer.from(id, "utf8");
  if (text.length === 0 || text.length > 0x7f) throw new Error(`cannot pack id '${id}' into a token`);
  return Buffer.concat([Buffer.of(text.length), text]);
}

/** Reads ids back in the order they were packed; any malformed byte makes read() throw. */
export class IdReader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  private take(n: number): Buffer {
    if (this.at + n > this.bytes.length) throw new Error("token payload ends early");
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  byte(): number {
    return this.take(1)[0];
  }

  id(usualPrefix: string): string {
    const head = this.byte();
    if (head === (COMPACT | USUAL_PREFIX)) return `${usualPrefix}_${bytesToBase32(this.take(ID_BODY_BYTES))}`;
    if (head & COMPACT) {
      const prefix = this.take(head & 0x3f).toString("ascii");
      return `${prefix}_${bytesToBase32(this.take(ID_BODY_BYTES))}`;
    }
    if (head === 0) throw new Error("empty id in token payload");
    return this.take(head).toString("utf8");
  }

  uint32(): number {
    return this.take(4).readUInt32BE(0);
  }

  /** True when every byte was read: trailing bytes mean the payload is not one this code wrote. */
  done(): boolean {
    return this.at === this.bytes.length;
  }
}
