// What a report says about one recipient, before classification: the raw facts each reader (RFC 3464
// fields, an MTA's human-readable text) could find. classify.ts turns this into a reason and a verdict.
import type { Reason } from "./reasons.js";

export type SmtpCommand = "CONN" | "HELO" | "EHLO" | "STARTTLS" | "AUTH" | "MAIL" | "RCPT" | "DATA";

export interface Evidence {
  recipient: string;
  action?: string;
  /** The Status field of a DSN (RFC 3464 §2.3.4). */
  status?: string;
  /** "smtp", "x-postfix", "x-unix", … from Diagnostic-Code. */
  diagnosticType?: string;
  diagnostic: string;
  remoteMta?: string;
  /** The Reporting-MTA of a DSN: a mailbox provider reporting on its own mailboxes speaks its own words. */
  reportingMta?: string;
  command?: SmtpCommand;
  /** A reason the reader knows for certain from the format itself (e.g. Exim's "Unrouteable address"). */
  reason?: Reason;
  /** The DSN fields said nothing in words; the diagnostic is the human-readable part's prose. */
  wordsFromProse?: boolean;
  /** The sending MTA's own classification of the failure in a field of its DSN (PowerMTA's
   * X-PowerMTA-BounceCategory): it read the reply with rules of its own, and its verdict stands. */
  mtaVerdict?: Reason;
}

/** An address as found in free text: a local part of up to 64 of RFC 5322's atom characters (and dots),
 * "@", and a domain of at least two labels. Found from each "@" outwards rather than by one regular
 * expression tried at every position of the text: the same matches, found several times faster. */
