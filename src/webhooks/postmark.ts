// Postmark webhooks (Postmark developer docs, "Webhooks"): one JSON record per request (an array is
// accepted too), told apart by RecordType — Delivery, Bounce (with Type: HardBounce, SoftBounce,
// Transient …), SpamComplaint, Open, Click, SubscriptionChange — carrying the send's Metadata back.
// Postmark signs nothing: the request is authenticated by the basic auth credentials in the webhook URL,
// and, having no signed timestamp, a replay is recognised by its content (dedupe key) alone.
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
import { engagementDetail, judgeProviderEngagement } from "./machine.js";
import { type PostmarkCredentials, verifyPostmark } from "./verify.js";

// Postmark records carry many more fields (Geo, Client, OS, Content …): loose on purpose.
const postmarkRecord = z.looseObject({
  RecordType: z.string().min(1).max(100),
  MessageID: z.string().max(200).optional(),
  Metadata: z.record(z.string(), z.unknown()).nullish(),
});
type PostmarkRecord = z.infer<typeof postmarkRecord> & Record<string, unknown>;
const postmarkBatch = z.array(postmarkRecord).min(1).max(10_000);

type BounceMeaning =
  | { as: "bounce"; fallback: Reason; hard?: boolean; permanence: "permanent" | "transient" | "unknown" }
  | { as: MessageEventType; code?: string };

/** Postmark bounce Types ("Bounce types" in the API reference) and what each means here. */
const BOUNCE_TYPES: Record<string, BounceMeaning> = {
  HardBounce: { as: "bounce", fallback: "userunknown", hard: true, permanence: "permanent" },
  BadEmailAddress: { as: "bounce", fallback: "userunknown", hard: true, permanence: "permanent" },
  AddressChange: { as: "bounce", fallback: "hasmoved", hard: true, permanence: "permanent" },
  SoftBounce: { as: "bounce", fallback: "undefined", permanence: "transient" },
  DnsError: { as: "bounce", fallback: "networkerror", permanence: "transient" },
  SpamNotification: { as: "bounce", fallback: "spamdetected", permanence: "unknown" },
  VirusNotification: { as: "bounce", fallback: "virusdetected", permanence: "unknown" },
  Blocked: { as: "bounce", fallback: "blocked", permanence: "unknown" },
  DMARCPolicy: { as: "bounce", fallback: "authfailure", permanence: "unknown" },
  Unknown: { as: "bounce", fallback: "undefined", permanence: "unknown" },
  SMTPApiError: { as: "bounce", fallback: "systemerror", permanence: "unknown" },
  Transient: { as: "deferred" },
  SpamComplaint: { as: "complained" },
  Unsubscribe: { as: "unsubscribed" },
  ManuallyDeactivated: { as: "dropped", code: "postmark:ManuallyDeactivated" },
  TemplateRenderingFailed: { as: "failed", code: "postmark:TemplateRenderingFailed" },
  AutoResponder: { as: "note" },
  Subscribe: { as: "note" },
  OpenRelayTest: { as: "note" },
  ChallengeVerification: { as: "note" },
  Unconfirmed: { as: "note" },
  InboundError: { as: "note" },
};

interface Meaning {
  type: MessageEventType;
  at: string | undefined;
  recipient: string | null;
  detail: string;
  errorCode?: string | null;
  bounce?: BounceVerdict;
  extra?: Record<string, unknown>;
}

function bounce(r: PostmarkRecord): Meaning {
  const type = text(r.Type) ?? "Unknown";
  const details = text(r.Details) ?? "";
  const what = details || text(r.Description) || type;
  const base = { at: text(r.BouncedAt) ?? undefined, recipient: text(r.Email) };
  const m = BOUNCE_TYPES[type] ?? BOUNCE_TYPES.Unknown;
  if (m.as !== "bounce") {
    return {
      ...base,
      type: m.as,
      detail: `Postmark ${type}: ${what}`,
      errorCode: m.code ?? `postmark:${type}`,
    };
  }
  const b = classifyProviderBounce(details, null, {
    fallback: m.fallback,
    fallbackHard: m.hard,
    permanence: m.permanence,
  });
  return {
    ...base,
    type: b.hard ? "hard_bounced" : "soft_bounced",
    detail: `${b.hard ? "Hard" : "Soft"} bounce (Postmark ${type}, ${b.reason}): ${what}`,
    errorCode: b.reason,
    bounce: b,
    extra: { provider_code: `postmark:${type}` },
  };
}

