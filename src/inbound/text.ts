// Non-standard bounces: the human-readable text that qmail, Exim, Sendmail, Postfix, Exchange,
// Domino, Gmail, Yahoo and many others write instead of (or beside) RFC 3464 fields. Each reader
// finds recipients and the words said about them; the classifier decides what the words mean.
import {
  addressesIn,
  cleanAddress,
  commandOf,
  type Evidence,
  isPlausibleRecipient,
  isSpace,
  isSystemAddress,
  sweep,
} from "./evidence.js";
import { presetIn, type Reason, saysAnyReason } from "./reasons.js";

/** Lines where the copy of the original message begins, in the words of the MTAs that write them
 * (one expression, so the report is scanned once). */
export const ORIGINAL_MARKER = new RegExp(
  [
    "^-+ ?This is a copy of (?:the|your) message",
    "^-+ ?Below this line is a copy of the message",
    "^-+ ?(?:The )?original message",
    "^-+ ?Original message (?:header )?follows",
    "^-+ ?Unsent message follows",
    "^-+ ?Message header follows",
    // T-Online's rule line: "|------------------------- Message header follows: ----------------------|"
    "^\\|-+ ?Message header follows",
    "^-+ ?Returned (?:message|mail)",
    "^-+ ?(?:Your )?message headers? (?:follow|are)",
    "^-+ ?The header of the original message",
    "^-+ ?Start of returned message",
    "^-+ ?Partial message",
    "^-+ ?Headers of your message",
    "^Original message follows\\.?$",
    "^Original message headers:?$",
    // Not Sendmail's "The original message was received at <date>", the first line of its report.
    "^The original message (?:was(?! received at)|headers? (?:were|was)|is):?",
    "^Included is a copy of the message header",
    "^Content-Type: (?:message/rfc822|text/rfc822-headers)",
    "^Your message reads \\(in part\\):?$",
    "^\\s*-+\\s*(?:Mensaje original|Nachricht)",
    // German: Exchange's "Ursprüngliche Nachrichtenkopfzeilen", providers' "Kopf der ursprünglichen Nachricht"
    "^-* ?(?:Kopf der )?Urspr\\S{1,4}nglichen? Nachricht",
    "^-+ ?Original-?[Nn]achricht",
  ].join("|"),
  "im",
);

/** The same expression, tried at one line start at a time (see firstMarker). */
const MARKER_AT = new RegExp(ORIGINAL_MARKER.source, "imy");

/** Characters a marker line can begin with: "-", white space, or the first letter of a marker's words.
 * An alternative added to ORIGINAL_MARKER that begins with another letter must add it to MARKER_LETTERS. */
function mayBeginMarker(c: number): boolean {
  return MARKER_LETTERS.includes(String.fromCharCode(c)) || isSpace(c);
}
const MARKER_LETTERS = "-|otickuyOTICKUY";

/** Where ORIGINAL_MARKER first matches (-1: nowhere). Every alternative begins at a line start, so only
 * line starts that may begin one are tried, instead of every position of the text. Texts with line
 * breaks other than LF before that line go to the expression as a whole (the expression starts lines
 * there too); the part after it, usually the returned original, need not be looked at. */
function firstMarker(text: string): number {
  for (let at = 0; at < text.length; ) {
    if (mayBeginMarker(text.charCodeAt(at))) {
      MARKER_AT.lastIndex = at;
      if (MARKER_AT.test(text)) return OTHER_LINE_BREAK.test(text.slice(0, at)) ? wholeSearch(text) : at;
    }
    const nl = text.indexOf("\n", at);
    if (nl === -1) break;
    at = nl + 1;
  }
  return OTHER_LINE_BREAK.test(text) ? wholeSearch(text) : -1;
}

const OTHER_LINE_BREAK = /[\r\u2028\u2029]/;

function wholeSearch(text: string): number {
  return ORIGINAL_MARKER.exec(text)?.index ?? -1;
}

