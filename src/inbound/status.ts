// RFC 3463 enhanced status codes (and RFC 5248's registry additions) and RFC 5321 reply codes:
// finding them in free text and mapping a code to the reason it most likely means.
import type { Reason } from "./reasons.js";

/** class.subject.detail → reason, for the codes whose meaning does not depend on the words. */
const byStatus: Record<string, Reason> = {
  "4.1.6": "hasmoved",
  "4.1.7": "rejected",
  "4.1.8": "rejected",
  "4.1.9": "systemerror",
  // X.2.1 "mailbox disabled, not accepting messages" (sisimai 5's table: suspend, for 4.2.1 as for the
  // words; 5.2.1 stays filtered, as there). Words decide first: Gmail's 4.2.1 "receiving mail too quickly".
  "4.2.1": "suspend",
  "4.2.2": "mailboxfull",
  // X.2.3 "message length exceeds administrative limit": the message is too big for this mailbox. sisimai 4
  // named it exceedlimit; sisimai 5's current tables fold that reason into emailtoolarge (our mesgtoobig),
  // so the code alone now says mesgtoobig (words such as "message too large" may still say exceedlimit).
  "4.2.3": "mesgtoobig",
  "4.2.4": "filtered",
  // X.3.0 "other or undefined mail system status": the receiving system failed, not the recipient
  // (Cloudflare's "Upstream error", SES's "could not be delivered due to a recipient error").
  "4.3.0": "systemerror",
  "4.3.1": "systemfull",
  "4.3.2": "notaccept",
  "4.3.3": "systemerror",
  "4.3.5": "systemerror",
  "4.4.1": "expired",
  "4.4.2": "networkerror",
  "4.4.3": "systemerror",
  "4.4.4": "networkerror",
  "4.4.5": "systemfull",
  "4.4.6": "networkerror",
  "4.4.7": "expired",
  "4.4.8": "networkerror",
  "4.5.3": "systemerror",
  "4.5.5": "systemerror",
  "4.6.0": "contenterror",
  "4.6.2": "contenterror",
  "4.6.5": "contenterror",
  "4.7.1": "blocked",
  "4.7.2": "blocked",
  "4.7.5": "securityerror",
  "4.7.6": "securityerror",
  "4.7.7": "securityerror",
  "4.7.12": "securityerror",
  "4.7.15": "securityerror",
  "4.7.16": "mesgtoobig",
  "4.7.24": "authfailure",
  "4.7.25": "requireptr",
  "4.7.26": "authfailure",
  "5.1.0": "userunknown",
  "5.1.1": "userunknown",
  "5.1.2": "hostunknown",
  "5.1.3": "userunknown",
  "5.1.4": "filtered",
  "5.1.6": "hasmoved",
  "5.1.7": "rejected",
  "5.1.8": "rejected",
  "5.1.9": "systemerror",
  "5.1.10": "notaccept",
  "5.2.0": "filtered",
  "5.2.1": "filtered",
  "5.2.2": "mailboxfull",
  "5.2.3": "mesgtoobig",
  "5.2.4": "filtered",
  "5.3.0": "systemerror",
  "5.3.1": "systemfull",
  "5.3.2": "notaccept",
  "5.3.3": "systemerror",
  "5.3.4": "mesgtoobig",
  "5.3.5": "systemerror",
  "5.4.0": "networkerror",
  "5.4.3": "systemerror",
  "5.4.4": "hostunknown",
  "5.5.2": "syntaxerror",
  "5.5.3": "toomanyconn",
  "5.5.4": "systemerror",
  "5.5.5": "systemerror",
  "5.5.6": "syntaxerror",
  "5.6.0": "contenterror",
  "5.6.1": "contenterror",
  "5.6.2": "contenterror",
  "5.6.3": "contenterror",
  "5.6.5": "contenterror",
  "5.6.6": "contenterror",
  "5.6.7": "contenterror",
  "5.6.8": "contenterror",
  "5.6.9": "contenterror",
  "5.7.0": "securityerror",
  "5.7.1": "securityerror",
  "5.7.2": "securityerror",
  "5.7.3": "securityerror",
  "5.7.4": "securityerror",
  "5.7.5": "securityerror",
  "5.7.6": "securityerror",
  "5.7.7": "securityerror",
  "5.7.8": "securityerror",
  "5.7.9": "securityerror",
  "5.7.10": "securityerror",
  "5.7.11": "securityerror",
  "5.7.13": "suspend",
  "5.7.14": "securityerror",
  "5.7.15": "securityerror",
  "5.7.16": "mesgtoobig",
  "5.7.17": "hasmoved",
  "5.7.18": "hasmoved",
  "5.7.19": "securityerror",
  "5.7.20": "authfailure",
  "5.7.21": "authfailure",
  "5.7.22": "authfailure",
  "5.7.23": "authfailure",
  "5.7.24": "authfailure",
  "5.7.25": "requireptr",
  "5.7.26": "authfailure",
  "5.7.27": "notaccept",
  "5.7.28": "spamdetected",
  "5.7.29": "authfailure",
  "5.7.30": "failedstarttls",
};