function subscriptionChange(r: PostmarkRecord): Meaning {
  const base = { at: text(r.ChangedAt) ?? undefined, recipient: text(r.Recipient) };
  const reason = text(r.SuppressionReason) ?? "";
  // Bounces and complaints reach us as their own records; only the recipient's own choice is an unsubscribe.
  if (r.SuppressSending === true && reason === "ManualSuppression") {
    return { ...base, type: "unsubscribed", detail: "The recipient unsubscribed (Postmark)" };
  }
  return {
    ...base,
    type: "note",
    detail:
      r.SuppressSending === true
        ? `Postmark suppresses the address (${reason || "no reason given"})`
        : "Postmark sends to the address again",
  };
}

/** Postmark reports no bot verdict of its own: the UserAgent and Geo.IP it saw are judged by our rules. */
function judged(kind: "open" | "click", r: PostmarkRecord) {
  const geo = r.Geo && typeof r.Geo === "object" ? (r.Geo as Record<string, unknown>) : {};
  const at = new Date(text(r.ReceivedAt) ?? Number.NaN);
  return judgeProviderEngagement(
    kind,
    { userAgent: text(r.UserAgent), ip: text(geo.IP) },
    Number.isNaN(at.getTime()) ? new Date(0) : at,
  );
}

function meaningOf(r: PostmarkRecord): Meaning | null {
  switch (r.RecordType) {
    case "Delivery":
      return {
        type: "delivered",
        at: text(r.DeliveredAt) ?? undefined,
        recipient: text(r.Recipient),
        detail: `Delivered (Postmark): ${text(r.Details) ?? "accepted by the receiving server"}`,
      };
    case "Bounce":
      return bounce(r);
    case "SpamComplaint":
      return {
        type: "complained",
        at: text(r.BouncedAt) ?? undefined,
        recipient: text(r.Email),
        detail: "The recipient reported the message as spam (Postmark)",
        errorCode: "feedback",
      };
    case "Open": {
      const v = judged("open", r);
      return {
        type: "opened",
        at: text(r.ReceivedAt) ?? undefined,
        recipient: text(r.Recipient),
        detail: engagementDetail("Postmark", "Opened", v),
        extra: { ...v },
      };
    }
    case "Click": {
      const url = text(r.OriginalLink);
      const v = judged("click", r);
      return {
        type: "clicked",
        at: text(r.ReceivedAt) ?? undefined,
        recipient: text(r.Recipient),
        detail: v.machine
          ? engagementDetail("Postmark", `Clicked ${url ?? "a link"}`, v)
          : `Clicked ${url ?? "a link"}`,
        extra: { url, ...v },
      };
    }
    case "SubscriptionChange":
      return subscriptionChange(r);
    default:
      return null;
  }
}

export interface PostmarkReading {
  events: ProviderEvent[];
  ignored: number;
}

/** Authenticates a Postmark webhook request and reads its records. */
export function receivePostmark(
  req: WebhookRequest,
  credentials: PostmarkCredentials[],
  now: Date,
): PostmarkReading {
  verifyPostmark(req.headers, credentials);
  const records = readPayload(postmarkBatch, asList(jsonBody(req)), "Postmark webhook record");
  const events: ProviderEvent[] = [];
  let ignored = 0;
  for (const r of records as PostmarkRecord[]) {
    const m = meaningOf(r);
    if (!m) {
      ignored++;
      continue;
    }
    // Bounce and complaint records have an ID of their own; the others are identified by their content.
    const id = text(r.ID);
    events.push({
      eventId: `${r.RecordType}:${id ?? contentId(r)}`,
      type: m.type,
      at: dateOf(m.at, now),
      messageId: text(r.Metadata?.[MESSAGE_ID_ARG]),
      providerMessageIds: r.MessageID ? [r.MessageID] : [],
      recipient: m.recipient,
      detail: m.detail,
      errorCode: m.errorCode ?? null,
      bounce: m.bounce,
      evidence: {
        provider: "postmark",
        ...(m.extra ?? {}),
        ...(m.bounce ? { bounce: m.bounce } : {}),
        event: r,
      },
    });
  }
  return { events, ignored };
}
