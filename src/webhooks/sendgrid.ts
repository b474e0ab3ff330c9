// SendGrid Event Webhook (Twilio SendGrid "Event Webhook Reference"): a JSON array of events, each with
// `event`, `email`, `timestamp`, `sg_event_id`, `sg_message_id` and the custom_args of the send as top-level
// fields. Signed as verify.ts describes.
import { z } from "zod";
import { MESSAGE_ID_ARG } from "../delivery/providers/naming.js";
import type { MessageEventType } from "../events/status.js";
import type { Reason } from "../inbound/reasons.js";
import { type BounceVerdict, classifyProviderBounce } from "./bounce.js";
import {
  asList,
  contentId,
  dateOf,
  jsonBody,
  type ProviderEvent,
  readPayload,
  text,
  type WebhookRequest,
} from "./event.js";
import { type SendgridKey, verifySendgrid } from "./verify.js";

// SendGrid adds fields over time, and custom args arrive as fields of their own: loose on purpose.
const sendgridEvent = z.looseObject({
  event: z.string().min(1).max(100),
  email: z.string().max(320).optional(),
  timestamp: z.number(),
  sg_event_id: z.string().max(200).optional(),
  sg_message_id: z.string().max(500).optional(),
});
type SendgridEvent = z.infer<typeof sendgridEvent> & Record<string, unknown>;
export const sendgridBatch = z.array(sendgridEvent).min(1).max(10_000);
const BATCH_LIMIT = 10_000;

const optionalText = (v: unknown, max: number) =>
  v === undefined || (typeof v === "string" && v.length <= max);

/** The same test as sendgridBatch, without the copy zod makes of every event (a loose object keeps its
 * unknown fields by copying them: 6 ms of a 1,000-event batch, and as much again in garbage). Anything it
 * refuses goes through zod, which then says what is wrong. */
export function isSendgridBatch(value: unknown): value is SendgridEvent[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > BATCH_LIMIT) return false;
  for (const e of value) {
    if (typeof e !== "object" || e === null || Array.isArray(e)) return false;
    const { event, email, timestamp, sg_event_id, sg_message_id } = e as Record<string, unknown>;
    if (typeof event !== "string" || event.length < 1 || event.length > 100) return false;
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) return false;
    if (!optionalText(email, 320) || !optionalText(sg_event_id, 200) || !optionalText(sg_message_id, 500))
      return false;
  }
  return true;
}

/** bounce_classification → the reason it stands for when the SMTP text says nothing specific. */
const CLASSIFICATION: Record<string, { reason: Reason; hard?: boolean }> = {
  "Invalid Address": { reason: "userunknown", hard: true },
  "Mailbox Unavailable": { reason: "suspend" },
  Technical: { reason: "systemerror" },
  Content: { reason: "contenterror" },
  Reputation: { reason: "badreputation" },
  "Frequency or Volume": { reason: "ratelimited" },
  Unclassified: { reason: "undefined" },
};

/** SendGrid's X-Message-Id is the part of sg_message_id before ".filter…" / ".recvd…". */
export function sendgridMessageIds(sgMessageId: string | null): string[] {
  if (!sgMessageId) return [];
  const out = new Set([sgMessageId]);
  const m = /^(.+?)\.(?:filter|recvd|ismtpd)/.exec(sgMessageId);
  if (m) out.add(m[1]);
  out.add(sgMessageId.split(".")[0]);
  return [...out];
}

function bounceOf(e: SendgridEvent): BounceVerdict {
  const classification = text(e.bounce_classification) ?? "Unclassified";
  const fallback = CLASSIFICATION[classification] ?? { reason: "undefined" as Reason };
  return classifyProviderBounce(text(e.reason) ?? "", text(e.status), {
    fallback: fallback.reason,
    fallbackHard: fallback.hard,
    // "blocked" is a refusal of this delivery (reputation, policy), not a verdict on the address.
    permanence: e.type === "blocked" ? "transient" : "permanent",
  });
}