/** Cuts the report text where the returned original message begins. */
export function stripOriginal(text: string): { report: string; original: string } {
  let cut = text.length;
  const first = firstMarker(text);
  if (first > 0) cut = first;
  else if (first === 0) {
    // A marker at the very start cannot end a report; look for the next one.
    const again = ORIGINAL_MARKER.exec(text.slice(1));
    if (again) cut = again.index + 1;
  }
  // Last resort: a block of original headers starting at a line of its own. Only one that starts before
  // the cut counts, and such a block ends with the line after the one the cut falls in (a match runs
  // from its line break to the next line's name or first character), so the search ends there.
  const hb = HEADER_BLOCK.exec(cut < text.length ? text.slice(0, endOfLineAfter(text, cut - 1)) : text);
  if (hb && hb.index + 1 < cut) cut = hb.index + 1;
  return { report: text.slice(0, cut), original: text.slice(cut) };
}

const HEADER_BLOCK =
  /\n(?:Return-Path|Received|Message-I[Dd]|DKIM-Signature|X-Original-To): .+\n(?:[A-Za-z-]+: |\s)/;

/** The end (after its line feed) of the line that follows the line holding position `at`. */
function endOfLineAfter(text: string, at: number): number {
  const first = text.indexOf("\n", Math.max(at, 0));
  if (first === -1) return text.length;
  const second = text.indexOf("\n", first + 1);
  return second === -1 ? text.length : second + 1;
}

/** A recipient the text names, with the lines said about it. */
export interface TextBlock {
  recipient: string;
  lines: string[];
  reason?: Reason;
}

type Block = TextBlock;

/** Addresses that are the sender or the reporting system, never a failed recipient. */
export interface NotRecipients {
  has(address: string): boolean;
  /** Role addresses (postmaster@, abuse@ …) may be recipients in this reading (see readTextBlocks). */
  rolesAllowed?: boolean;
}

/** The whole reading, the most specific reader that finds something winning: blocks, made evidence of
 * (evidenceOfBlock) only where needed — a DSN's fields need the words about their own recipient only. */
/** `reporter`: the report's From address; role addresses in its domain are the reporting system's own. */
export function readTextBlocks(report: string, exclude: NotRecipients, reporter?: string): TextBlock[] {
  const lines = report.split("\n");
  // People do write to themselves: when only the sender's own address is named, it is the recipient.
  // And to a postmaster: when the report names no one else, a role address is whom it is about
  // ("There was an error delivering your mail to <postmaster@example.org>") — never the mailer-daemon,
  // nor a role address in the reporting system's own domain ("please contact postmaster@mx.example.net").
  const roles: NotRecipients = {
    has: (a) => exclude.has(a) || DAEMON.test(a) || sameDomain(a, reporter),
    rolesAllowed: true,
  };
  for (const skip of [exclude, nobody, roles]) {
    for (const reader of READERS) {
      const blocks = reader(lines, skip, report);
      if (blocks.length > 0) return blocks;
    }
  }
  return [];
}

const nobody: NotRecipients = { has: () => false };

const DAEMON = /^(?:mailer-?daemon|mail-daemon)@/i;

/** Is the address in the other address's domain, one above it or one below it? */
function sameDomain(address: string, other: string | undefined): boolean {
  if (!other) return false;
  const domain = (a: string) => a.slice(a.lastIndexOf("@") + 1).toLowerCase();
  const own = domain(other);
  const its = domain(address);
  return its === own || own.endsWith(`.${its}`) || its.endsWith(`.${own}`);
}

/** What a block says, as evidence about its recipient. */
export function evidenceOfBlock(b: TextBlock): Evidence {
  const diagnostic = sweep(b.lines.join(" "));
  return { recipient: b.recipient, diagnostic, command: commandOf(diagnostic), reason: b.reason };
}

function pushBlock(blocks: Block[], b: Block): Block {
  const same = blocks.find((x) => x.recipient.toLowerCase() === b.recipient.toLowerCase());
  if (!same) {
    blocks.push(b);
    return b;
  }
  if (b.lines.length) same.lines.push(...b.lines);
  same.reason ??= b.reason;
  return same;
}

const BRACKETED = /<([^<>\s@]+@[^<>\s]+)>/;
const ADDR = "([^\\s<>@()\\[\\]\"',;:=]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\\.[A-Za-z]{2,})";

/** Lines that name a failed recipient, in the shapes MTAs write them. Group 1 is the address, group 2
 * (when present) what was said about it on the same line. */
