// The signed token in the hosted sign-up form: it names the list, the page's language and when the form was
// rendered, and is signed over the consent wording shown. A POST without a fresh token from our own page is
// refused (a cross-site form cannot forge one), and the wording stored as evidence is provably the one shown.
import type { Lang } from "../tracking/html.js";
import { IdReader, openToken, packId, signToken } from "../tracking/token.js";

const PURPOSE = "signup-form";
/** A form filled in within a day is fine; older ones are reloaded. */
const MAX_AGE_SECONDS = 24 * 3600;
/** Clocks of several API processes may differ a little. */
const FUTURE_SKEW_SECONDS = 300;

export function formToken(secret: string, listId: string, lang: Lang, wording: string, now: Date): string {
  const at = Buffer.alloc(4);
  at.writeUInt32BE(Math.floor(now.getTime() / 1000));
  const payload = Buffer.concat([packId(listId, "list"), Buffer.of(lang === "en" ? 1 : 0), at]);
  return signToken(secret, PURPOSE, payload, wording);
}

/** The form's language when the token is ours, for this list and this wording, and fresh; else null. */
export function checkFormToken(
  secret: string,
  token: string,
  listId: string,
  wording: string,
  now: Date,
): Lang | null {
  const payload = openToken(secret, PURPOSE, token, wording);
  if (!payload) return null;
  try {
    const r = new IdReader(payload);
    const id = r.id("list");
    const lang: Lang = r.byte() === 1 ? "en" : "de";
    const age = Math.floor(now.getTime() / 1000) - r.uint32();
    const fresh = age <= MAX_AGE_SECONDS && age >= -FUTURE_SKEW_SECONDS;
    return id === listId && fresh && r.done() ? lang : null;
  } catch {
    return null;
  }
}
