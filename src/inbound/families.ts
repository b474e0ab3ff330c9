// A word-family reading of an SMTP reply: each reason recognised by the families of words real replies
// use for it, in the step of the transaction where they occur, instead of by one exact phrase. The
// families are abstracted from sisimai's phrase lists (Reason/*.pm, Rhost/*.pm: which words mean which
// reason) and from replies quoted by providers and gateways; e.g. norelaying is {relay, relaying} with
// {denied, prohibited, not permitted, …}: "550 Relay Prohibited", "relay not permitted", "routed address
// relaying denied" are one statement in different words.
//
// Precedence (what wins when words and the status code disagree), as decide.ts applies it:
//   1. A provider's or MTA's own table, an exact phrase of reasons.ts, and a specific enhanced status
//      code (5.1.1, 5.2.2, 4.2.1, 5.3.4 …) decide first; the families never overrule them.
//   2. The families read only what those left open: no reason at all ("onhold"), or a reason that came
//      from a class-generic status code only (none, X.Y.0, X.5.x, X.6.x, X.7.1: "it is a security /
//      protocol / media / system matter" says where the fault lies, not what it was). sisimai 5 reads
//      its words before such codes too (its first pass has no ContentError/SyntaxError; SecurityError,
//      SystemError and OnHold are retried by words).
//   3. Two families are strong enough to sit beside the exact phrases (decide.ts' first reading): relay
//      refusals (norelaying, never at the greeting) and a refused attachment type after DATA
//      (policyviolation, before the generic "blacklisted" of blocked). A recipient's account state
//      (suspend) also reads over X.2.1, "mailbox disabled", which sisimai maps to filtered.
//   4. Among themselves, in the order of `familyReading` below: what the message carried (only after DATA
//      or at no named step), then authentication, reverse DNS, relaying, connection counts and rates;
//      at the greeting or EHLO any other refusal is of the connecting host (blocked); then
//      the recipient's account state, then who was refused — the sending host before the sender, the
//      sender before the recipient — and last the vaguest (reputation, policy, system trouble, TLS).
//      A refusal that names the sending host's IP address or host is about the host (blocked) even when
//      the word "sender" appears ("sender IP", "sender host name"); one that names the envelope sender's
//      address or domain is about the sender (rejected); recipient words decide only at RCPT.
import type { SmtpCommand } from "./evidence.js";
import type { Reason } from "./reasons.js";

export interface FamilyFacts {
  text: string;
  command?: SmtpCommand;
  replyCode?: string;
  status?: string;
}

/** The reply itself: from its first reply code on (Postfix's "host x[ip] said:" and Exim's "host x [ip]:"
 * name the remote host, not a cause), with addresses and host names blanked so that a domain such as
 * "sender.example" or "relay.example" never reads as a word. An IPv4 literal becomes the word "ipv4". */
export function replyWords(text: string): string {
  const at = text.search(REPLY_START);
  const reply = at > 0 ? text.slice(at) : text;
  return reply.replace(IPV4, " ipv4 ").replace(ADDRESS_OR_HOST, " _ ");
}