const ANCHORS: RegExp[] = [
  // <user@example.com>: host mx said: 550 …   (Postfix, qmail, Yahoo; also "user@x - no such user";
  // GMX and other Exim-derived reports quote it: "user@example.com":)
  // Exim quotes a malformed address as written ("  a@example.com <b@example.net>: malformed address: …"):
  // one recipient, named by its first address.
  new RegExp(
    `^\\s{0,8}["<]?${ADDR}[">]?(?:\\s+<[^<>\\s]+>)?(?:\\s*\\([^)]*\\))?\\s*(?::|\\.\\.\\.| - )\\s*(.*)$`,
  ),
  // the address alone, maybe indented or bulleted (Exim, Sendmail, many gateways)
  new RegExp(`^\\s{0,8}(?:[*•·-]\\s+)?<?${ADDR}>?\\.?\\s*$`),
  // Exim, for an address it expanded into a pipe or a file: "  pipe to |/usr/bin/x …" then
  // "    generated by user@example.com" names the recipient whose delivery failed.
  new RegExp(`^\\s{0,8}generated by <?${ADDR}>?\\s*$`),
  // Exchange 2003 and GroupWise: "user@example.com on Fri, 20 Jul 2001 …", "…;dda:SMTP=user@x; on …"
  new RegExp(`(?:^\\s*|SMTP=)<?${ADDR}>?;?\\s+on\\s+\\w{3}(.*)$`),
  // labelled: "Failed Recipient: user@x", "Intended recipient: user@x", "Recipient address: user@x"
  new RegExp(
    `^\\s*(?:intended |failed |original |final |invalid |unknown |bad )?(?:recipient|empf[aä]nger|destinataire|destinatario|address|addressee|rcpt(?: to)?)(?:\\s*address)?(?:\\(s\\))?\\s*:\\s*(?:rfc822;\\s*)?<?${ADDR}>?\\s*(.*)$`,
    "i",
  ),
  // "Delivery failed 20 attempts: user@x", "undeliverable to user@x", "User unknown: user@x"
  new RegExp(
    `(?:failed|failure|undeliverable|undelivered|rejected|unknown|refused|bounced|error)[^@]{0,40}?(?:\\b(?:to|for)|(?<!from):)\\s*<?${ADDR}>?(.*)$`,
    "i",
  ),
  // sentences: "unable to deliver your message to user@x for the following reason:"
  new RegExp(
    `(?:deliver(?:ed|y)?|send|sent|message|mail|relay(?:ed)?|forward(?:ed)?) (?:\\w+ ){0,4}(?:to|for|an|à|a) <?${ADDR}>?(.*)$`,
    "i",
  ),
];

/** Header lines of the returned original that the report quotes ("To: …"); not failed recipients. */
const QUOTED_HEADER =
  /^\s*(?:>\s*)*(?:to|from|cc|bcc|sender|reply-to|return-path|subject|sent|date|errors-to|message-id|in-reply-to|references)\s*:/i;

interface Anchor {
  line: number;
  recipient: string;
  rest: string;
}

/** Postfix writes each failed recipient as a paragraph: "<user@x>: host mx said: 550 …" at the left
 * margin, the rest of the remote reply wrapped onto lines indented by four spaces. */
const POSTFIX_PARAGRAPH_START = /^<[^<>\s@]+@[^<>\s]+>:\s/;
const BLANK = /^\s*$/;

function findAnchors(lines: string[], exclude: NotRecipients): Anchor[] {
  const out: Anchor[] = [];
  // Inside such a paragraph an indented line is the reply going on, even when it begins with an address
  // the remote server quoted ("    <bounces+x@sender>: unauthorized sender (in reply to RCPT TO command)"):
  // it names no further recipient.
  let inPostfixParagraph = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const c = line.charCodeAt(0);
    if (c === 60) inPostfixParagraph = POSTFIX_PARAGRAPH_START.test(line);
    else if (c === 32 || c === 9) {
      if (inPostfixParagraph) {
        if (BLANK.test(line)) inPostfixParagraph = false;
        else continue;
      }
    } else inPostfixParagraph = false;
    if (line.length > 400 || line.indexOf("@") === -1 || QUOTED_HEADER.test(line)) continue;
    for (const re of ANCHORS) {
      const m = re.exec(line);
      if (!m) continue;
      const a = cleanAddress(m[1]);
      if (!isPlausibleRecipient(a) || exclude.has(a) || (!exclude.rolesAllowed && isSystemAddress(a))) break;
      // What the line says besides the address ("Delivery failed 20 attempts:", "host x said: 550 …").
      const rest = line
        .replace(m[1], " ")
        .replace(/^\s*[<>:*•·-]+|[<>]/g, " ")
        .trim();
      out.push({ line: i, recipient: a, rest: /[A-Za-z]{2}|\d{3}/.test(rest) ? rest : "" });
      break;
    }
  }
  return out;
}

