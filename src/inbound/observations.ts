// What an inbound report says about the message it matched, as delivery events (DESIGN §3.7, §4): a pure
// function of the classified report, so the rules can be read in one place and tested without a database.
//   RFC 3464 DSN  Action delivered / relayed → delivered, delayed → deferred, failed → hard_bounced or
//                 soft_bounced by the classifier's verdict;
//   RFC 8098 MDN  displayed → read (with the caveat of seed 002: a receipt proves little), anything else → note;
//   RFC 5965 ARF  → complained (status `blocked`, reason complaint);
//   RFC 3834      auto-reply → auto_reply, which never changes the status;
//   archive copy  → archived (seed 002), which never changes the status either.
import type { MessageEventType } from "../events/status.js";
import type { BounceReport, RecipientOutcome } from "./classify.js";
import type { MatchedMessage } from "./store.js";

/** Why a person should not read too much into a read receipt (seed 002). */
export const READ_RECEIPT_NOTE =
  "A read receipt proves little: the recipient's mail program sends it only if the recipient agrees, many programs never send one, and it can be sent without the message being read. It gives no legal certainty.";

export type Consequence = "hard" | "soft" | "complaint" | "delivered";

export interface Observation {
  type: MessageEventType;
  recipient: string;
  detail: string;
  error_code: string | null;
  evidence: Record<string, unknown>;
  /** What it means beyond the message: the blocklist and the contact's subscriptions. */
  consequence: Consequence | null;
  /** For a hard or soft bounce: the reason and diagnostic that go into the blocklist entry. */
  reason?: string;
  diagnostic?: string;
}

export interface ArchiveSighting {
  mailbox?: string | null;
  folder?: string | null;
  uid?: number | null;
}

const MAX_DETAIL = 400;
const MAX_RECIPIENTS = 10;
const cut = (s: string, n = MAX_DETAIL) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The observations a report makes about `message`. */
export function observationsOf(report: BounceReport, message: MatchedMessage): Observation[] {
  switch (report.kind) {
    case "bounce":
    case "delay":
    case "delivered":
    case "relayed":
      if (report.recipients.length === 0) return namelessObservations(report, message);
      // A message of ours has one addressee (and perhaps the archive copy): a report naming dozens of
      // recipients is about something else, and must not flood one timeline.
      return report.recipients.slice(0, MAX_RECIPIENTS).map((r) => deliveryObservation(r, message));
    case "mdn":
      return report.recipients.slice(0, 1).map((r) => receiptObservation(report, r));
    case "arf":
      return [complaintObservation(report, message)];
    case "autoreply":
      return report.recipients.slice(0, 1).map((r) => autoReplyObservation(report, r));
    default:
      return [];
  }
}

export function archiveObservation(message: MatchedMessage, seen: ArchiveSighting): Observation {
  const where = [seen.mailbox, seen.folder].filter(Boolean).join(" / ");
  return {
    type: "archived",
    recipient: message.archive_bcc ?? "archive",
    detail: `A copy of this message was found in the archive mailbox${where ? ` (${where})` : ""}: it really left.`,
    error_code: null,
    evidence: {
      mailbox: seen.mailbox ?? null,
      folder: seen.folder ?? null,
      uid: seen.uid ?? null,
      message_id: message.message_id_header,
    },
    consequence: null,
  };
}

function isArchiveRecipient(recipient: string, message: MatchedMessage): boolean {
  return !!message.archive_bcc && recipient.toLowerCase() === message.archive_bcc.toLowerCase();
}

function dsnEvidence(r: RecipientOutcome) {
  return {
    recipient: r.recipient,
    action: r.action,
    status: r.status,
    reason: r.reason,
    hard: r.hard,
    diagnostic: r.diagnostic,
    remote_mta: r.remote_mta ?? null,
  };
}

