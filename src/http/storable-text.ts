// Text a database cannot store: PostgreSQL's text and jsonb hold no U+0000 (NUL), and UTF-8 has no encoding
// for a UTF-16 surrogate that is not one half of a pair (JSON's `\uD800` alone). Both reach JavaScript only
// through input — a JSON `\u` escape, a percent-encoded query string, path or form — and, written to the
// database, fail the statement with a 500 after some of the work has been done. Refused up front instead,
// naming the field, as a 400 like every other bad value; and so is JSON nested too deep for the code after.
import { Invalid } from "../util/errors.js";
import { hasNoNul, isWellFormed } from "../util/storable.js";

const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with the string, or null when it can be stored (src/util/storable.ts keeps machine input
 * instead, with U+FFFD in place of such characters); `character` is the offending one as U+XXXX. */
function fault(s: string): { message: string; character: string } | null {
  if (!hasNoNul(s))
    return {
      message: "contains the character U+0000 (NUL), which cannot be stored; remove it",
      character: "U+0000",
    };
  if (isWellFormed(s)) return null;
  const hex = (UNPAIRED.exec(s)?.[0] ?? "\ud800").charCodeAt(0).toString(16).toUpperCase();
  return {
    message: `contains \\u${hex}, half of a UTF-16 surrogate pair without its other half, which is not a character`,
    character: `U+${hex}`,
  };
}

/** How deep a request's JSON may nest. Nothing the API takes needs more than a handful of levels; far deeper
 * values (valid JSON, which JSON.parse takes) overflow the stack of the recursive code that checks, stores and
 * renders them (zod, JSON.stringify, the database's jsonb parser) and answered 500. */
export const MAX_JSON_DEPTH = 100;

/**
 * Throws 400 invalid when `value` nests deeper than MAX_JSON_DEPTH or, with `strings`, when a string or key
 * anywhere in it cannot be stored. A loop over a stack of containers, not recursion. Without `strings` only the
 * containers are visited (a batch of 500 messages has a few thousand), not the text.
 */
export function refuseUnstorableInput(value: unknown, where: string, strings = true): void {
  // FieldIssue codes (src/http/openapi.ts): unstorable_text (character), too_deep (maximum).
  const issues: { path: string; message: string; code: string; character?: string; maximum?: number }[] = [];
  const open: [unknown, string, number][] = [[value, "", 0]];
  for (let item = open.pop(); item !== undefined && issues.length < 5; item = open.pop()) {
    const [v, at, depth] = item;
    if (typeof v === "string") {
      const f = strings ? fault(v) : null;
      if (f) issues.push({ path: at, message: f.message, code: "unstorable_text", character: f.character });
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      issues.push({
        path: at,
        message: `nests deeper than ${MAX_JSON_DEPTH} levels; flatten it`,
        code: "too_deep",
        maximum: MAX_JSON_DEPTH,
      });
      break;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const x = v[i];
        if (typeof x === "object" ? x !== null : strings && typeof x === "string")
          open.push([x, at ? `${at}.${i}` : String(i), depth + 1]);
      }
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      const f = strings ? fault(k) : null;
      if (f) {
        issues.push({
          path: at,
          message: `a key ${f.message}`,
          code: "unstorable_text",
          character: f.character,
        });
        continue;
      }
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === "object" ? x !== null : strings && typeof x === "string")
        open.push([x, at ? `${at}.${k}` : k, depth + 1]);
    }
  }
  if (issues.length === 0) return;
  const parts = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  throw Invalid(`Invalid ${where}: ${parts.join("; ")}`, issues);
}