/** Does the text say why, in words we know or in an SMTP reply code? */
export function saysWhy(text: string): boolean {
  if (/(?:^|\s)[45]\d\d[\s-]|[45]\.\d{1,3}\.\d{1,3}/.test(text)) return true;
  // An MTA's own sentence (a preset: au's "The user(s) account is temporarily limited.") says why too.
  const lower = sweep(text).toLowerCase();
  return saysAnyReason(lower) || presetIn(lower) !== undefined;
}

/** Every recipient line, with what follows it until the next recipient (or the report runs out). */
function readAnchored(lines: string[], exclude: NotRecipients): Block[] {
  const anchors = findAnchors(lines, exclude);
  if (anchors.length === 0) return [];
  const blocks: Block[] = [];
  const notesLayout = lines.some((l) => l.includes("Failure Reasons"));
  for (let k = 0; k < anchors.length; k++) {
    const a = anchors[k];
    const notes =
      notesLayout && !a.rest ? notesWordsBefore(lines, a, k > 0 ? anchors[k - 1].line : -1) : null;
    if (notes) {
      pushBlock(blocks, { recipient: a.recipient, lines: notes });
      continue;
    }
    const end = Math.min(k + 1 < anchors.length ? anchors[k + 1].line : lines.length, a.line + 16);
    const said: string[] = [...deliveredTo(lines, a), ...(a.rest ? [a.rest] : [])];
    let blanks = 0;
    for (let j = a.line + 1; j < end; j++) {
      const l = lines[j].trim();
      if (!l) {
        if (said.length && ++blanks >= 2) break;
        continue;
      }
      blanks = 0;
      if (/^[-=_*]{6,}$/.test(l)) continue;
      said.push(l);
    }
    pushBlock(blocks, { recipient: a.recipient, lines: said });
  }
  // A recipient listed without words: the words are elsewhere in the report (before the list, or in a
  // "technical details" section after it).
  // Boilerplate that says nothing either is left out: a recipient nobody said anything about stays without
  // words (undefined), not on hold. (Read only when some block needs it: most blocks say why.)
  let elsewhere: string | undefined;
  let elsewhereSaysWhy: boolean | undefined;
  for (const b of blocks) {
    if (saysWhy(b.lines.join(" "))) continue;
    elsewhere ??= linesBesides(lines, anchors).slice(0, 3000);
    elsewhereSaysWhy ??= saysWhy(elsewhere);
    if (elsewhereSaysWhy) b.lines.push(elsewhere);
  }
  return blocks;
}

/** Lotus Notes writes a recipient's reason on the lines above its address, under its own section header:
 *   ------- Failure Reasons  --------
 *
 *   User not listed in public Name & Address Book
 *   user@notes.example.jp
 *
 *   ------- Returned Message --------
 * For a recipient in such a section: the lines between the header (or the previous recipient) and its
 * address; null elsewhere. Elsewhere the line above an address is a list's heading ("The following
 * addresses had permanent fatal errors"), not words about it, and words about an address follow it. */
function notesWordsBefore(lines: string[], a: Anchor, previous: number): string[] | null {
  const out: string[] = [];
  for (let j = a.line - 1; j >= 0 && a.line - j <= 200; j--) {
    const l = lines[j].trim();
    if (NOTES_FAILURE_REASONS.test(l)) return out;
    if (/^-{3,}/.test(l)) return null;
    if (j > previous && l) out.unshift(l);
  }
  return null;
}

const NOTES_FAILURE_REASONS = /^-{3,}\s*Failure Reasons\s*-{3,}$/;

