// Amazon SES event publishing through SNS (SES Developer Guide, "Contents of event data that Amazon SES
// publishes to Amazon SNS"): each SNS Notification carries one SES event as the JSON string in Message —
// eventType Send, Delivery, Bounce (bounceType Permanent / Transient / Undetermined with a subtype),
// Complaint, Open, Click, Reject, DeliveryDelay, Rendering Failure, Subscription — with mail.messageId
// and mail.tags (our message id travels as a tag). SES's older "notifications" (notificationType) are read
// the same way.
import { z } from "zod";
import { MESSAGE_ID_ARG } from "../delivery/providers/naming.js";
import type { MessageEventType } from "../events/status.js";
import type { Reason } from "../inbound/reasons.js";
import { Invalid } from "../util/errors.js";
import { classifyProviderBounce } from "./bounce.js";
import { dateOf, type ProviderEvent, readPayload, text } from "./event.js";
import type { SnsEnvelope } from "./sns.js";

const sesMail = z.looseObject({
  messageId: z.string().min(1).max(200),
  timestamp: z.string().optional(),
  destination: z.array(z.string()).optional(),
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

// SES adds fields to its events over time: loose on purpose.
const sesEvent = z
  .looseObject({
    eventType: z.string().min(1).max(100).optional(),
    notificationType: z.string().min(1).max(100).optional(),
    mail: sesMail,
  })
  .refine((e) => e.eventType ?? e.notificationType, { message: "eventType is missing" });
type SesEvent = z.infer<typeof sesEvent> & Record<string, unknown>;

/** Bounce subtypes (SES "Bounce types") → the reason each stands for when the diagnostic says nothing. */
const SUBTYPES: Record<string, { reason: Reason; hard?: boolean }> = {
  NoEmail: { reason: "userunknown", hard: true },
  MailboxFull: { reason: "mailboxfull" },
  MessageTooLarge: { reason: "mesgtoobig" },
  ContentRejected: { reason: "contenterror" },
  AttachmentRejected: { reason: "contenterror" },
  General: { reason: "undefined" },
  UnsubscribedRecipient: { reason: "undefined" },
};
/** Subtypes meaning SES did not even try: the address is on a suppression list. */
const SUPPRESSED = new Set(["Suppressed", "OnAccountSuppressionList"]);

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function list(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.map(obj) : [];
}

/** One observation before it is tied to the SNS message: per recipient where SES names recipients. */
interface Observation {
  recipient: string | null;
  type: MessageEventType;
  at: string | undefined;
  detail: string;
  errorCode?: string | null;
  bounce?: ReturnType<typeof classifyProviderBounce>;
  extra?: Record<string, unknown>;
}

function bounces(e: SesEvent): Observation[] {
  const b = obj(e.bounce);
  const type = text(b.bounceType) ?? "Undetermined";
  const sub = text(b.bounceSubType) ?? "General";
  return list(b.bouncedRecipients).map((r) => {
    const recipient = text(r.emailAddress);
    const diagnostic = text(r.diagnosticCode) ?? "";
    const base = {
      recipient,
      at: text(b.timestamp) ?? undefined,
      extra: { provider_code: `ses:${type}/${sub}` },
    };
    if (type === "Permanent" && SUPPRESSED.has(sub)) {
      return {
        ...base,
        type: "dropped" as const,
        detail: `Not sent by Amazon SES: the address is suppressed (${sub})`,
        errorCode: `ses:${type}/${sub}`,
      };
    }
    const fallback = SUBTYPES[sub] ?? { reason: "undefined" as Reason };
    const verdict = classifyProviderBounce(diagnostic, text(r.status), {
      fallback: fallback.reason,
      fallbackHard: fallback.hard,
      permanence: type === "Permanent" ? "permanent" : type === "Transient" ? "transient" : "unknown",
    });
    return {
      ...base,
      type: verdict.hard ? ("hard_bounced" as const) : ("soft_bounced" as const),
      detail: `${verdict.hard ? "Hard" : "Soft"} bounce (Amazon SES ${type}/${sub}, ${verdict.reason}): ${diagnostic || "no diagnostic given"}`,
      errorCode: verdict.reason,
      bounce: verdict,
    };
  });
}

function observationsOf(e: SesEvent): Observation[] | null {
  const kind = e.eventType ?? e.notificationType;
  switch (kind) {
    case "Send":
      return [
        {
          recipient: null,
          type: "processed",
          at: e.mail.timestamp,
          detail: "Accepted by Amazon SES for delivery",
        },
      ];
    case "Delivery": {
      const d = obj(e.delivery);
      const recipients = Array.isArray(d.recipients) ? d.recipients.map(String) : [];
      return recipients.map((recipient) => ({
        recipient,
        type: "delivered" as const,
        at: text(d.timestamp) ?? undefined,
        detail: `Delivered (Amazon SES): ${text(d.smtpResponse) ?? "accepted by the receiving server"}`,
      }));
    }
    case "Bounce":
      return bounces(e);
    case "Complaint": {
      const c = obj(e.complaint);
      const notSpam = text(c.complaintFeedbackType) === "not-spam";
      return list(c.complainedRecipients).map((r) => ({
        recipient: text(r.emailAddress),
        type: notSpam ? ("note" as const) : ("complained" as const),
        at: text(c.timestamp) ?? undefined,
        detail: notSpam
          ? "The mailbox provider reports the message as not spam (Amazon SES)"
          : `The recipient reported the message as spam (Amazon SES${text(c.complaintFeedbackType) ? `, ${text(c.complaintFeedbackType)}` : ""})`,
        errorCode: notSpam ? null : "feedback",
      }));
    }
    case "Open": {
      const o = obj(e.open);
      return [
        {
          recipient: null,
          type: "opened",
          at: text(o.timestamp) ?? undefined,
          detail: "Opened (Amazon SES)",
        },
      ];
    }
    case "Click": {
      const c = obj(e.click);
      const url = text(c.link);
      return [
        {
          recipient: null,
          type: "clicked",
          at: text(c.timestamp) ?? undefined,
          detail: `Clicked ${url ?? "a link"}`,
          extra: { url },
        },
      ];
    }
    case "Reject":
      return [
        {
          recipient: null,
          type: "dropped",
          at: e.mail.timestamp,
          detail: `Amazon SES refused to send: ${text(obj(e.reject).reason) ?? "rejected"}`,
          errorCode: "ses:Reject",
        },
      ];
    case "DeliveryDelay": {
      const d = obj(e.deliveryDelay);
      return list(d.delayedRecipients).map((r) => ({
        recipient: text(r.emailAddress),
        type: "deferred" as const,
        at: text(d.timestamp) ?? undefined,
        detail:
          `Amazon SES will try again (${text(d.delayType) ?? "delay"}): ${text(r.diagnosticCode) ?? ""}`.trim(),
        errorCode: text(r.status),
      }));
    }
    case "Rendering Failure":
      return [
        {
          recipient: null,
          type: "failed",
          at: e.mail.timestamp,
          detail:
            `Amazon SES could not render the message: ${text(obj(e.failure).errorMessage) ?? ""}`.trim(),
          errorCode: "ses:RenderingFailure",
        },
      ];
    case "Subscription": {
      const s = obj(e.subscription);
      const all = obj(s.newTopicPreferences).unsubscribeAll === true;
      return [
        {
          recipient: null,
          type: all ? "unsubscribed" : "note",
          at: text(s.timestamp) ?? undefined,
          detail: all
            ? "The recipient unsubscribed (Amazon SES)"
            : "The recipient changed their topic preferences (Amazon SES)",
        },
      ];
    }
    default:
      return null;
  }
}

export interface SesReading {
  events: ProviderEvent[];
  ignored: number;
}

/** Reads the SES event in a verified SNS Notification. */
export function readSesNotification(n: SnsEnvelope, now: Date): SesReading {
  let message: unknown;
  try {
    message = JSON.parse(n.Message);
  } catch {
    throw Invalid("The SNS notification's Message is not JSON, so it is no SES event.");
  }
  const e = readPayload(sesEvent, message, "SES event") as SesEvent;
  const observations = observationsOf(e);
  if (!observations) return { events: [], ignored: 1 };
  const ourId = e.mail.tags?.[MESSAGE_ID_ARG]?.[0] ?? null;
  const events = observations.map(
    (o): ProviderEvent => ({
      eventId: `${n.MessageId}:${o.recipient ?? "-"}`,
      type: o.type,
      at: dateOf(o.at, now),
      messageId: ourId,
      providerMessageIds: [e.mail.messageId],
      recipient: o.recipient,
      detail: o.detail,
      errorCode: o.errorCode ?? null,
      bounce: o.bounce,
      evidence: {
        provider: "ses",
        sns_message_id: n.MessageId,
        topic_arn: n.TopicArn,
        ...(o.extra ?? {}),
        ...(o.bounce ? { bounce: o.bounce } : {}),
        event: e,
      },
    }),
  );
  return { events, ignored: 0 };
}
