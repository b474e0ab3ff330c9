// Deciding a recipient's reason from what its report says. The words decide when they are specific;
// the enhanced status code (RFC 3463) decides when the words are generic; the SMTP command at which the
// remote side refused tells apart "this address does not exist" (RCPT) from "this content was refused"
// (DATA) and "you, the sender, were refused" (MAIL, connection). The order follows the one that makes
// classifiers in the field agree (sisimai), so results can be compared reason by reason.
import type { Evidence, SmtpCommand } from "./evidence.js";
import {
  familyReading,
  saysAccountState,
  saysAttachmentRefused,
  saysNameServiceAnswer,
  saysRelayRefused,
} from "./families.js";
import { providerReason } from "./providers.js";
import { presetIn, type Reason, says } from "./reasons.js";
import { findReplyCode, reasonOfStatus } from "./status.js";

export interface Facts {
  /** lower-cased, whitespace-collapsed diagnostic text */
  text: string;
  status?: string;
  statusReason?: Reason;
  replyCode?: string;
  command?: SmtpCommand;
  action?: string;
  diagnosticType?: string;
  /** The words came from a DSN's delivery-status fields, not from the reporting MTA's own prose. */
  fromDsnFields?: boolean;
  /** the recipient's address, lower-cased */
  recipient?: string;
}

/** Reasons a first reading may settle on only provisionally: more specific words may override. */
const provisional = new Set<Reason>([
  "undefined",
  "onhold",
  "systemerror",
  "securityerror",
  "expired",
  "networkerror",
  "hostunknown",
  "userunknown",
]);

const beforeData = new Set<SmtpCommand>(["CONN", "EHLO", "HELO" as SmtpCommand, "MAIL", "RCPT"]);

type Probe = (f: Facts) => boolean;

const statusOr =
  (r: Reason): Probe =>
  (f) =>
    f.statusReason === r || says(r, f.text);

/** First reading: specific words or a specific status code, in this order of precedence. */
const firstReading: Array<[Reason, Probe]> = [
  ["mailboxfull", statusOr("mailboxfull")],
  ["mesgtoobig", statusOr("mesgtoobig")],
  ["exceedlimit", statusOr("exceedlimit")],
  ["suspend", (f) => f.replyCode === "525" || says("suspend", f.text)],
  ["hasmoved", (f) => says("hasmoved", f.text)],
  [
    "norelaying",
    (f) =>
      !(f.command === "CONN" || f.command === "EHLO") &&
      (says("norelaying", f.text) || (saysRelayRefused(f) && isClassGeneric(f))),
  ],
  ["authfailure", statusOr("authfailure")],
  ["userunknown", isUserUnknown],
  ["filtered", isFiltered],
  ["requireptr", statusOr("requireptr")],
  ["notcompliantrfc", (f) => says("notcompliantrfc", f.text)],
  ["badreputation", (f) => says("badreputation", f.text)],
  ["contenterror", (f) => !isSpam(f) && statusOr("contenterror")(f)],
  ["rejected", isRejected],
  ["hostunknown", isHostUnknown],
  ["spamdetected", isSpam],
  ["speeding", (f) => says("speeding", f.text)],
  ["ratelimited", (f) => says("toomanyconn", f.text) && PER_PERIOD.test(f.text)],
  ["toomanyconn", (f) => statusOr("toomanyconn")(f) || TOO_MANY_SESSIONS.test(f.text)],
  ["ratelimited", (f) => says("ratelimited", f.text)],
  ["expired", isQueueTimeout],
  // A refused attachment type names what was refused, also when a blocklist word comes with it
  // ("550 Blacklisted high risk file extension detected").
  ["policyviolation", (f) => saysAttachmentRefused(f) && isClassGeneric(f)],
  ["blocked", (f) => statusOr("blocked")(f) || BARE_BLOCKED.test(f.text)],
];

/** A reply that says nothing but "blocked" ("550 Blocked", Barracuda's gateway refusing the sending host;
 * sisimai reads Postfix's "said: 550 Blocked" the same way). */
const BARE_BLOCKED = /^[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3} )?blocked\.?$/;

