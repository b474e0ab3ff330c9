// A template part made only of text and plain outputs ({{ contact.first_name }}: a dotted path, no filter,
// no tag, no whitespace control) is rendered by concatenation instead of LiquidJS (DESIGN §3.5: a campaign
// renders the same template 100,000 times; Liquid's evaluation was ~40 µs of CPU per message and much of
// its garbage). The result must be exactly Liquid's (fast-check in plain-outputs.test.ts), so anything
// this renderer is not sure about — a path that is not an own property of a plain object, a value that is
// not a string, number, boolean or null, the names Liquid reads specially (size, first, last) — makes it
// answer undefined, and the caller renders that message with Liquid, which also words the errors.

/** The text between outputs, and the paths of the outputs: text[0] path[0] text[1] … text[n]. */
export interface PlainTemplate {
  text: string[];
  paths: string[][];
  escapeHtml: boolean;
}

const OUTPUT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/y;
const LIQUID_READS_SPECIALLY = new Set(["size", "first", "last"]);
/** Words Liquid reads as literals or operators, not as variables, when they start an output. */
const LIQUID_WORDS = new Set([
  "true",
  "false",
  "nil",
  "null",
  "empty",
  "blank",
  "and",
  "or",
  "not",
  "contains",
]);
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&#34;",
  "'": "&#39;",
};
const ESCAPED = /[&<>"']/g;

/** The plain form of a template source, or null when it has anything else than text and plain outputs.
 * `escapeHtml`: the part's engine escapes every output (HTML). */
export function plainTemplate(source: string, escapeHtml: boolean): PlainTemplate | null {
  if (source.includes("{%")) return null;
  const text: string[] = [];
  const paths: string[][] = [];
  let from = 0;
  for (;;) {
    const open = source.indexOf("{{", from);
    if (open < 0) break;
    OUTPUT.lastIndex = open;
    const m = OUTPUT.exec(source);
    if (!m || LIQUID_WORDS.has(m[1].split(".")[0])) return null;
    text.push(source.slice(from, open));
    paths.push(m[1].split("."));
    from = OUTPUT.lastIndex;
  }
  text.push(source.slice(from));
  return { text, paths, escapeHtml };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (v as { toLiquid?: unknown }).toLiquid !== "function"
  );
}

/** The output text of one path, or undefined when Liquid must decide. */
function outputOf(scope: Record<string, unknown>, path: string[], escapeHtml: boolean): string | undefined {
  let v: unknown = scope;
  for (const key of path) {
    if (!isPlainObject(v) || LIQUID_READS_SPECIALLY.has(key) || !Object.hasOwn(v, key)) return undefined;
    v = v[key];
  }
  let s: string;
  if (typeof v === "string") s = v;
  else if (v === null) s = "";
  else if (typeof v === "number" || typeof v === "boolean") s = String(v);
  else return undefined;
  return escapeHtml ? s.replace(ESCAPED, (c) => ESCAPES[c]) : s;
}

/** The rendered part, or undefined when one of its outputs needs Liquid. */
export function renderPlain(t: PlainTemplate, scope: Record<string, unknown>): string | undefined {
  let out = t.text[0];
  for (let i = 0; i < t.paths.length; i++) {
    const value = outputOf(scope, t.paths[i], t.escapeHtml);
    if (value === undefined) return undefined;
    out += value + t.text[i + 1];
  }
  return out;
}