/** Exim names what an address was expanded to on the line before "generated by <address>" ("pipe to
 * |/usr/bin/x", "save to inbox"): the failed delivery was that one, so that line belongs to the words. */
function deliveredTo(lines: string[], a: Anchor): string[] {
  if (a.line === 0 || !GENERATED_BY.test(lines[a.line])) return [];
  const before = lines[a.line - 1].trim();
  return before ? [before] : [];
}

const GENERATED_BY = /^\s*generated by\s/i;

/** The report without its recipient lines. */
function linesBesides(lines: string[], anchors: Anchor[]): string {
  const anchored = new Set(anchors.map((a) => a.line));
  return lines.filter((_, i) => !anchored.has(i)).join("\n");
}

/** Sendmail and other MTAs that quote the SMTP conversation:
 *   ... while talking to mx.example.com.:
 *   >>> RCPT To:<user@example.com>
 *   <<< 550 5.1.1 <user@example.com>... User unknown
 *   550 5.1.1 <user@example.com>... User unknown
 * The last line is Sendmail's own error line for the recipient ("<address>... what happened", its reply
 * code in front). It names the recipient also where no RCPT command does: the exchange quoted before it
 * (">>> MAIL From:<sender>" / "<<< 550 Insecure Mail Relay"), or nothing at all when the failure was
 * Sendmail's own ("554 <user@example.org>... 550 Host unknown (Authoritative answer from name server)"). */
function readTranscript(lines: string[], exclude: NotRecipients): Block[] {
  const blocks: Block[] = [];
  let rcptTo: string | undefined;
  let command = "";
  // What the transcript said since the last recipient was named (the exchange, a local agent's words:
  // "mail.local: unknown user: x"), waiting for Sendmail's error line about its recipient.
  let pending: string[] = [];
  // Whether `pending` is a server's reply quoted with "<<<" (not a local agent's words).
  let quotedReply = false;
  // The block the last reply made, when it named its recipient, and where its command line stands.
  let replied: { block: Block; at: number } | undefined;
  let inTranscript = false;
  for (let i = 0; i < lines.length; i++) {
    // Lines that begin, after white space, with ">>>" or "<<<" are read; other lines only inside the
    // transcript (after its dashed title or a ">>>" line, up to the next dashed title).
    const raw = lines[i];
    const first = firstNonSpace(raw);
    if (!raw.startsWith(">>>", first) && !raw.startsWith("<<<", first)) {
      const errorLine = inTranscript && isDigit(raw.charCodeAt(first));
      const own = errorLine ? SENDMAIL_ERROR_LINE.exec(raw) : null;
      // A line about a program or file is about the address it was expanded from, when the list says which.
      const target = errorLine && !own ? SENDMAIL_TARGET_LINE.exec(raw) : null;
      const named = own ? own[1] : target ? expandedFrom(lines, i, target[1]) : undefined;
      if (named) {
        const recipient = cleanAddress(named);
        if (isPlausibleRecipient(recipient) && !exclude.has(recipient)) {
          // After a server's quoted reply, Sendmail's "5xx 5.1.1 <x>... User unknown" only names whom the
          // reply was about: "User unknown" and 5.1.1 are what Sendmail writes for any 5xx answering RCPT,
          // also for "553 Sender Policy Framework (SPF) fail" when the commands were pipelined and the
          // reply came after ">>> DATA". The server's words are the evidence, as when the reply named its
          // RCPT, and the step they answered is RCPT, not the DATA sent with it (the server's next reply,
          // "503 Need RCPT", says so too). Sendmail's other words ("Remote protocol error: …") stay.
          const summary = SENDMAIL_USER_UNKNOWN.test(raw);
          if (summary && quotedReply) {
            pushBlock(blocks, { recipient, lines: answeredRcpt(pending, 0, recipient) });
          } else {
            // The reply named the address itself ("<<< 553 5.3.0 <x>... Unknown E-Mail Address").
            if (summary && replied?.block.recipient.toLowerCase() === recipient.toLowerCase()) {
              answeredRcpt(replied.block.lines, replied.at, recipient);
            }
            pushBlock(blocks, { recipient, lines: [...pending, raw.trim()] });
          }
        }
        pending = [];
        quotedReply = false;
        replied = undefined;
      } else if (raw.startsWith("-", first)) {
        // A section's dashed title: the transcript begins with its own and ends with the next one.
        inTranscript = TRANSCRIPT_TITLE.test(raw);
        pending = [];
        quotedReply = false;
      } else if (inTranscript && first < raw.length) {
        pending.push(raw.trim());
      }
      continue;
    }
    inTranscript = true;
    const line = raw.trim();
    if (line.startsWith(">>>")) {
      const rcpt = /rcpt to:?\s*<?([^\s<>]+@[^\s<>]+)>?/i.exec(line);
      if (rcpt) rcptTo = cleanAddress(rcpt[1]);
      command = line;
      continue;
    }
    if (!line.startsWith("<<<") || !command) continue;
    const reply = [line.replace(/^<<<\s*/, "")];
    while (i + 1 < lines.length && lines[i + 1].startsWith("<<<", firstNonSpace(lines[i + 1]))) {
      i++;
      reply.push(lines[i].trim().replace(/^<<<\s*/, ""));
    }
    const recipient = rcptTo ?? BRACKETED.exec(reply.join(" "))?.[1];
    if (recipient && isPlausibleRecipient(recipient) && !exclude.has(recipient)) {
      const block = pushBlock(blocks, { recipient: cleanAddress(recipient), lines: [command, ...reply] });
      replied = { block, at: block.lines.length - reply.length - 1 };
      pending = [];
      quotedReply = false;
    } else {
      pending = [command, ...reply];
      quotedReply = true;
      replied = undefined;
    }
  }
  return blocks.filter((b) => b.lines.some((l) => /\b[45]\d\d\b/.test(l)));
}

