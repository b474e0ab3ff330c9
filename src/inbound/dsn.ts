// RFC 3464 §2.2–2.3: the per-message and per-recipient fields of a delivery status notification
// (also RFC 6533's message/global-delivery-status). Reads field blocks from a message/delivery-status
// part, and from DSN-shaped text that some MTAs put into text/plain instead.

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
}

export interface DsnReport {
  envelopeId?: string;
  reportingMta?: string;
  recipients: DsnRecipient[];
}

const FIELD = /^([A-Za-z][A-Za-z0-9-]{1,40})\s*:\s?(.*)$/;

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
    const m = FIELD.exec(line);
    if (m) {
      last = { name: m[1].toLowerCase(), value: m[2] };
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
