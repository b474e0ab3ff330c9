// Mailgun webhooks (Mailgun User Manual, "Webhooks" and "Securing Webhooks"): one JSON object per request,
// `{ signature: { timestamp, token, signature }, "event-data": { id, event, timestamp, recipient, severity,
// reason, delivery-status, message.headers.message-id, user-variables, url … } }`.
import { z } from "zod";
import { bareMessageId } from "../delivery/providers/mailgun.js";
import { MESSAGE_ID_ARG } from "../delivery/providers/naming.js";
import type { MessageEventType } from "../events/status.js";
import type { Reason } from "../inbound/reasons.js";
import { type BounceVerdict, classifyProviderBounce } from "./bounce.js";
import { dateOf, jsonBody, type ProviderEvent, readPayload, text, type WebhookRequest } from "./event.js";
import { engagementDetail, judgeProviderEngagement } from "./machine.js";
import { type MailgunKey, verifyMailgun } from "./verify.js";

const signature = z.strictObject({
  timestamp: z.union([z.string().regex(/^\d{1,12}$/), z.number().int().transform(String)]),
  token: z.string().min(1).max(200),
  signature: z.string().min(1).max(200),
  "parent-signature": z.string().max(200).optional(),
});

// Mailgun documents that it adds fields to event-data: loose on purpose.
const eventData = z.looseObject({
  id: z.string().min(1).max(200),
  event: z.string().min(1).max(100),
  timestamp: z.number(),
  recipient: z.string().max(320).optional(),
});
type EventData = z.infer<typeof eventData> & Record<string, unknown>;

const mailgunBody = z.looseObject({ signature, "event-data": eventData });

/** Mailgun's failure reason → what it stands for when the SMTP text says nothing specific. */
const FAILURE_REASONS: Record<string, Reason> = {
  bounce: "undefined",
  generic: "undefined",
  espblock: "blocked",
  old: "expired",
  greylisted: "blocked",
};

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function deliveryText(d: EventData): { line: string; status: string | null } {
  const ds = obj(d["delivery-status"]);
  const parts = [text(ds.code), text(ds.message), text(ds.description)].filter(
    (p): p is string => !!p && p !== "0",
  );
  return { line: parts.join(" ").trim(), status: text(ds["enhanced-code"]) };
}

interface Meaning {
  type: MessageEventType;
  detail: string;
  errorCode?: string | null;
  bounce?: BounceVerdict;
  extra?: Record<string, unknown>;
}

function failed(d: EventData): Meaning {
  const { line, status } = deliveryText(d);
  const reason = text(d.reason) ?? "generic";
  if (d.severity === "temporary") {
    return { type: "deferred", detail: `Mailgun will try again: ${line || reason}` };
  }
  if (reason.startsWith("suppress-")) {
    return {
      type: "dropped",
      detail: `Not sent by Mailgun: the address is on its ${reason.slice(9)} suppression list`,
      errorCode: `mailgun:${reason}`,
    };
  }
  const b = classifyProviderBounce(line, status, {
    fallback: FAILURE_REASONS[reason] ?? "undefined",
    permanence: "permanent",
  });
  return {
    type: b.hard ? "hard_bounced" : "soft_bounced",
    detail: `${b.hard ? "Hard" : "Soft"} bounce (Mailgun, ${b.reason}): ${line || reason}`,
    errorCode: b.reason,
    bounce: b,
    extra: { provider_code: `mailgun:${reason}` },
  };
}

/** Mailgun's own bot verdict (client-info.bot), else the client it saw judged by our rules. */
function judged(kind: "open" | "click", d: EventData) {
  const client = obj(d["client-info"]);
  return judgeProviderEngagement(
    kind,
    { userAgent: text(client["user-agent"]), ip: text(d.ip), bot: text(client.bot) },
    new Date(d.timestamp * 1000),
  );
}

function meaningOf(d: EventData): Meaning | null {
  switch (d.event) {
    case "accepted":
      return { type: "processed", detail: "Accepted by Mailgun for delivery" };
    case "delivered":
      return {
        type: "delivered",
        detail: `Delivered (Mailgun): ${deliveryText(d).line || "accepted by the receiving server"}`,
      };
    case "failed":
      return failed(d);
    case "rejected":
      return {
        type: "dropped",
        detail: `Mailgun refused to send: ${text(obj(d.reject).reason) ?? "rejected"}`,
        errorCode: "mailgun:rejected",
      };
    case "opened": {
      const v = judged("open", d);
      return { type: "opened", detail: engagementDetail("Mailgun", "Opened", v), extra: { ...v } };
    }
    case "clicked": {
      const v = judged("click", d);
      const url = text(d.url);
      const detail = v.machine
        ? engagementDetail("Mailgun", `Clicked ${url ?? "a link"}`, v)
        : `Clicked ${url ?? "a link"}`;
      return { type: "clicked", detail, extra: { url, ...v } };
    }
    case "complained":
      return {
        type: "complained",
        detail: "The recipient reported the message as spam (Mailgun)",
        errorCode: "feedback",
      };
    case "unsubscribed":
      return { type: "unsubscribed", detail: "The recipient unsubscribed (Mailgun)" };
    default:
      return null;
  }
}

export interface MailgunReading {
  events: ProviderEvent[];
  ignored: number;
}

/** Verifies a Mailgun webhook request and reads its event. */
export function receiveMailgun(req: WebhookRequest, keys: MailgunKey[], now: Date): MailgunReading {
  const body = readPayload(mailgunBody, jsonBody(req), "Mailgun webhook body");
  verifyMailgun(body.signature, keys, now);
  const d = body["event-data"] as EventData;
  const m = meaningOf(d);
  if (!m) return { events: [], ignored: 1 };
  const headers = obj(obj(d.message).headers);
  const providerId = text(headers["message-id"]);
  return {
    events: [
      {
        eventId: d.id,
        type: m.type,
        at: dateOf(d.timestamp, now),
        messageId: text(obj(d["user-variables"])[MESSAGE_ID_ARG]),
        providerMessageIds: providerId ? [bareMessageId(providerId)] : [],
        recipient: d.recipient ?? null,
        detail: m.detail,
        errorCode: m.errorCode ?? null,
        bounce: m.bounce,
        evidence: {
          provider: "mailgun",
          ...(m.extra ?? {}),
          ...(m.bounce ? { bounce: m.bounce } : {}),
          event: d,
        },
      },
    ],
    ignored: 0,
  };
}