const REPLY_START = /\b[45]\d\d[ -]/;
const IPV4 = /\[?\b\d{1,3}(?:\.\d{1,3}){3}\b\]?/g;
const ADDRESS_OR_HOST = /<?[^\s<>()"',;]*[a-z0-9_-](?:@|\.(?=[a-z]))[^\s<>()"',;]*[a-z0-9]>?/g;

const REFUSAL =
  /\b(?:denied|deny|prohibited|not (?:permitted|allowed|authori[sz]ed|accepted|welcome)|refused|rejected|reject|forbidden|disallowed|banned|blocked|black ?-?listed|block ?-?listed|blacklist|blocklist|black list)\b/;

// Relaying: {relay, relaying} ∧ a refusal, or "not configured to relay" / "not local … relay".
const RELAY = /\brelay(?:ing|ed)?\b/;
const RELAY_REFUSED =
  /\b(?:denied|deny|prohibited|not (?:permitted|allowed|authori[sz]ed|configured)|refused|rejected|forbidden|disallowed|unable to|cannot|can't|no)\b/;

/** Relay refusals: "550 Relay Prohibited", "relay not permitted", "relaying denied". */
export function saysRelayRefused(f: FamilyFacts): boolean {
  if (f.command === "CONN" || f.command === "EHLO") return false;
  if (!f.text.includes("relay")) return false;
  const w = replyWords(f.text);
  return RELAY.test(w) && RELAY_REFUSED.test(w);
}

// A recipient's account state: {inactive, disabled, suspended, …} ∧ {user, account, mailbox, …}.
const ACCOUNT = /\b(?:user|account|mailbox|mail ?box|recipient|address|inbox)\b/;
const ACCOUNT_STATE =
  /\b(?:inactive|disabled|suspended|deactivated|de-activated|dormant|frozen|locked|closed|expired|terminated|discontinued|no longer (?:active|in use|in service))\b/;
const SENDER_SIDE =
  /\b(?:sender|mail from|envelope[- ]from|from address|return[- ]path|authenticat\w*|login|your account)\b/;

/** The recipient's account disabled or inactive ("550 5.2.1 User is inactive"), not the sender's. */
export function saysAccountState(f: FamilyFacts): boolean {
  if (f.command === "CONN" || f.command === "EHLO" || f.command === "MAIL") return false;
  if (!ACCOUNT_STATE.test(f.text)) return false;
  const w = replyWords(f.text);
  return ACCOUNT.test(w) && ACCOUNT_STATE.test(w) && !SENDER_SIDE.test(w);
}

// A refused attachment type: {file extension, attachment type, executable, …}.
const ATTACHMENT =
  /\b(?:file (?:extension|type|name)s?|attachment (?:type|extension|name)s?|(?:prohibited|banned|blocked|forbidden|dangerous|unsafe|high risk|restricted) (?:file|attachment|extension)s?|(?:executable|exe) (?:file|attachment|content)s?|attachments? (?:is |are )?not (?:allowed|permitted|accepted))\b/;

/** A refused attachment type after DATA: "Blacklisted high risk file extension detected". */
export function saysAttachmentRefused(f: FamilyFacts): boolean {
  if (f.command && f.command !== "DATA") return false;
  const t = f.text;
  if (!(t.includes("attach") || t.includes("file") || t.includes("exe") || t.includes("extension")))
    return false;
  return ATTACHMENT.test(t) && ATTACHMENT.test(replyWords(t));
}

// Message format: {RFC 822/2822/5322 …, RFC-compliant, malformed header …} ∧ conformance words.
const RFC_NUMBER = /\brfc[ -]?(?:822|2822|5322|2045|2046|2047)\b|\brfc-?compliant\b/;
const CONFORMANCE =
  /\b(?:conform\w*|complian\w*|complie\w*|violat\w*|invalid|malformed|not valid|standard|format\w*|syntax)\b/;
// ("invalid header" alone stays sisimai's contenterror, as a 5.6.0 code says.)
const MALFORMED_HEADER =
  /\b(?:malformed|duplicated?|multiple) (?:message )?(?:header|headers|from:? headers?|date:? headers?|message-ids?)\b/;

function saysNotCompliant(w: string): boolean {
  return (RFC_NUMBER.test(w) && CONFORMANCE.test(w)) || MALFORMED_HEADER.test(w);
}

// Authentication of the sender's domain: {SPF, DKIM, DMARC} ∧ failure words.
const AUTH_SCHEME = /\b(?:spf|dkim|dmarc|sender policy framework|domainkeys)\b/;
const AUTH_FAILED =
  /\b(?:fail\w*|not (?:allowed|authori[sz]ed|permitted|pass\w*|valid|aligned)|reject\w*|invalid|permerror|temperror|softfail|hardfail|error|does not pass|did not pass|unauthenticated)\b/;

// Reverse DNS of the sending host: {PTR, reverse DNS, rDNS, reverse lookup …} ∧ absence or failure.
const PTR =
  /\b(?:ptr|reverse dns|rdns|reverse lookup|reverse hostname|reverse (?:dns )?record|reverse mapping|ip name lookup|find your (?:host ?name|reverse))\b/;
const PTR_MISSING =
  /\b(?:no|missing|not found|fail\w*|required|requires|cannot|can't|could not|invalid|does not (?:exist|match)|doesn't (?:exist|match)|mismatch\w*|lookup)\b/;

// Connection counts: {too many, maximum, limit} ∧ {connections, sessions, concurrent}.
const CONNECTIONS = /\b(?:connections?|sessions?|concurrent|simultaneous)\b/;
const TOO_MANY = /\b(?:too many|too much|maximum|max|limit\w*|exceed\w*)\b/;

// Rates: {rate, hourly, daily, per hour/day/minute, frequency, sending limit} ∧ {exceeded, limit, too many,
// slow down …}: "451 Hourly send rate exceeded", "too many messages per hour", "daily sending quota".
const RATE =
  /\b(?:rate|rates|hourly|daily|frequency|per (?:hour|day|minute|min|second)|this (?:hour|minute)|in the last (?:hour|minute|day)|sending (?:limit|quota)|send (?:limit|quota)|throttl\w*|too (?:fast|quickly))\b/;
const RATE_EXCEEDED =
  /\b(?:exceed\w*|limit\w*|too many|too much|slow down|reached|over|quota|throttl\w*|too (?:fast|quickly))\b/;
const STORAGE = /\b(?:mailbox|storage|disk|space|inbox|mail ?box|over[ -]quota)\b/;

// Storage: the recipient's quota or mailbox full ("user over quota", "451 Over-quota", "mailbox would exceed maximum
// allowed storage", "the user's space has been used up"); the receiving system's own storage is systemfull.
const QUOTA =
  /\b(?:over[ -](?:the )?(?:allowed |disk )?quota|quota (?:exceeded|violation|usage|reached)|(?:disk|disc|mailbox|mail|user|diskspace) quota|exceed\w* (?:their|its|his|her|the|your)? ?(?:mailbox )?quota)\b/;
const FULL =
  /\b(?:full|exceed\w*|not enough|insufficient|used up|would exceed|too many messages|no (?:more )?(?:space|room))\b/;
const SYSTEM_STORAGE =
  /\b(?:system storage|system resources|(?:server|system|spool|queue) (?:disk )?(?:is )?full|no space left on device)\b/;
// Size: the message too big ("max message size exceeded", "message file too big", "size limit").
const MESSAGE = /\b(?:message|mail|e-?mail|size|data|line)\b/;
const TOO_BIG =
  /\btoo (?:big|large|long)\b|\bsize (?:limit|exceed\w*)|\bexceeds? (?:the |our |fixed |maximum |max |allowed |administrative )*(?:message |inbound )?(?:size|length|limit)\b|\bmax(?:imum)? (?:inbound )?(?:message )?size\b|\bline limit\b|\blength exceeds\b/;
const HEADER = /\bheaders?\b/;
const QUEUE = /\bqueue\b/;
// The route: a loop or an unreachable host ("too many hops", "message looping", "no route to host").
// (A loop the receiving system found in its own aliases or MX, "loops back to myself", is sisimai's
// systemerror and stays with the exact phrases.)
const LOOP =
  /\b(?:too many hops|hop count|hops|routing loop|message looping|looping message|loop count|forwarding loop for)\b/;
const UNREACHABLE =
  /\b(?:no route to host|host is unreachable|network is unreachable|unable to resolve route)\b/;
// Name service: a lookup that failed ("DNS query failed", "host name lookup failure", "name server
// timeout") is the network's trouble (networkerror); one answered that the host or domain does not exist
// ("DNS lookup failure: host x not found", "NXDOMAIN") is hostunknown, unless the reply or status is
// temporary (the sender will try again: the answer is not final). Not when the sender is named ("sender
// domain: DNS lookup failed" refuses the sender).
const DNS = /\b(?:dns|name ?servers?|name service|(?:host ?name|name|mx|domain) lookup|nxdomain)\b/;
const DNS_ABSENT =
  /\b(?:not found|nxdomain|does not exist|doesn't exist|no such (?:host|domain)|non-?existent|unknown (?:host|domain))\b/;
const DNS_FAILED =
  /\b(?:fail\w*|error|errors|time ?out|timed out|servfail|no (?:answer|response)|unavailable|not responding|unreachable)\b/;

/** Words of a name service's lookup ("DNS", "MX lookup", "NXDOMAIN", "name server"), not of the sender's
 * domain: the answer they report is the network's at that moment, final only when the status is. */
export function saysNameServiceAnswer(text: string): boolean {
  if (!DNS.test(text)) return false;
  const w = replyWords(text);
  return DNS.test(w) && !SENDER.test(w);
}

function readDns(w: string, f: FamilyFacts): Reason | undefined {
  // A lookup of the sender's domain that failed refused the sender: the sender's words decide below.
  if (!DNS.test(w) || SENDER.test(w)) return undefined;
  if (DNS_ABSENT.test(w)) {
    return f.replyCode?.[0] === "4" || f.status?.[0] === "4" ? "networkerror" : "hostunknown";
  }
  return DNS_FAILED.test(w) ? "networkerror" : undefined;
}

// Content: MIME or encoding faults after DATA; bulk or unsolicited mail (spam in other words).
const MIME_WORDS = /\b(?:mime|8-?bit|base64|binary content|encoding|encoded)\b/;
const MIME_FAULT = /\b(?:invalid|improper\w*|malformed|complexity|unnecessary|illegal|broken|bad)\b/;
const BULK = /\b(?:unsolicited|bulk (?:e-?mail|mail|advertising)|mass mailer|spam-?like|uribl|surbl)\b/;

// Who was refused. The sending host: an IP address or the host's name, or a blocklist.
const HOST =
  /\bipv4\b|\b(?:ip|ip address|ips|host|hostname|host name|client|mta|netblock)\b|\b(?:your|sending|remote|connecting|sender's) (?:server|mail server|network|system)\b/;
const LISTED = /\b(?:black ?-?listed|block ?-?listed|blacklist|blocklist|black list|block list|dnsbl|rbl)\b/;
// The envelope sender: its address or domain.
const SENDER =
  /\b(?:sender|senders|mail from|envelope[- ]from|envelope sender|from address|from domain|return[- ]path|sending (?:address|domain)|your (?:e-?mail )?address)\b|(?:^|\s)from:/;
/** "x is not allowed to send mail from y": the connecting host refused for the domain it sends for
 * (sisimai's Blocked list), not the sender's address. */
const HOST_NOT_ALLOWED = /\bnot allowed to send (?:e-?mail|mail|messages?) from\b/;
/** The recipient's domain, not its mailbox: "unknown domain name", "mail domain … is unknown". */
const DOMAIN = /\b(?:domain|domain name|mail domain|host ?name|mx)\b/;
const DOMAIN_ABSENT =
  /\b(?:unknown|not found|does not exist|doesn't exist|no such|nonexistent|non-existent)\b/;
const MAILBOX_ONLY = /\b(?:user|mailbox|account|local part)\b/;
const SENDER_FAULT =
  /\b(?:verif\w* failed|failed verif\w*|not verified|unverified|does not exist|doesn't exist|unknown|invalid|not valid|unroutable|no mx)\b/;
const SENDER_HOST =
  /\b(?:sender|sending|sender's) (?:ip|ip address|host|host name|hostname|server|mta|network)\b/;
// A mailing list that does not take this sender's posts.
const LIST_POST =
  /\b(?:private|closed|members?|subscribers?|moderated) (?:only )?(?:list|mailing list)\b|\blist (?:access|posting)s? (?:denied|not allowed|refused)\b|\bnot allowed to post\b|\bnot (?:a )?(?:member|subscriber)s? of\b/;
// The recipient: it does not exist.
const RECIPIENT = /\b(?:user|recipient|mailbox|mail ?box|address|account|addressee|e-?mail address)\b/;
const NONEXISTENT =
  /\b(?:unknown|not found|does not exist|doesn't exist|no such|nonexistent|non-existent|not (?:a )?valid|invalid|no longer (?:exists|valid|available))\b/;
/** An address the server cannot take by its form (X.1.3, "bad destination mailbox address syntax"):
 * "550 Restricted characters in address" (Exim's default ACL), "illegal characters in recipient". */
const BAD_SYNTAX =
  /\b(?:restricted|illegal|invalid|forbidden|disallowed|bad|unsupported) (?:characters?|chars?|syntax)\b|\bsyntax (?:error|is invalid)\b|\bmalformed\b/;

// The rest: reputation, policy, the receiving system's own trouble, TLS.
const REPUTATION = /\breputation\b/;
const POLICY = /\bpolic(?:y|ies)\b/;
const SYSTEM_TROUBLE =
  /\b(?:internal (?:server )?error|server error|system error|local error|temporary (?:local |system |server )?(?:problem|error)|temporary (?:local|system|server) failure|trouble|malfunction\w*|misconfigur\w*|configuration error)\b/;
const TLS = /\b(?:tls|starttls|ssl|encryption|encrypted)\b/;
const TLS_NEEDED =
  /\b(?:required|requires|must|mandatory|needed|fail\w*|not (?:available|supported|offered))\b/;

const afterDataOrNone = (c: SmtpCommand | undefined) => !c || c === "DATA";

/** The reason the families of words in a reply name, if any (see the precedence at the top). */
export function familyReading(f: FamilyFacts): Reason | undefined {
  // decide.ts may ask twice about the same reply (before the step defaults, and over a class code).
  if (f.text === last.text && f.command === last.command && f.replyCode === last.replyCode)
    return last.reason;
  const reason = readFamilies(f);
  last = { text: f.text, command: f.command, replyCode: f.replyCode, reason };
  return reason;
}

let last: FamilyFacts & { reason?: Reason } = { text: "\u0000" };

function readFamilies(f: FamilyFacts): Reason | undefined {
  const w = replyWords(f.text);
  const c = f.command;
  if (afterDataOrNone(c)) {
    if (ATTACHMENT.test(w)) return "policyviolation";
    if (saysNotCompliant(w)) return "notcompliantrfc";
    if (MIME_WORDS.test(w) && MIME_FAULT.test(w)) return "contenterror";
    if (BULK.test(w) && !LISTED.test(w) && f.replyCode?.[0] !== "4") return "spamdetected";
  }
  if (AUTH_SCHEME.test(w) && AUTH_FAILED.test(w)) return "authfailure";
  if (PTR.test(w) && PTR_MISSING.test(w)) return "requireptr";
  if (c !== "CONN" && c !== "EHLO" && RELAY.test(w) && RELAY_REFUSED.test(w)) return "norelaying";
  if (CONNECTIONS.test(w) && TOO_MANY.test(w) && !RATE.test(w)) return "toomanyconn";
  if (RATE.test(w) && RATE_EXCEEDED.test(w) && !STORAGE.test(w)) return "ratelimited";
  if (
    c !== "CONN" &&
    c !== "EHLO" &&
    c !== "MAIL" &&
    ACCOUNT.test(w) &&
    ACCOUNT_STATE.test(w) &&
    !SENDER_SIDE.test(w)
  ) {
    return "suspend";
  }
  if (c !== "CONN" && c !== "EHLO" && c !== "MAIL" && !SENDER.test(w)) {
    if (SYSTEM_STORAGE.test(w)) return "systemfull";
    if (QUOTA.test(w) || (STORAGE.test(w) && FULL.test(w))) return "mailboxfull";
  }
  if (
    c !== "CONN" &&
    c !== "EHLO" &&
    MESSAGE.test(w) &&
    TOO_BIG.test(w) &&
    !HEADER.test(w) &&
    !QUEUE.test(w)
  ) {
    return "mesgtoobig";
  }
  if (LOOP.test(w) || UNREACHABLE.test(w)) return "networkerror";
  const dns = readDns(w, f);
  if (dns) return dns;
  const refused = REFUSAL.test(w);
  const greeting = c === "CONN" || c === "EHLO";
  // At the greeting or EHLO nothing but the connecting host has been named: a refusal there that no
  // family above explains refused the host ("554 5.7.2 Service denied, closing transmission channel"),
  // whatever generic X.7.x code came with it and whatever else the words mention ("mail from").
  if (greeting) {
    if (REPUTATION.test(w)) return "badreputation";
    if (TLS.test(w) && TLS_NEEDED.test(w)) return "failedstarttls";
    if (SYSTEM_TROUBLE.test(w)) return "systemerror";
    if (f.replyCode) return "blocked";
  }
  if (
    (refused && HOST.test(w) && (!SENDER.test(w) || SENDER_HOST.test(w) || w.includes("ipv4"))) ||
    (LISTED.test(w) && !SENDER.test(w))
  ) {
    return "blocked";
  }
  if (HOST_NOT_ALLOWED.test(w)) return "blocked";
  if (SENDER.test(w) && (refused || SENDER_FAULT.test(w))) return "rejected";
  if (LIST_POST.test(w)) return "rejected";
  if (
    c === "RCPT" &&
    f.replyCode?.[0] === "5" &&
    DOMAIN.test(w) &&
    DOMAIN_ABSENT.test(w) &&
    !MAILBOX_ONLY.test(w) &&
    !SENDER.test(w) &&
    !w.includes("ipv4")
  ) {
    return "hostunknown";
  }
  if (
    c === "RCPT" &&
    f.replyCode?.[0] === "5" &&
    RECIPIENT.test(w) &&
    (NONEXISTENT.test(w) || BAD_SYNTAX.test(w))
  ) {
    return "userunknown";
  }
  if (REPUTATION.test(w)) return "badreputation";
  if (POLICY.test(w) && refused) return "policyviolation";
  if (SYSTEM_TROUBLE.test(w)) return "systemerror";
  if (TLS.test(w) && TLS_NEEDED.test(w)) return "failedstarttls";
  return undefined;
}
