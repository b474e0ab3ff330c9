// A provider's bounce in sisimai's vocabulary (issue 5 item 2): the diagnostic text and status code the
// provider passes on are read by the same classifier as inbound DSNs (src/inbound), so a bounce means the
// same whichever way it arrived. Where the words say nothing specific, the provider's own classification
// decides (SendGrid's bounce_classification, Mailgun's reason, Postmark's Type, SES's bounce subtype).
// Hard or soft is sisimai's verdict on the reason, except that a provider calling a bounce transient is
// believed: a transient bounce never blocks an address.
import { decideReason, factsOf } from "../inbound/decide.js";
import { commandOf, type Evidence } from "../inbound/evidence.js";
import { isHard, type Reason, says } from "../inbound/reasons.js";
import { findReplyCode, findStatus } from "../inbound/status.js";

export interface ProviderVerdict {
  /** The reason the provider's own classification stands for, used when the words say nothing specific. */
  fallback: Reason;
  /** Hard or soft for the fallback reason; sisimai's verdict on it when not given. */
  fallbackHard?: boolean;
  /** permanent: the provider gave up; transient: it may retry or already did; unknown: it does not say. */
  permanence: "permanent" | "transient" | "unknown";
}

export interface BounceVerdict {
  reason: Reason;
  hard: boolean;
  /** RFC 3463 enhanced status code, when the provider or the text gives one. */
  status: string | null;
  /** Whose reading decided the reason. */
  decided_by: "diagnostic" | "provider";
  /** The words the provider passed on (what a blocklist entry quotes). */
  diagnostic: string;
}

/** Reasons that name nothing: the text did not say why. */
const SAYS_NOTHING = new Set<Reason>(["undefined", "onhold", "delivered", "vacation", "feedback"]);

const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;

export function classifyProviderBounce(
  diagnostic: string,
  status: string | null | undefined,
  provider: ProviderVerdict,
): BounceVerdict {
  const text = diagnostic.replace(/\s+/g, " ").trim().slice(0, 4000);
  const code = status && STATUS.test(status) ? status : (findStatus(text) ?? null);
  const evidence: Evidence = {
    recipient: "",
    diagnostic: text,
    status: code ?? undefined,
    command: commandOf(text),
  };
  const read = unknownAtRcpt(
    text ? decideReason(evidence, factsOf(evidence, code ?? undefined)) : "undefined",
    text,
    provider,
  );
  const fromText = !SAYS_NOTHING.has(read);
  const reason = fromText ? read : provider.fallback;
  const replyCode = code ?? findReplyCode(text) ?? undefined;
  let hard = fromText
    ? isHard(reason, replyCode, text)
    : (provider.fallbackHard ?? isHard(reason, replyCode, text));
  if (provider.permanence === "transient") hard = false;
  return { reason, hard, status: code, decided_by: fromText ? "diagnostic" : "provider", diagnostic: text };
}

/** An inbound DSN that quotes "user unknown" with no command reads as `filtered` (a server that accepted
 * every RCPT and refused after DATA: src/inbound/decide.ts). A provider's permanent bounce is different:
 * the provider held the SMTP session itself and reports the receiving server's refusal of the recipient,
 * so unknown-user words there mean the address does not exist. */
function unknownAtRcpt(read: Reason, text: string, provider: ProviderVerdict): Reason {
  if (read === "filtered" && provider.permanence === "permanent" && says("userunknown", text)) {
    return "userunknown";
  }
  return read;
}