/** Second reading, for what the first left open: words only, then the status class. */
const secondReading: Reason[] = [
  "mailboxfull",
  "authfailure",
  "badreputation",
  "speeding",
  "spamdetected",
  "virusdetected",
  "policyviolation",
  "norelaying",
  "systemerror",
  "networkerror",
  // A local resolver's own words ("Name or service not known" in an X-Postfix field), after the
  // temporary lookup failures networkerror names.
  "hostunknown",
  "suspend",
  "contenterror",
  "systemfull",
  "notaccept",
  "expired",
  "failedstarttls",
  "securityerror",
  "mailererror",
];

/** Status codes too generic to overrule words that say the mailbox does not exist. (X.2.1, "mailbox
 * disabled", is not among them: with "user unknown" words and no command it reads as filtered.) */
const weakForUser = new Set<Reason | undefined>([
  undefined,
  "securityerror",
  "notaccept",
  "systemerror",
  "networkerror",
  "blocked",
]);

function isUserUnknown(f: Facts): boolean {
  if (f.statusReason === "userunknown") {
    // A 5.1.1 that says "relaying denied", "blocked", "mailbox full" … is about that instead.
    for (const other of [
      "norelaying",
      "blocked",
      "mailboxfull",
      "hasmoved",
      "rejected",
      "notaccept",
    ] as const) {
      if (other === "blocked" ? saysBlockedStrongly(f.text) : says(other, f.text)) return false;
    }
    return !SENDER_REFUSED.test(f.text);
  }
  if (isBareRecipientRefusal(f)) return true;
  if (!saysMailboxUnknown(f)) return false;
  if (f.command === "RCPT") return true;
  if (LOCAL_MAILBOX_ABSENT.test(f.text)) return true;
  // X.1.10 is "null MX" in RFC 7505, but Exchange Online answers 5.1.10 RecipientNotFound: with words
  // that say the mailbox does not exist, it is the mailbox.
  if (f.status?.endsWith(".1.10")) return true;
  if (isAddressStatusNamingUnknown(f)) return true;
  // Without the command, the words decide unless a specific status code points elsewhere, and unless
  // they are a server's reply quoted without the step it answered (see isUnknownAfterAcceptance).
  return !f.command && weakForUser.has(f.statusReason) && !isQuotedReply(f);
}

/** Mail.ru (and the domains it hosts) accepts every RCPT and refuses an unknown mailbox after DATA:
 * "550 Message was not accepted -- invalid mailbox. Local mailbox x@y is unavailable: user not found".
 * Unlike a filter's bare "User unknown" after DATA (see isUnknownAfterAcceptance), the words name the
 * recipient's mailbox on that server as absent, so the step they answer does not make them filtered.
 * Sendmail's transcript line "mail.local: unknown user: x" is the same statement by the reporting host's
 * own local delivery agent (the 554 "Service unavailable" after it is Sendmail's summary, not a filter). */
const LOCAL_MAILBOX_ABSENT = /local mailbox \S+ is unavailable: user not found|\bmail\.local: unknown user/;

/** Exchange Online's own address-status code in front of the remote server's reply: "550 5.1.351 Remote
 * server returned unknown recipient or mailbox unavailable -> 550 Unknown user x@y". A code of subject 1
 * (RFC 3463 X.1.x: the address was the trouble) that no table knows, with a reply that names the address
 * as unknown, says the mailbox does not exist. The remote's "-> 550 : User unknown" with the address left
 * out is the shape a filter answers after DATA and stays filtered, as without the wrapper (KDDI's au
 * answers the same two ways: providers.ts byKddi). */
function isAddressStatusNamingUnknown(f: Facts): boolean {
  if (f.statusReason || !f.status || f.status.slice(1, 4) !== ".1.") return false;
  return UNKNOWN_NAMED.test(f.text);
}

const UNKNOWN_NAMED =
  /\b(?:unknown user|user unknown|no such user)\b:? <?[^\s<>@:]+@[^\s<>]+|<?[^\s<>@:]+@[^\s<>]+?>?:? (?:unknown user|user unknown|no such user)\b/;

/** "550 <x@y>: Recipient address rejected." and nothing after it, in answer to RCPT: the server refused
 * the address itself without naming a policy (Postfix's words when a recipient lookup fails; Mailgun's
 * inbound MX says "550 5.0.1 Recipient rejected"). Words after the colon ("…rejected: Access denied",
 * "…: Greylisted") say why and decide instead. */