const TRANSCRIPT_TITLE = /^\s*-+\s*Transcript of session follows/i;

/** Sendmail's error line about one recipient: a reply code (and maybe a status), the address, "...". */
const SENDMAIL_ERROR_LINE = new RegExp(
  `^\\s*[45]\\d\\d(?: [245]\\.\\d{1,3}\\.\\d{1,3})? <?${ADDR}>?\\.\\.\\.`,
);

/** The DATA command a pipelining client sent before the replies to its RCPT commands came back. */
const PIPELINED_DATA = /^>>>\s*DATA\s*$/i;

/** Sendmail said "User unknown" of the reply at `lines[at + 1]`: the step it answered was the recipient's
 * RCPT, also where the transcript shows the DATA command sent with it by pipelining. Changes `lines`. */
function answeredRcpt(lines: string[], at: number, recipient: string): string[] {
  if (PIPELINED_DATA.test(lines[at] ?? "")) lines[at] = `>>> RCPT To:<${recipient}>`;
  return lines;
}

/** Sendmail's words for a refused RCPT (EX_NOUSER), whatever the server answered. */
const SENDMAIL_USER_UNKNOWN = /\.\.\. User unknown\s*$/i;

/** Sendmail's error line about a program or a file an address was aliased or forwarded to ("554
 * \"|/usr/bin/procmail\"... Service unavailable", "550 /var/mail/x... Cannot open"): group 1 the target as
 * written. */
const SENDMAIL_TARGET_LINE = /^\s*[45]\d\d(?: [245]\.\d{1,3}\.\d{1,3})? ("[|/][^"]*"|[|/]\S*)\.\.\./;

/** The address a program or file target was expanded from: Sendmail lists each failed target with
 * "(expanded from: <address>)" on the line below it, above the transcript (lines before `before`). */
function expandedFrom(lines: string[], before: number, target: string): string | undefined {
  for (let i = 0; i + 1 < before; i++) {
    if (lines[i].trim() !== target) continue;
    const m = EXPANDED_FROM.exec(lines[i + 1]);
    if (m) return m[1];
  }
  return undefined;
}

const EXPANDED_FROM = new RegExp(`^\\s*\\(expanded from:\\s*<?${ADDR}>?\\)\\s*$`, "i");

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Where a line's text begins (its length when it is all white space). */
function firstNonSpace(line: string): number {
  let i = 0;
  while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  return i;
}

/** Microsoft Exchange and Office 365 NDRs:
 *   Delivery has failed to these recipients or groups:
 *   user@example.com
 *   The e-mail address you entered couldn't be found. ...
 *   Diagnostic information for administrators:
 *   Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'
 * and Exchange 2003:  user@example.com on 1/1/2020 ... <mx #5.1.1 smtp;550 5.1.1 User unknown>
 */