const DOMAIN =
  /[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+/y;

const LOCAL_CHARS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")
  LOCAL_CHARS[c.charCodeAt(0)] = 1;

function isLocalChar(c: number): boolean {
  return c < 128 && LOCAL_CHARS[c] === 1;
}

/** The leftmost address at or after `from`, as [start, end), or undefined. */
function nextAddress(text: string, from: number): [number, number] | undefined {
  for (let at = text.indexOf("@", from); at !== -1; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > from && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
    if (start === at) continue;
    DOMAIN.lastIndex = at + 1;
    if (DOMAIN.test(text)) return [start, DOMAIN.lastIndex];
  }
  return undefined;
}

/** Every address in a text, in order of appearance. */
export function addressesIn(text: string): string[] {
  const out: string[] = [];
  for (let m = nextAddress(text, 0); m; m = nextAddress(text, m[1])) out.push(text.slice(m[0], m[1]));
  return out;
}

/** The first address in a text, without brackets or a trailing dot. */
export function firstAddress(text: string): string | undefined {
  const m = nextAddress(text, 0);
  return m ? cleanAddress(text.slice(m[0], m[1])) : undefined;
}

export function cleanAddress(a: string): string {
  // Nothing to strip unless the address begins with a prefix's or a quote's first character or ends
  // with a dot or a quote (most do neither).
  if (!CLEANS_FIRST.has(a.charCodeAt(0)) && !CLEANS_LAST.has(a.charCodeAt(a.length - 1))) return a;
  return a.replace(/^(?:smtp|rfc822|mailto)[=:]/i, "").replace(/^[.'"]+|[.'"]+$/g, "");
}

/** First characters of "smtp=", "rfc822:", "mailto:" (any case) and of a leading dot or quote. */
const CLEANS_FIRST = new Set([..."sSrRmM.'\""].map((c) => c.charCodeAt(0)));
const CLEANS_LAST = new Set([...".'\""].map((c) => c.charCodeAt(0)));

export function isPlausibleRecipient(a: string): boolean {
  const at = a.lastIndexOf("@");
  if (at < 1) return false;
  const domain = a.slice(at + 1);
  return domain.includes(".") && !/^\d+(\.\d+){3}$/.test(domain) && domain.length < 255;
}

/** Mailbox names that belong to the reporting system, not to a recipient. */
export function isSystemAddress(a: string): boolean {
  return /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|root|noreply|no-reply|bounce[s]?|abuse)@/i.test(
    a,
  );
}

/** Collapses whitespace; the phrase tables are matched against this form, lower-cased. (One pass by
 * hand: the same as `s.replace(/\s+/g, " ").trim()`, several times faster on report-sized texts.) */
export function sweep(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let end = n;
  while (end > i && isSpace(s.charCodeAt(end - 1))) end--;
  let out = "";
  let from = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (!isSpace(c)) {
      i++;
      continue;
    }
    // A run that is one plain space stays as it is.
    if (c === 32 && !isSpace(s.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    out += `${s.slice(from, i)} `;
    while (isSpace(s.charCodeAt(i))) i++;
    from = i;
  }
  return from === 0 && end === n ? s : out + s.slice(from, end);
}

/** JavaScript's \s: white space and line terminators (ECMA-262 §12.2, §12.3). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** An SMTP command's name where it stands as a word of its own. */
// A name followed by "=" is a parameter or a logged field ("HELO=[mail.example.com]" in a gateway's
// reply, "AUTH=<>" after MAIL FROM), not the step that was answered.
const COMMAND_WORD = /(HELO|EHLO|STARTTLS|AUTH|MAIL F|MAIL|RCPT|DATA)(?![A-Za-z0-9@=])/g;

/** Characters that, just before a command's name, make it part of another word (or an address). */
function joinsWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 64 || c === 46;
}

/** Phrases that name the step without the command's own name, each with words it cannot do without
 * (looked for first: most texts contain none of them). */
const STEP_PHRASES: Array<[SmtpCommand, readonly string[], RegExp]> = [
  ["RCPT", ["rcpt", "recipient"], /after rcpt to|does not like recipient|\[rcpt_to\]|\(rcpt\)/],
  [
    "MAIL",
    ["mail", "sender"],
    /after mail from|didn't like the sender|does not like sender|\[mail_from\]|but sender was rejected/,
  ],
  [
    "DATA",
    ["data", "after"],
    /after end of data|after data|failed after i sent the message|\[end_of_data\]|after sending message|end of data/,
  ],
  ["EHLO", ["after", "my name"], /after (?:ehlo|helo)|but my name was rejected/],
  // Sendmail's transcript quoting a reply with no command before it: the greeting itself was refused.
  [
    "CONN",
    ["initial", "greeting", "talk"],
    /after initial connection|in reply to initial greeting|but greeting failed|refused to talk to me|while talking to [^\s:]+:? <<< [45]/,
  ],
];

/** Which SMTP command the remote side was answering. When several appear, the one latest in a
 * session wins (DATA after RCPT after MAIL): the refusal came at the last step that was reached. */
export function commandOf(text: string): SmtpCommand | undefined {
  let found = 0;
  // test, not exec: the word that matched is read back from where the match ended (no match array).
  COMMAND_WORD.lastIndex = 0;
  while (COMMAND_WORD.test(text)) {
    const end = COMMAND_WORD.lastIndex;
    const word = text.startsWith("STARTTLS", end - 8)
      ? "STARTTLS"
      : text.startsWith("MAIL F", end - 6)
        ? "MAIL F"
        : text.slice(end - 4, end);
    const at = end - word.length;
    if (at > 0 && joinsWord(text.charCodeAt(at - 1))) {
      // Not a word of its own here; a name may still start at the next character.
      COMMAND_WORD.lastIndex = at + 1;
      continue;
    }
    const c = word === "MAIL F" ? "MAIL" : word;
    if (c === "MAIL") {
      MAIL_FROM.lastIndex = at;
      if (!MAIL_FROM.test(text)) continue;
    }
    found |= COMMAND_BIT[c === "HELO" ? "EHLO" : (c as SmtpCommand)];
  }
  // A phrase for a step before one already named cannot change the answer (the latest step wins): with
  // DATA named, none can, and the text is not lower-cased.
  const t = found & COMMAND_BIT.DATA ? "" : text.toLowerCase();
  for (const [command, needs, phrase] of STEP_PHRASES) {
    const moot = COMMAND_BIT[command] | LATER_THAN[command];
    if ((found & moot) === 0 && includesAny(t, needs) && phrase.test(t)) found |= COMMAND_BIT[command];
  }
  if (found === 0) return undefined;
  for (const c of COMMANDS_LATEST_FIRST) if (found & COMMAND_BIT[c]) return c;
  return undefined;
}

/** "MAIL FROM" with up to two white-space characters between (within ten characters of "MAIL"). */
const MAIL_FROM = /MAIL\s{0,2}FROM/iy;

const COMMANDS_LATEST_FIRST = ["DATA", "RCPT", "MAIL", "AUTH", "STARTTLS", "EHLO", "CONN"] as const;

const COMMAND_BIT: Record<SmtpCommand, number> = {
  DATA: 1,
  RCPT: 2,
  MAIL: 4,
  AUTH: 8,
  STARTTLS: 16,
  EHLO: 32,
  CONN: 64,
  HELO: 32,
};

/** Each command's later steps (those before it in COMMANDS_LATEST_FIRST; HELO is EHLO's step), as bits. */
const LATER_THAN = Object.fromEntries(
  [...COMMANDS_LATEST_FIRST, "HELO" as const].map((c) => {
    const i = COMMANDS_LATEST_FIRST.indexOf(c === "HELO" ? "EHLO" : c);
    return [c, COMMANDS_LATEST_FIRST.slice(0, i).reduce((bits, later) => bits | COMMAND_BIT[later], 0)];
  }),
) as Record<SmtpCommand, number>;

function includesAny(text: string, words: readonly string[]): boolean {
  for (const w of words) if (text.includes(w)) return true;
  return false;
}
