// Text that arrives from machines we do not control — a remote MTA's bounce, a provider's webhook event — may
// hold characters a database cannot store: PostgreSQL's text and jsonb hold no U+0000 (NUL), and UTF-8 has no
// encoding for half of a UTF-16 surrogate pair. The API refuses such input (src/http); a bounce or a provider
// event cannot be refused without losing what it says, so each such character is kept as U+FFFD (the
// replacement character), which the timeline shows where the sender's text was broken.

const REPLACEMENT = "\ufffd";

/** String.prototype.isWellFormed / toWellFormed (ES2024, in Node 20), scans in V8's own code. */
type Es2024String = string & { isWellFormed(): boolean; toWellFormed(): string };

/** Whether `s` has no NUL and no unpaired surrogate (isWellFormed: a scan in V8's own code, some 20 times faster
 * than a regular expression over a long text). */
export const hasNoNul = (s: string) => s.indexOf("\u0000") === -1;
export const isWellFormed = (s: string) => (s as Es2024String).isWellFormed();

/** `s` with every NUL and every unpaired surrogate replaced by U+FFFD (the same string when it has none). */
export function storableText(s: string): string {
  const t = hasNoNul(s) ? s : s.replaceAll("\u0000", REPLACEMENT);
  return isWellFormed(t) ? t : (t as Es2024String).toWellFormed();
}

/** Replaces, in place, every string (and object key) in `value` that storableText would change; plain objects
 * and arrays are walked with a stack, not by recursion. Returns `value`. Dates and other class instances are
 * left as they are. */
export function makeStorable<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  const open: unknown[] = [value];
  const seen = new Set<unknown>();
  for (let v = open.pop(); v !== undefined; v = open.pop()) {
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === "string") v[i] = storableText(x);
        else if (typeof x === "object" && x !== null) open.push(x);
      }
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) continue;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const x = o[k];
      const key = storableText(k);
      if (key !== k) {
        delete o[k];
        o[key] = x;
      }
      if (typeof x === "string") o[key] = storableText(x);
      else if (typeof x === "object" && x !== null) open.push(x);
    }
  }
  return value;
}