function readExchange(lines: string[], exclude: NotRecipients, text: string): Block[] {
  if (
    !/Delivery has failed to these recipients|Diagnostic information for administrators|did not reach (?:some or all of )?the (?:intended|following) recipient|Your message did not reach|could not be delivered to the following recipients|Remote Server returned|Generating server:/i.test(
      text,
    )
  )
    return [];
  const blocks: Block[] = [];
  const diagIdx = lines.findIndex((l) => /Diagnostic information for administrators/i.test(l));
  // The administrators' section repeats each recipient followed by the server's own words.
  if (diagIdx !== -1) {
    let current: Block | null = null;
    for (const raw of lines.slice(diagIdx + 1)) {
      const line = raw.trim();
      if (/^(Original message headers|Received:|Return-Path:)/i.test(line)) break;
      const addr = /^<?([^\s<>@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?\s*$/.exec(line);
      if (addr && !exclude.has(addr[1])) {
        current = { recipient: cleanAddress(addr[1]), lines: [] };
        pushBlock(blocks, current);
        continue;
      }
      if (current && line && !/^Generating server:/i.test(line)) current.lines.push(line);
    }
  }
  if (blocks.some((b) => b.lines.length > 0)) return blocks;
  // Exchange 2003 and older: one line per recipient with the server's words in <…#x.y.z…>.
  for (let i = 0; i < lines.length; i++) {
    const m = /(?:^\s*|SMTP=)<?([^\s<>@=;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?;?\s+on\s+\S+/.exec(lines[i]);
    if (!m || exclude.has(m[1])) continue;
    const following: string[] = [];
    for (let j = i + 1; j < lines.length && j < i + 8; j++) {
      if (/^\s*<?[^\s<>@]+@[^\s<>]+>?\s+on\s+/.test(lines[j])) break;
      if (lines[j].trim()) following.push(lines[j].trim());
    }
    pushBlock(blocks, { recipient: cleanAddress(m[1]), lines: following });
  }
  if (blocks.length) return blocks;
  // Newer NDRs: the recipient list at the top, the server's words anywhere below.
  const startIdx = lines.findIndex((l) =>
    /Delivery has failed to these recipients|could not be delivered to the following|did not reach the following/i.test(
      l,
    ),
  );
  if (startIdx === -1) return [];
  const words = lines
    .filter((l) => /Remote Server returned|#\d\.\d\.\d|^\s*\d{3}[ -]\d\.\d\.\d/.test(l))
    .map((l) => l.trim());
  for (const raw of lines.slice(startIdx + 1, startIdx + 12)) {
    const a = addressesIn(raw)[0];
    if (a && isPlausibleRecipient(a) && !exclude.has(a)) {
      pushBlock(blocks, { recipient: cleanAddress(a), lines: [raw.trim(), ...words] });
    }
  }
  return blocks;
}

/** Last resort: any address the report names, with the whole report as what was said. */
/** Quoted header fields whose address-shaped values name no recipient: the sender, or a message
 * (a Message-ID is written like an address, "<id@host>", also without the space after the colon),
 * also in a notice someone forwarded with every line quoted ("> Message-Id: <…>"). */
const NOT_RECIPIENT_FIELD =
  /^\s*(?:>\s*)*(?:from|sender|reply-to|return-path|message-id|in-reply-to|references|resent-message-id|content-id)\s*:/i;

function readAnyAddress(lines: string[], exclude: NotRecipients, text: string): Block[] {
  const blocks: Block[] = [];
  const said = text.slice(0, 3000);
  for (const line of lines) {
    if (line.indexOf("@") === -1 || NOT_RECIPIENT_FIELD.test(line)) continue;
    for (const found of addressesIn(line)) {
      const a = cleanAddress(found);
      if (!isPlausibleRecipient(a) || exclude.has(a) || (!exclude.rolesAllowed && isSystemAddress(a)))
        continue;
      pushBlock(blocks, { recipient: a, lines: [] });
    }
  }
  for (const b of blocks) b.lines.push(said);
  return blocks;
}

const READERS = [readExchange, readTranscript, readAnchored, readAnyAddress];
