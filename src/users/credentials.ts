// Credentials (SMTP passwords, provider API keys, mailbox passwords, webhook secrets, private keys) are
// visible to workspace admins only (issue 7; seed 002). Every route that returns one shapes it with these
// helpers, so a viewer or editor — by API key or by login — gets `null` and a flag saying one is set.
import type { Actor } from "../runtime.js";

/** Admins (and the operator) may read credentials; editors and viewers may not. */
export function canSeeCredentials(actor: Pick<Actor, "role">): boolean {
  return actor.role === "admin" || actor.role === "operator";
}

/** A credential for the API: the value for admins, null for everyone else. Pair it with `credentialSet`. */
export function credentialFor(actor: Pick<Actor, "role">, value: string | null | undefined): string | null {
  return canSeeCredentials(actor) ? (value ?? null) : null;
}

/** Whether a credential is configured, for everyone: `{ password: credentialFor(..), password_set: .. }`. */
export function credentialSet(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && value !== "";
}

/** Replaces the values of credential-like keys anywhere in a JSON value (config objects of unknown shape)
 * with null for non-admins. Keys match case-insensitively on the words below. */
export function redactCredentials<T>(actor: Pick<Actor, "role">, value: T): T {
  if (canSeeCredentials(actor)) return value;
  return redactDeep(value) as T;
}

const SECRET_KEY = /(pass(word)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)$/i;

function redactDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) {
        out[k] = null;
        out[`${k}_set`] = credentialSet(typeof v === "string" ? v : v ? "x" : null);
      } else out[k] = redactDeep(v);
    }
    return out;
  }
  return value;
}

/** Where the archive copy of every message goes (`archive_bcc`) is for admins only too (issue 7, seed 002):
 * it is not a secret, but it names the mailbox a workspace keeps everything in. For editors and viewers the
 * address becomes null wherever it appears (a message, the workspace's settings, an activity's before/after,
 * a change pair keyed `…archive_bcc`), and a sibling `archive_bcc_set` says whether one is configured. */
export function redactArchiveCopy<T>(actor: Pick<Actor, "role">, value: T): T {
  if (canSeeCredentials(actor)) return value;
  return redactArchive(value) as T;
}

const ARCHIVE_KEY = /(^|\.)archive_bcc$/;

function redactArchive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactArchive);
  if (value && typeof value === "object" && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!ARCHIVE_KEY.test(k)) out[k] = redactArchive(v);
      else if (v && typeof v === "object" && !Array.isArray(v)) {
        // A change pair { before, after }: both sides hidden, the pair kept.
        out[k] = Object.fromEntries(Object.keys(v).map((side) => [side, null]));
      } else {
        out[k] = null;
        if (!k.includes(".")) out[`${k}_set`] = credentialSet(typeof v === "string" ? v : null);
      }
    }
    return out;
  }
  return value;
}