const BARE_RECIPIENT_REFUSAL = /recipient (?:address )?rejected\.?\s*(?:\(in reply|$)/;

function isBareRecipientRefusal(f: Facts): boolean {
  if (f.replyCode?.[0] !== "5" || !weakForUser.has(f.statusReason)) return false;
  if (f.command === "RCPT") return BARE_RECIPIENT_REFUSAL.test(f.text);
  if (f.command || !f.recipient) return false;
  const echo = ADDRESS_ECHO_REFUSED.exec(f.text);
  return echo?.[1] === f.recipient;
}

/** "542 x@y Rejected" (Symantec Email Security.cloud quoting the remote server), no step named: a reply
 * whose only words are the recipient's address and "rejected" echoes the argument of the command it
 * refused, RCPT TO:<x@y>, so the address itself was refused, as in the bare refusal at RCPT above. A
 * filter refusing the message after DATA has no single address to echo, the envelope sender's address
 * echoed is MAIL FROM refused, and words after "rejected" say why and decide. */
const ADDRESS_ECHO_REFUSED =
  /^[45]\d\d(?:[ -][45]\.\d{1,3}\.\d{1,3})? <?([^\s<>@]+@[^\s<>]+?)>?:? (?:recipient )?(?:address )?rejected\.?$/;

/** Words that say the mailbox does not exist (and not that the system is full or the domain unknown). */
function saysMailboxUnknown(f: Facts): boolean {
  if (says("systemfull", f.text)) return false;
  // "Domain does not exist." / "Die Domain existiert nicht": the generic "does not exist" is about the domain.
  if (says("hostunknown", f.text) && !MAILBOX_WORDS.test(f.text)) return false;
  return says("userunknown", f.text) || MAILBOX_NAMED_UNAVAILABLE.test(f.text);
}

/** "550 mailbox x@y unavailable": the address between the words (Coremail-style servers) names the
 * mailbox that is not there, as "mailbox unavailable" does without it. */
const MAILBOX_NAMED_UNAVAILABLE = /\bmailbox <?[^\s<>@]+@[^\s<>]+?>? (?:is )?unavailable\b/;

/** The rule for "user unknown" words that come with no SMTP command and no X.1.x status, e.g. a DSN
 * field "smtp; 550 : User unknown" with Status 5.0.0: `filtered` (soft), not `userunknown` (hard).
 * Nothing says the address was refused at RCPT. Servers that accept every RCPT and refuse after DATA
 * (Japanese mobile carriers, filtering gateways) answer exactly so when a sender or its content is
 * filtered, while a refusal at RCPT is normally reported with its command or a 5.1.1. sisimai 5 reads
 * it so (Reason::Filtered.true?: command neither RCPT nor MAIL, UserUnknown words), and its labels for
 * Google, Oracle Messaging Server, MXLogic and plain RFC 3464 reports of this shape all say filtered;
 * as it reaches 98.6 % hard/soft on labelled real-world corpora, labels there cannot often disagree.
 * The reporting MTA's own prose is different: "Unknown user: x@y" or "Empfänger unbekannt" written
 * by the mailer-daemon that owns the mailbox, with no reply code quoted, is a statement about its own
 * users, hence `userunknown`, as sisimai's MTA modules (IMail, Domino, Exchange, qmail) set it. */
function isUnknownAfterAcceptance(f: Facts): boolean {
  return !f.command && weakForUser.has(f.statusReason) && isQuotedReply(f) && saysMailboxUnknown(f);
}

/** A server's reply: a DSN's delivery-status field or a quoted reply code, not the reporter's prose. */
function isQuotedReply(f: Facts): boolean {
  return Boolean(f.fromDsnFields || f.replyCode);
}

/** Words that name a mailbox rather than a domain. */
const MAILBOX_WORDS = /user|mailbox|recipient|account|address|benutzer|postfach|empf|adresse|konto/;

/** "blocked" phrases that are about the sending host (RBL listings), not about the recipient. */
function saysBlockedStrongly(text: string): boolean {
  return says("blocked", text) && !/user unknown|unknown user|no such user|does not exist/.test(text);
}

function isFiltered(f: Facts): boolean {
  if (f.statusReason === "filtered") return says("userunknown", f.text) || says("filtered", f.text);
  if (f.command && beforeData.has(f.command)) return false;
  if (f.command === "DATA") return says("filtered", f.text) || says("userunknown", f.text);
  return says("filtered", f.text) || isUnknownAfterAcceptance(f);
}

/** Words that refuse the envelope sender. Servers that check the sender only once a recipient is known
 * (Postfix's smtpd_delay_reject, Apple's relay) answer RCPT with them, often with a recipient's status
 * code such as 5.1.1 — the refusal is still of the sender, not of the recipient's address. */
const SENDER_REFUSED = /\bsender address rejected\b|\bunauthori[sz]ed sender\b/;

function isRejected(f: Facts): boolean {
  if (f.statusReason === "rejected") return true;
  // Refused at MAIL FROM, words that the sender's domain or mailbox does not exist ("550 SND-VFY Sender
  // domain does not exist") refuse the sender, not the recipient's domain (hard hostunknown).
  if (f.command === "MAIL") {
    return (
      says("rejected", f.text) ||
      (SENDER_WORDS.test(f.text) && (says("hostunknown", f.text) || saysMailboxUnknown(f)))
    );
  }
  // At RCPT, "Recipient address rejected: …" is about the recipient: the words after it decide, unless
  // they refuse the sender.
  if (f.command === "RCPT") return SENDER_REFUSED.test(f.text);
  const loose =
    !f.statusReason || ["securityerror", "systemerror", "onhold", "undefined"].includes(f.statusReason);
  if (f.command === "DATA" && f.statusReason !== "userunknown") return says("rejected", f.text);
  return loose && says("rejected", f.text);
}

/** Name service answers that say the lookup failed for now ("Host not found, try again": Postfix's words
 * for a DNS timeout or SERVFAIL), not that the domain does not exist. */
const TEMPORARY_LOOKUP =
  /host not found, try again|temporary failure in name resolution|dns (?:lookup )?(?:timeout|timed out)/;

function isHostUnknown(f: Facts): boolean {
  if (TEMPORARY_LOOKUP.test(f.text) || isTemporaryLookupAnswer(f)) return false;
  if (f.statusReason === "hostunknown") return !says("networkerror", f.text);
  return says("hostunknown", f.text);
}

/** A name server's "does not exist" reported with a temporary status or reply: Google Workspace's "DNS
 * Error: … DNS type 'mx' lookup of x responded with code NXDOMAIN / Domain name not found: x" with Status
 * 4.0.0. The reporter does not hold the answer final (a zone being set up or a resolver's negative cache
 * answers so for a while), so it is the lookup's failure for now (networkerror, soft), as the word
 * families read "NXDOMAIN" under a 4xx (families.ts readDns); with a 5.x.x status it is hostunknown. */
function isTemporaryLookupAnswer(f: Facts): boolean {
  return (f.status?.[0] === "4" || (!f.status && f.replyCode?.[0] === "4")) && saysNameServiceAnswer(f.text);
}

/** "Too many recipients this hour", "… per day": a limit over time is a rate limit (ratelimited); the
 * same words without a period are about one connection or one message (toomanyconn). */
const PER_PERIOD =
  /\b(?:per|this|an|each|last|past|one)\s+(?:hour|minute|min|day|24 hours)\b|\b(?:hourly|daily) (?:limit|quota)/;

/** Sendmail giving up after its queue lifetime ("Message could not be delivered for 5 days") when the
 * last attempt only failed to connect ("Deferred: Connection refused by …", "… timed out"): no server
 * ever answered, so the time ran out (expired), not a refusal of the sender (blocked). A last attempt
 * that was answered with words ("Deferred: 450 4.7.1 … IP name lookup failed") is decided by them. */
function isQueueTimeout(f: Facts): boolean {
  return QUEUE_LIFETIME.test(f.text) && LAST_CONNECT_FAILED.test(f.text);
}

const QUEUE_LIFETIME = /message could not be delivered for \d+(?:\.\d+)? (?:days?|hours?)/;
const LAST_CONNECT_FAILED = /deferred: connection (?:refused|timed out)/;

function isSpam(f: Facts): boolean {
  if (f.statusReason === "spamdetected") return true;
  if (f.command && beforeData.has(f.command) && f.command !== "RCPT") return false;
  return says("spamdetected", f.text);
}

/** What a content filter found, in words no phrase list has ("554 5.7.1 Message infected by virus",
 * "Message rejected under suspicion of SPAM"): when no phrase and no specific status code has decided, a
 * permanent refusal after DATA (or at no named step) that speaks of a virus or of spam is about the
 * message, not the generic X.7.x security refusal. Before DATA the server has not seen the message, so
 * such words are about the sender (sisimai reads spam and virus verdicts only after DATA, too); a
 * temporary reply ("virus scanner unavailable", greylisting "for spam protection") is no verdict; spam
 * named with a blocklist (Spamhaus, SpamCop, "listed", "spam source") is the sending host's listing. */
function contentVerdict(f: Facts): Reason | undefined {
  if (f.command && beforeData.has(f.command)) return undefined;
  if (f.status?.startsWith("4") || f.replyCode?.startsWith("4")) return undefined;
  if (CONTENT_VIRUS.test(f.text)) return "virusdetected";
  if (CONTENT_SPAM.test(f.text) && !SPAM_LISTING.test(f.text)) return "spamdetected";
  return undefined;
}

const CONTENT_VIRUS = /\b(?:virus(?:es)?|malware)\b(?![ -]?scan)/;
const CONTENT_SPAM = /\bspam\b/;
const SPAM_LISTING =
  /\b(?:listed|blocklist|blacklist|block list|black list|dnsbl|rbl|spam source)\b|spamhaus|spamcop/;

/** Decides the reason for one recipient. */
export function decideReason(e: Evidence, f: Facts): Reason {
  if (f.status?.startsWith("2.") || ["delivered", "relayed", "expanded"].includes(f.action ?? "")) {
    return "delivered";
  }
  if (e.mtaVerdict) return e.mtaVerdict;
  if (isGoogleGroupsNotice(e, f)) return "rejected";
  const fromProvider = providerReason({
    text: f.text,
    status: f.status,
    replyCode: f.replyCode,
    command: f.command,
    hosts: hostsOf(e),
  });
  if (fromProvider) return fromProvider;
  const preset = e.reason ?? presetIn(f.text);
  if (preset && !provisional.has(preset)) return preset;
  if (isOwnAgentUnknownUser(f)) return "userunknown";
  let reason: Reason | undefined;
  if (isSmtpWords(f)) {
    for (const [r, probe] of firstReading) {
      if (probe(f)) {
        reason = r;
        break;
      }
    }
  }
  reason ??= preset ?? secondLook(f);
  if (!reason && f.action === "delayed") reason = "expired";
  if (reason && reason !== f.statusReason) return reason;
  const fromWords = wordsOverClass(f);
  if (fromWords) return fromWords;
  if (reason) return reason;
  if (says("vacation", f.text)) return "vacation";
  return f.text ? "onhold" : "undefined";
}

/** Reasons an enhanced status code gives only by its class or a catch-all detail: X.6.x "media error",
 * X.5.x "protocol error", X.7.0/X.7.1 "not authorised", X.3.0 and the like. */
const classReasons = new Set<Reason | undefined>([
  undefined,
  "contenterror",
  "syntaxerror",
  "securityerror",
  "systemerror",
]);

/** Is the status code only class-generic (no code, X.Y.0, X.5.x, X.6.x, X.7.1), so that it says where the
 * fault lies but not what it was? */
function isClassGeneric(f: Facts): boolean {
  if (!classReasons.has(f.statusReason)) return false;
  const s = f.status;
  // No code, or one the table does not know (Exchange Online's 5.4.312, 5.7.708 …): its class and
  // subject say where the fault lies, not what it was.
  if (!s || !f.statusReason) return true;
  // "c.s.d" read in place (this runs for most reports, so no split): subject 5 or 6, or detail 0.
  const subject = s.length > 3 && s[3] === "." ? s[2] : "";
  return s.endsWith(".0") || subject === "5" || subject === "6" || s.endsWith(".7.1");
}

/** When only a class-generic status code (or nothing) has decided, specific words about the message or
 * the recipient decide instead — sisimai 5 reads these words before the code (its first pass has no
 * ContentError or SyntaxError, and SecurityError, SystemError, OnHold are retried by words):
 * "554 5.6.3 Spam Body rejected" is spamdetected, "552 5.5.2 Message size (content filter)" mesgtoobig,
 * "550 5.7.1 Recipient address rejected: User email address is marked as invalid" at RCPT userunknown,
 * "550 user is locked." suspend, "550 Local user only" norelaying. */
function wordsOverClass(f: Facts): Reason | undefined {
  if (!isClassGeneric(f)) {
    if (isGreetingSecurity(f)) return familyReading(f);
    // X.2.1 ("mailbox disabled, not accepting messages", which sisimai maps to filtered) leaves the
    // recipient's account state to its words: "550 5.2.1 User is inactive" is suspend.
    if (f.status?.endsWith(".2.1") && saysAccountState(f)) return "suspend";
    return undefined;
  }
  const content = contentVerdict(f);
  if (content) return content;
  if ((!f.command || f.command === "DATA") && MESSAGE_SIZE.test(f.text)) return "mesgtoobig";
  if (f.command === "RCPT" && RECIPIENT_INVALID.test(f.text) && !SENDER_WORDS.test(f.text)) {
    return "userunknown";
  }
  if (ACCOUNT_LOCKED.test(f.text)) return "suspend";
  if (LOCAL_ONLY.test(f.text)) return "norelaying";
  return familyReading(f);
}

/** An X.7.x security code given at the greeting or EHLO: the specific ones (X.7.2 mailing-list expansion,
 * X.7.5 cryptographic failure …) answer a message or a list, which does not exist before MAIL FROM, so
 * there the code says no more than X.7.1 does and the words decide ("554 5.7.2 Service denied"). */
function isGreetingSecurity(f: Facts): boolean {
  return f.statusReason === "securityerror" && (f.command === "CONN" || f.command === "EHLO");
}

const MESSAGE_SIZE = /\bmessage size\b|\bsize of (?:the|this|your) message\b/;
const RECIPIENT_INVALID =
  /\b(?:user|recipient|mailbox|(?:e-?mail )?address)(?: is| was)?(?: marked as| flagged as)? (?:invalid|not valid)\b/;
const SENDER_WORDS = /\bsender\b|\bmail from\b|\bunauthori[sz]ed\b/;
const ACCOUNT_LOCKED = /\b(?:user|account|mailbox) (?:is |has been )?(?:locked|frozen)\b/;
const LOCAL_ONLY = /\blocal users? only\b/;
/** "421 … Too many sessions opened" (Comcast): too many connections at once (toomanyconn), not a rate. */
const TOO_MANY_SESSIONS = /\btoo many (?:sessions|simultaneous connections|concurrent sessions)\b/;

/** The reporting MTA's own delivery agent saying the mailbox does not exist, in a DSN field of its own
 * type: Postfix's local(8) writes "Diagnostic-Code: X-Postfix; unknown user: "x"", a local agent
 * "X-LOCAL; 500 (err.nosuchuser)". No remote server is quoted ("said:") and no SMTP step was answered,
 * so this is the host that owns the mailbox speaking about its own users (as Sendmail's mail.local does),
 * not a filter's "user unknown" after acceptance. X-Unix (a program) is localMailer's. */
function isOwnAgentUnknownUser(f: Facts): boolean {
  const type = (f.diagnosticType ?? "").toLowerCase();
  if (!type.startsWith("x-") || type.startsWith("x-unix")) return false;
  if (f.command || f.text.includes("said:") || isLocalProgram(f)) return false;
  return saysMailboxUnknown(f);
}

/** Google Groups' own notice about a post (no SMTP reply quoted): the group does not exist or does not
 * take posts from this sender; the post was refused, in whatever language Google wrote it. */
function isGoogleGroupsNotice(e: Evidence, f: Facts): boolean {
  return !f.replyCode && !f.status && e.recipient.toLowerCase().endsWith("@googlegroups.com");
}

/** Who may have said it: the remote MTA, the reporting MTA and the recipient's domain. */
function hostsOf(e: Evidence): string[] {
  const hosts: string[] = [];
  if (e.remoteMta) hosts.push(e.remoteMta.toLowerCase().replace(/[\s[\]]/g, ""));
  if (e.reportingMta) hosts.push(e.reportingMta.toLowerCase().replace(/[\s[\]]/g, ""));
  const at = e.recipient.lastIndexOf("@");
  if (at !== -1) hosts.push(e.recipient.slice(at + 1).toLowerCase());
  return hosts;
}

/** Are these the words of a remote SMTP server? X-Postfix and friends often quote one ("host … said:"),
 * while X-Unix is a local program speaking. */
function isSmtpWords(f: Facts): boolean {
  const type = (f.diagnosticType ?? "smtp").toLowerCase();
  if (type === "smtp" || type === "") return true;
  if (type.startsWith("x-unix")) return false;
  return /\bsaid:|\b[45]\d\d[ -][245]\.\d|\b[45]\d\d\s/.test(f.text);
}

/** A local delivery program (procmail, maildrop, a pipe) that failed: its own words may still say the
 * mailbox is full or unknown; otherwise the program failed. */
function localMailer(f: Facts): Reason {
  // Sendmail's own verdict on the program's exit (sysexits EX_NOPERM, "Insufficient permission") is a
  // fault of the receiving system, whatever the program printed before it gave up.
  if (LOCAL_SYSTEM_FAULT.test(f.text)) return "systemerror";
  if (says("mailboxfull", f.text)) return "mailboxfull";
  if (says("userunknown", f.text) && !says("mailererror", f.text)) return "userunknown";
  return "mailererror";
}

const LOCAL_SYSTEM_FAULT = /\(reason: insufficient permission\)|\.\.\. insufficient permission\b/;

/** A local program's failure: an X-Unix diagnostic, an MTA quoting a pipe command's exit and output, or
 * Exim naming the pipe it delivered to ("pipe to |/usr/bin/x"). */
function isLocalProgram(f: Facts): boolean {
  return (
    (f.diagnosticType ?? "").toLowerCase().startsWith("x-unix") ||
    /command output:|command died with status|command failed: |pipe to \|/.test(f.text)
  );
}

function secondLook(f: Facts): Reason | undefined {
  if (isLocalProgram(f)) return localMailer(f);
  const fromStatus = f.statusReason;
  const type = (f.diagnosticType ?? "smtp").toLowerCase();
  if (fromStatus && !provisional.has(fromStatus) && isSmtpWords(f)) return fromStatus;
  for (const r of secondReading) {
    if (says(r, f.text) && !(r === "hostunknown" && isTemporaryLookupAnswer(f))) return r;
  }
  const found = contentVerdict(f);
  if (found) return found;
  // The word families (families.ts) read what no phrase and no specific status code decided, before the
  // defaults below by step and status class.
  if (isClassGeneric(f) || isGreetingSecurity(f)) {
    const family = familyReading(f);
    if (family) return family;
  }
  // Refused at MAIL FROM with nothing more specific said: the envelope sender was refused ("550 5.7.1
  // Access denied", "Unroutable sender address"), whatever generic X.7.x code came with it.
  if (f.command === "MAIL") return "rejected";
  if (fromStatus) return fromStatus;
  const cls = f.status?.slice(0, 3);
  if (cls === "5.6" || cls === "4.6") return "contenterror";
  if (cls === "5.7" || cls === "4.7") return "securityerror";
  if (type.startsWith("x-unix")) return "mailererror";
  const reply = Number(f.replyCode ?? 0);
  if ((reply > 500 && reply < 508) || (reply > 400 && reply < 408)) return "syntaxerror";
  // A server that answered the greeting or EHLO with a refusal refused the sending host, also in a delay
  // notice ("421 Block temporarily (Sender Filtering/Authentication)"); only a connection that got no
  // reply at all (timed out, refused by the network) leaves the time to run out (expired).
  if ((f.command === "EHLO" || f.command === "CONN") && f.replyCode) return "blocked";
  if (f.action === "delayed" || f.action === "expired") return "expired";
  if (f.command === "EHLO" || f.command === "CONN") return "blocked";
  return undefined;
}

const REPLY_LINE_PREFIX = /\b[2-5]\d\d[- ][2-5]\.\d{1,3}\.\d{1,3}\s?/g;

/** A multi-line SMTP reply quoted on one line ("550-5.2.1 … at a rate that 550-5.2.1 prevents …", Gmail's
 * way) repeats its code on every line; the words read as one sentence only without the repeats. The first
 * code stays: some phrases include it. */
function joinReplyLines(diagnostic: string): string {
  if (!/\b[2-5]\d\d-[2-5]\.\d/.test(diagnostic)) return diagnostic;
  let first = true;
  return diagnostic.replace(REPLY_LINE_PREFIX, (code) => {
    if (!first) return "";
    first = false;
    return code;
  });
}

/** The facts a decision needs, from one recipient's evidence. */
export function factsOf(e: Evidence, status: string | undefined): Facts {
  const text = joinReplyLines(e.diagnostic).toLowerCase();
  const replyCode = findReplyCode(e.diagnostic, status?.[0]);
  return {
    text,
    status,
    statusReason: reasonOfStatus(status),
    replyCode,
    command: e.command,
    action: e.action,
    diagnosticType: e.diagnosticType,
    fromDsnFields: !e.wordsFromProse && (e.action !== undefined || e.diagnosticType !== undefined),
    recipient: e.recipient.toLowerCase(),
  };
}
