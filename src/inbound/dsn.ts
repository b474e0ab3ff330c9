// RFC 3464 §2.2–2.3: the per-message and per-recipient fields of a delivery status notification
// (also RFC 6533's message/global-delivery-status). Reads field blocks from a message/delivery-status
// part, and from DSN-shaped text that some MTAs put into text/plain instead.
import { isSpace } from "./evidence.js";

export interface DsnRecipient {
  finalRecipient?: string;
  originalRecipient?: string;
  actualRecipient?: string;
  action?: string;
  status?: string;
  remoteMta?: string;
  diagnosticType?: string;
  diagnostic?: string;
  /** PowerMTA's X-PowerMTA-BounceCategory ("bad-mailbox", "quota-issues", …), lower-cased. */
  bounceCategory?: string;
  /** A comment after the status code ("Status: 4.0.0 (example.com: host name lookup failure)"). */
  statusComment?: string;
}

export interface DsnReport {
  envelopeId?: string;
  reportingMta?: string;
  recipients: DsnRecipient[];
}

/** A field line: a name of 2 to 41 letters, digits and hyphens beginning with a letter, white space, a
 * colon, at most one white-space character, then the value, which holds no line terminator (the shape of
 * /^([A-Za-z][A-Za-z0-9-]{1,40})\s*:\s?(.*)$/, read by hand: this runs for every line of every report). */
function fieldOf(line: string): Field | null {
  const n = line.length;
  if (n === 0 || !isLetter(line.charCodeAt(0))) return null;
  let i = 1;
  while (i < n && isNameChar(line.charCodeAt(i))) i++;
  if (i < 2 || i > 41) return null;
  const nameEnd = i;
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 58) return null;
  i++;
  // "\s?" takes one white-space character (a line terminator too); the value after it holds none.
  if (i < n && isSpace(line.charCodeAt(i))) i++;
  return hasTerminator(line, i) ? null : { name: line.slice(0, nameEnd).toLowerCase(), value: line.slice(i) };
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isNameChar(c: number): boolean {
  return isLetter(c) || (c >= 48 && c <= 57) || c === 45;
}

/** Does line[from…] hold a character "." does not match (\n, \r, U+2028, U+2029)? */
function hasTerminator(line: string, from: number): boolean {
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** Per-recipient field names we read (lower-case). */
const RECIPIENT_FIELDS = new Set([
  "final-recipient",
  "original-recipient",
  "x-actual-recipient",
  "action",
  "status",
  "remote-mta",
  "diagnostic-code",
  "last-attempt-date",
  "will-retry-until",
  "final-log-id",
  "x-powermta-bouncecategory",
]);

/** Strips an address-type prefix ("rfc822; <a@b>") and brackets. */
export function dsnAddress(v: string): string {
  const semi = v.indexOf(";");
  let a = (semi === -1 ? v : v.slice(semi + 1)).trim();
  const lt = a.indexOf("<");
  const gt = a.lastIndexOf(">");
  if (lt !== -1 && gt > lt) a = a.slice(lt + 1, gt);
  return a.replace(/^["']|["']$/g, "").trim();
}

function typed(v: string): { type?: string; text: string } {
  const semi = v.indexOf(";");
  if (semi > 0 && semi < 20 && /^[A-Za-z0-9-]+$/.test(v.slice(0, semi).trim())) {
    return { type: v.slice(0, semi).trim().toLowerCase(), text: v.slice(semi + 1).trim() };
  }
  return { text: v.trim() };
}

interface Field {
  name: string;
  value: string;
}

/** Splits text into fields, joining continuation lines (and the unindented ones MTAs write after
 * Diagnostic-Code, which RFC 3464 forbids but Exchange, qmail-ldap and others do anyway). */
function readFields(text: string): Array<Field | null> {
  const out: Array<Field | null> = [];
  let last: Field | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line === "") {
      out.push(null);
      last = null;
      continue;
    }
    if ((line.startsWith(" ") || line.startsWith("\t")) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const field = fieldOf(line);
    if (field) {
      last = field;
      out.push(last);
      continue;
    }
    if (last && last.name === "diagnostic-code") {
      last.value += ` ${line.trim()}`;
      continue;
    }
    out.push(null);
    last = null;
  }
  return out;
}

/** Reads every per-message and per-recipient field it can find in `text`. */
export function readDeliveryStatus(text: string): DsnReport {
  const report: DsnReport = { recipients: [] };
  let current: DsnRecipient | null = null;
  for (const f of readFields(text)) {
    if (!f) {
      // Blocks are separated by empty lines (RFC 3464 §2.1).
      current = null;
      continue;
    }
    applyMessageField(report, f);
    if (!RECIPIENT_FIELDS.has(f.name)) continue;
    if (!current || startsAnotherRecipient(current, f.name)) {
      current = {};
      report.recipients.push(current);
    }
    applyRecipientField(current, f);
  }
  report.recipients = report.recipients.filter(
    (r) => r.finalRecipient || r.originalRecipient || r.actualRecipient,
  );
  return report;
}

/** Many MTAs omit the empty line between recipients: a repeated address field starts the next one. */
function startsAnotherRecipient(r: DsnRecipient, name: string): boolean {
  if (name === "final-recipient") return r.finalRecipient !== undefined;
  // An Original-Recipient after a complete recipient (Final-Recipient, Action and what was said) begins
  // the next one; one right after "Action: … Final-Recipient: …" (Amazon SES's order) belongs to it.
  if (name === "original-recipient")
    return (
      r.originalRecipient !== undefined ||
      (r.finalRecipient !== undefined &&
        r.action !== undefined &&
        (r.status !== undefined || r.diagnostic !== undefined))
    );
  return false;
}

function applyMessageField(report: DsnReport, f: Field) {
  if (f.name === "original-envelope-id" && !report.envelopeId) report.envelopeId = f.value.trim();
  if (f.name === "reporting-mta" && !report.reportingMta) report.reportingMta = typed(f.value).text;
}

function applyRecipientField(r: DsnRecipient, f: Field) {
  const v = f.value.trim();
  switch (f.name) {
    case "final-recipient":
      r.finalRecipient = dsnAddress(v);
      break;
    case "original-recipient":
      r.originalRecipient = dsnAddress(v);
      break;
    case "x-actual-recipient":
      r.actualRecipient = dsnAddress(v);
      break;
    case "action":
      r.action = v.toLowerCase().split(/[\s(]/)[0];
      break;
    case "status": {
      const m = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(v);
      r.status = m ? `${m[1]}.${m[2]}.${m[3]}` : r.status;
      // RFC 3464's fields are structured: a comment may follow the code, and some MTAs say there why
      // (RFC 3464's own example C.2: "Status: 4.0.0 (hpnjld.njd.jp.com: host name lookup failure)").
      const comment = m ? /^\s*\(([^()]+)\)/.exec(v.slice(m.index + m[0].length)) : null;
      if (comment) r.statusComment = comment[1].trim();
      break;
    }
    case "remote-mta":
      r.remoteMta = typed(v).text;
      break;
    case "x-powermta-bouncecategory":
      r.bounceCategory = v.toLowerCase();
      break;
    case "diagnostic-code": {
      const t = typed(v);
      r.diagnosticType = t.type;
      r.diagnostic = r.diagnostic ? `${r.diagnostic} ${t.text}` : t.text;
      break;
    }
  }
}