interface Meaning {
  type: MessageEventType;
  detail: string;
  errorCode?: string | null;
  bounce?: BounceVerdict;
  extra?: Record<string, unknown>;
}

function meaningOf(e: SendgridEvent): Meaning | null {
  const reason = text(e.reason) ?? text(e.response) ?? "";
  switch (e.event) {
    case "processed":
      return { type: "processed", detail: "Accepted by SendGrid for delivery" };
    case "deferred":
      return { type: "deferred", detail: `SendGrid will try again: ${reason || "temporary failure"}` };
    case "delivered":
      return {
        type: "delivered",
        detail: `Delivered (SendGrid): ${text(e.response) ?? "accepted by the receiving server"}`,
      };
    case "bounce": {
      const b = bounceOf(e);
      return {
        type: b.hard ? "hard_bounced" : "soft_bounced",
        detail: `${b.hard ? "Hard" : "Soft"} bounce (SendGrid, ${b.reason}): ${reason || "no reason given"}`,
        errorCode: b.reason,
        bounce: b,
        extra: {
          provider_code: `sendgrid:${(text(e.bounce_classification) ?? "unclassified").toLowerCase().replace(/ or /g, "_").replace(/\s+/g, "_")}`,
        },
      };
    }
    case "dropped":
      return {
        type: "dropped",
        detail: `Not sent by SendGrid: ${reason || "suppressed"}`,
        errorCode: "sendgrid:dropped",
      };
    case "open": {
      const machine = e.sg_machine_open === true;
      return {
        type: "opened",
        detail: machine
          ? "Opened by a machine (SendGrid: machine open, e.g. Apple Mail Privacy Protection)"
          : "Opened",
        extra: { machine },
      };
    }
    case "click":
      return { type: "clicked", detail: `Clicked ${text(e.url) ?? "a link"}`, extra: { url: text(e.url) } };
    case "spamreport":
      return {
        type: "complained",
        detail: "The recipient reported the message as spam (SendGrid)",
        errorCode: "feedback",
      };
    case "unsubscribe":
    case "group_unsubscribe":
      return { type: "unsubscribed", detail: "The recipient unsubscribed (SendGrid)" };
    case "group_resubscribe":
      return { type: "note", detail: "The recipient subscribed again to the unsubscribe group (SendGrid)" };
    default:
      return null;
  }
}

function ourMessageId(e: SendgridEvent): string | null {
  const direct = text(e[MESSAGE_ID_ARG]);
  if (direct) return direct;
  const unique = e.unique_args;
  return unique && typeof unique === "object"
    ? text((unique as Record<string, unknown>)[MESSAGE_ID_ARG])
    : null;
}

export interface SendgridReading {
  events: ProviderEvent[];
  ignored: number;
}

/** Verifies a SendGrid webhook request and reads its events. */
export function receiveSendgrid(req: WebhookRequest, keys: SendgridKey[], now: Date): SendgridReading {
  verifySendgrid(req.raw, req.headers, keys, now);
  const body = asList(jsonBody(req));
  const batch = isSendgridBatch(body) ? body : readPayload(sendgridBatch, body, "SendGrid event batch");
  const events: ProviderEvent[] = [];
  let ignored = 0;
  for (const e of batch as SendgridEvent[]) {
    const m = meaningOf(e);
    if (!m) {
      ignored++;
      continue;
    }
    events.push({
      eventId: e.sg_event_id ?? contentId(e),
      type: m.type,
      at: dateOf(e.timestamp, now),
      messageId: ourMessageId(e),
      providerMessageIds: sendgridMessageIds(e.sg_message_id ?? null),
      recipient: e.email ?? null,
      detail: m.detail,
      errorCode: m.errorCode ?? null,
      bounce: m.bounce,
      evidence: {
        provider: "sendgrid",
        ...(m.extra ?? {}),
        ...(m.bounce ? { bounce: m.bounce } : {}),
        event: e,
      },
    });
  }
  return { events, ignored };
}
