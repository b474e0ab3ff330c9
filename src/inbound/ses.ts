// Amazon SES notifications that arrive as mail (an SNS topic with an e-mail subscription, or a
// forwarded notification): the body is SES's JSON, not a DSN. Bounce, Complaint, Delivery and
// DeliveryDelay notifications ("notificationType", or "eventType" for event publishing) are read into
// the same evidence a DSN gives; the classifier decides from the diagnostic code as for any bounce.
import type { Evidence } from "./evidence.js";
import { isPlausibleRecipient, sweep } from "./evidence.js";
import type { Reason } from "./reasons.js";

export type SesKind = "bounce" | "complaint" | "delivery" | "delay";

export interface SesNotification {
  kind: SesKind;
  evidence: Evidence[];
  /** The Message-ID SES gave the original ("mail.messageId"), for matching. */
  messageId?: string;
  complaintType?: string;
}

/** SES's bounce subtypes that name the cause when there is no diagnostic code. */
const subtypeReasons: Record<string, Reason> = {
  MailboxFull: "mailboxfull",
  MessageTooLarge: "mesgtoobig",
  NoEmail: "userunknown",
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The notification in a mail body, if the body is one. Never throws. */
export function readSesNotification(body: string): SesNotification | null {
  const start = body.indexOf("{");
  if (start === -1 || start > 200 || !/"(?:notificationType|eventType|Type)"/.test(body)) return null;
  const end = body.lastIndexOf("}");
  if (end <= start) return null;
  let doc = parse(body.slice(start, end + 1));
  // An SNS envelope carries the SES notification as a JSON string in "Message".
  const inner = isObject(doc) ? str(doc.Message) : undefined;
  if (inner) doc = parse(inner);
  return isObject(doc) ? fromDocument(doc) : null;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A relay that limits line length broke the notification's one long line: Sendmail ends the part
    // it cut with "!" and begins the rest with a space (its mailer's L= limit), others fold with a line
    // break and a space alone. JSON allows no raw line break inside a string and needs none between
    // its tokens, so a notification that does not parse is tried once more without them.
    if (!text.includes("\n")) return undefined;
    try {
      return JSON.parse(text.replace(FOLD, ""));
    } catch {
      return undefined;
    }
  }
}

/** A line break a relay inserted, with Sendmail's "!" before it and the space or tab after it. */
const FOLD = /!?\n[ \t]?/g;

function fromDocument(doc: Json): SesNotification | null {
  const type = str(doc.notificationType) ?? str(doc.eventType);
  const mail = isObject(doc.mail) ? doc.mail : {};
  const messageId = str(mail.messageId);
  const base = messageId ? { messageId } : {};
  if (type === "Bounce" && isObject(doc.bounce))
    return { kind: "bounce", evidence: bounced(doc.bounce), ...base };
  if (type === "Complaint" && isObject(doc.complaint)) {
    const c = doc.complaint;
    const evidence = addresses(c.complainedRecipients).map((recipient) => ({
      recipient,
      diagnostic: sweep(str(c.complaintFeedbackType) ?? "abuse"),
      reason: "feedback" as const,
    }));
    return { kind: "complaint", evidence, complaintType: str(c.complaintFeedbackType) ?? "abuse", ...base };
  }
  if (type === "Delivery" && isObject(doc.delivery)) {
    const d = doc.delivery;
    const said = sweep(str(d.smtpResponse) ?? "");
    const evidence = list(d.recipients)
      .map(str)
      .filter((r): r is string => !!r && isPlausibleRecipient(r))
      .map((recipient) => ({ recipient, action: "delivered", status: "2.0.0", diagnostic: said }));
    return { kind: "delivery", evidence, ...base };
  }
  if (type === "DeliveryDelay" && isObject(doc.deliveryDelay)) {
    const evidence = recipientsOf(doc.deliveryDelay.delayedRecipients).map((e) => ({
      ...e,
      action: "delayed",
    }));
    return { kind: "delay", evidence, ...base };
  }
  return null;
}

function bounced(b: Json): Evidence[] {
  const subtype = str(b.bounceSubType) ?? "";
  return recipientsOf(b.bouncedRecipients).map((e) => {
    if (e.diagnostic) return { ...e, action: "failed" };
    // No words from the remote server: SES's own subtype is all there is.
    const reason = subtypeReasons[subtype];
    return {
      ...e,
      action: "failed",
      diagnostic: sweep(`${str(b.bounceType) ?? ""} ${subtype}`),
      ...(reason ? { reason } : {}),
    };
  });
}

function recipientsOf(v: unknown): Evidence[] {
  const out: Evidence[] = [];
  for (const r of list(v)) {
    if (!isObject(r)) continue;
    const recipient = str(r.emailAddress);
    if (!recipient || !isPlausibleRecipient(recipient)) continue;
    const diagnostic = sweep((str(r.diagnosticCode) ?? "").replace(/^\s*smtp;\s*/i, ""));
    const status = /^[245]\.\d{1,3}\.\d{1,3}$/.test(str(r.status) ?? "") ? str(r.status) : undefined;
    out.push({ recipient, diagnostic, ...(status ? { status } : {}) });
  }
  return out;
}

function addresses(v: unknown): string[] {
  return list(v)
    .map((r) => (isObject(r) ? str(r.emailAddress) : undefined))
    .filter((r): r is string => !!r && isPlausibleRecipient(r));
}
