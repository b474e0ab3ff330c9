// Text a database cannot store: PostgreSQL's text and jsonb hold no U+0000 (NUL), and UTF-8 has no encoding
// for a UTF-16 surrogate that is not one half of a pair (JSON's `\uD800` alone). Both reach JavaScript only
// through input — a JSON `\u` escape, a percent-encoded query string, path or form — and, written to the
// database, fail the statement with a 500 after some of the work has been done. Refused up front instead,
// naming the field, as a 400 like every other bad value.
import { Invalid } from "../util/errors.js";

/** A character either way: NUL, or any surrogate (paired ones are checked again below). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is looked for.
const SUSPECT = /[\u0000\ud800-\udfff]/;
const UNPAIRED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with the string, or null when it can be stored. */
function fault(s: string): string | null {
  if (!SUSPECT.test(s)) return null;
  if (s.includes("\u0000")) return "contains the character U+0000 (NUL), which cannot be stored; remove it";
  const m = UNPAIRED.exec(s);
  if (m) {
    const hex = m[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains \\u${hex}, half of a UTF-16 surrogate pair without its other half, which is not a character`;
  }
  return null;
}

/**
 * Throws 400 invalid when a string or key anywhere in `value` cannot be stored. A loop over a stack of
 * containers, not recursion: a JSON body may be nested deeper than the call stack reaches.
 */
export function refuseUnstorableText(value: unknown, where: string): void {
  const issues: { path: string; message: string }[] = [];
  const open: [unknown, string][] = [[value, ""]];
  for (let item = open.pop(); item !== undefined && issues.length < 5; item = open.pop()) {
    const [v, at] = item;
    if (typeof v === "string") {
      const f = fault(v);
      if (f) issues.push({ path: at, message: f });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) open.push([v[i], at ? `${at}.${i}` : String(i)]);
    } else if (typeof v === "object" && v !== null) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        const f = fault(k);
        if (f) issues.push({ path: at, message: `a key ${f}` });
        else open.push([(v as Record<string, unknown>)[k], at ? `${at}.${k}` : k]);
      }
    }
  }
  if (issues.length === 0) return;
  const parts = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  throw Invalid(`Invalid ${where}: ${parts.join("; ")}`, issues);
}