/** The reason an enhanced status code stands for, when the code alone says it. */
export function reasonOfStatus(status: string | undefined): Reason | undefined {
  if (!status) return undefined;
  if (status.startsWith("2.")) return "delivered";
  return byStatus[status];
}

const STATUS_IN_TEXT_ALL = /(?:^|[^\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/g;

/** The first plausible enhanced status code in a text ("#5.1.1", "550 5.1.1", "(#4.4.1)"). */
export function findStatus(text: string): string | undefined {
  let best: string | undefined;
  // exec on the one shared expression, not matchAll (which copies the expression on every call); it
  // runs to completion here, so lastIndex is back at 0 for the next caller.
  STATUS_IN_TEXT_ALL.lastIndex = 0;
  for (let m = STATUS_IN_TEXT_ALL.exec(text); m; m = STATUS_IN_TEXT_ALL.exec(text)) {
    const code = `${m[1]}.${m[2]}.${m[3]}`;
    // IPv4 fragments such as 5.1.1.9 are excluded by the look-ahead; 2.x codes mean success and
    // rarely appear in failure texts, so keep looking for a failure code first.
    if (m[1] !== "2") {
      STATUS_IN_TEXT_ALL.lastIndex = 0;
      return code;
    }
    best ??= code;
  }
  return best;
}

const REPLY = /(?:^|[\s(<:;"'#=[-])([245][0-5][0-9])(?=[\s\-.:,;)\]]|$)/g;

/** The first SMTP reply code of the text, preferring one of the given class. */
export function findReplyCode(text: string, preferClass?: string): string | undefined {
  let first: string | undefined;
  REPLY.lastIndex = 0;
  for (let m = REPLY.exec(text); m; m = REPLY.exec(text)) {
    const code = m[1];
    if (code === "250" || code === "220" || code === "221") continue;
    if (!preferClass || code[0] === preferClass) {
      REPLY.lastIndex = 0;
      return code;
    }
    first ??= code;
  }
  return first;
}

/** Chooses between the Status field and a code found in the diagnostic text: a generic X.0.0 yields
 * to a specific code of the same class; a code that contradicts the reply class is not trusted. */
export function preferStatus(
  fromField: string | undefined,
  fromText: string | undefined,
): string | undefined {
  if (!fromField) return fromText;
  if (!fromText || fromText === fromField) return fromField;
  const generic = /^[45]\.0\.0$/.test(fromField) || /^[45]\.0\.\d{3}$/.test(fromField);
  if (generic && fromText[0] === fromField[0] && !fromText.startsWith(`${fromField[0]}.0.0`)) return fromText;
  return fromField;
}