function deliveryObservation(r: RecipientOutcome, message: MatchedMessage): Observation {
  const evidence = dsnEvidence(r);
  const code = [r.status, r.diagnostic].filter(Boolean).join(" ");
  // NOTIFY applies to every recipient of the SMTP transaction, the archive copy included: a report about
  // the archive copy is on the timeline, but it says nothing about the addressee.
  if (isArchiveRecipient(r.recipient, message)) {
    return {
      type: "note",
      recipient: r.recipient,
      detail: cut(`Report about the archive copy (${r.action || r.reason}): ${code}`),
      error_code: null,
      evidence,
      consequence: null,
    };
  }
  const action = r.action.toLowerCase();
  if (action === "delivered" || action === "relayed" || action === "expanded" || isSuccess(r)) {
    const how =
      action === "relayed"
        ? "Relayed: the receiving system passed it on to one that sends no delivery notifications"
        : "Delivered: the recipient's mail server accepted it";
    return {
      type: "delivered",
      recipient: r.recipient,
      detail: cut(`${how}${code ? ` (${code})` : ""}.`),
      error_code: null,
      evidence,
      consequence: "delivered",
    };
  }
  if (action === "delayed") {
    return {
      type: "deferred",
      recipient: r.recipient,
      detail: cut(`Delayed: the mail server keeps trying${code ? ` (${code})` : ""}.`),
      error_code: r.reason === "delivered" ? null : r.reason,
      evidence,
      consequence: null,
    };
  }
  const verdict = r.hard ? "Hard bounce" : "Soft bounce";
  return {
    type: r.hard ? "hard_bounced" : "soft_bounced",
    recipient: r.recipient,
    detail: cut(
      `${verdict} (${[r.reason, r.status].filter(Boolean).join(", ")}): ${r.diagnostic || "no diagnostic given"}`,
    ),
    error_code: r.reason,
    evidence,
    consequence: r.hard ? "hard" : "soft",
    reason: r.reason,
    diagnostic: r.diagnostic,
  };
}

/** A mail system's notice about this message that names no recipient (classify.ts readNamelessNotice): a
 * message of ours has one addressee, so it is about that address — a failure for the reason its words give
 * (onhold when none), always soft: a notice that names nobody never puts an address on the blocklist — or
 * a delay. */
function namelessObservations(report: BounceReport, message: MatchedMessage): Observation[] {
  if ((report.kind !== "bounce" && report.kind !== "delay") || !message.to_address) return [];
  const words = report.notice
    ? `The notice names no recipient: ${report.notice}`
    : "The notice names no recipient.";
  const r: RecipientOutcome = {
    recipient: message.to_address,
    reason: report.notice_reason ?? "onhold",
    hard: false,
    status: null,
    action: report.kind === "delay" ? "delayed" : "failed",
    diagnostic: words,
  };
  return [deliveryObservation(r, message)];
}

/** A "failed" report whose classifier verdict is still "delivered" (no failure words) is not a success. */
function isSuccess(r: RecipientOutcome): boolean {
  return r.reason === "delivered" && r.action !== "failed" && (r.status ?? "2").startsWith("2");
}

function receiptObservation(report: BounceReport, r: RecipientOutcome): Observation {
  const disposition = (report.disposition ?? "").toLowerCase();
  const evidence = {
    recipient: r.recipient,
    disposition,
    disposition_field: r.diagnostic,
    original_message_id: report.original.message_id ?? null,
    note: READ_RECEIPT_NOTE,
  };
  if (disposition === "displayed") {
    return {
      type: "read",
      recipient: r.recipient,
      detail: `Read receipt from ${r.recipient}: the message was displayed. A receipt proves little (see the note).`,
      error_code: null,
      evidence,
      consequence: null,
    };
  }
  return {
    type: "note",
    recipient: r.recipient,
    detail: `Read receipt from ${r.recipient} with disposition '${disposition || "unknown"}': it does not say the message was shown.`,
    error_code: null,
    evidence,
    consequence: null,
  };
}

function complaintObservation(report: BounceReport, message: MatchedMessage): Observation {
  const r = report.recipients[0];
  const recipient = r?.recipient || message.to_address || "";
  const type = report.feedback_type ?? "abuse";
  return {
    type: "complained",
    recipient,
    detail:
      type === "opt-out"
        ? `Unsubscribe request: ${recipient || "the recipient"} asked by mail not to receive such messages any more (feedback type 'opt-out'). Poststelle unsubscribes the address from its lists.`
        : `Complaint: the recipient's mail provider reports that ${recipient || "the recipient"} marked this message as spam (feedback type '${type}'). Poststelle unsubscribes the address from its lists.`,
    error_code: "feedback",
    evidence: {
      recipient,
      reason: "complaint",
      feedback_type: type,
      excerpt: r?.diagnostic ?? null,
    },
    consequence: "complaint",
  };
}

function autoReplyObservation(report: BounceReport, r: RecipientOutcome): Observation {
  return {
    type: "auto_reply",
    recipient: r.recipient,
    detail: cut(`Automatic reply (e.g. out of office) from ${r.recipient}: ${r.diagnostic}`),
    error_code: null,
    evidence: { from: r.recipient, excerpt: r.diagnostic, original_subject: report.original.subject ?? null },
    consequence: null,
  };
}
