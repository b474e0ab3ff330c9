// Opaque, time-ordered ids: "<prefix>_<10 chars of time><4 chars of counter><10 random chars>" in
// lower-case Crockford base32. Sorting by id is sorting by creation time, which gives cursor pagination a
// stable order for free. The counter orders ids made in the same millisecond in this process: a fetch
// makes the event-log entries of 100,000 members with one time (its run's). With the two characters it
// had (1,024 values) it wrapped, and every chunk's entries were inserted all over the run's range of the
// event log's two id indexes instead of at their right end (page splits across the whole range, the
// indexes a fifth larger, the "found" entries' insert ~15–45 % slower on PGlite).
import { randomBytes, randomFillSync } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function encodeTime(ms: number): string {
  let out = "";
  let n = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

// Ids are made on the hot path (a message, its events, its recipients): draw random bytes from a pool
// refilled 4 KB at a time instead of one system call per id.
const pool = Buffer.alloc(4096);
let poolPos = pool.length;
function randomChunk(n: number): Buffer {
  if (poolPos + n > pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const out = pool.subarray(poolPos, poolPos + n);
  poolPos += n;
  return out;
}

let lastMs = 0;
let seq = 0;

/** The id for a new record. Within one millisecond a counter keeps ids increasing in this process (up to
 * 1,048,576 ids per millisecond; 45 random bits keep ids of different processes apart). */
export function newId(prefix: string, now: number = Date.now()): string {
  if (now === lastMs) seq++;
  else {
    lastMs = now;
    seq = 0;
  }
  const r = randomChunk(9);
  let rand =
    ALPHABET[(seq >> 15) & 31] + ALPHABET[(seq >> 10) & 31] + ALPHABET[(seq >> 5) & 31] + ALPHABET[seq & 31];
  for (let i = 0; i < 10; i++) rand += ALPHABET[r[i % 9] & 31];
  return `${prefix}_${encodeTime(now)}${rand}`;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}
