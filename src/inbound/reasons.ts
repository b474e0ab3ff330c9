// Bounce reasons: the shared vocabulary of the field (sisimai's names, so results can be compared),
// the hard/soft verdict, and what each reason sounds like in the words real MTAs and mailbox providers
// write. Tables are data; the order in which they are consulted lives in classify.ts.

export const reasons = [
  "userunknown",
  "mailboxfull",
  "hostunknown",
  "norelaying",
  "blocked",
  "rejected",
  "policyviolation",
  "spamdetected",
  "virusdetected",
  "securityerror",
  "mesgtoobig",
  "exceedlimit",
  "expired",
  "systemerror",
  "systemfull",
  "mailererror",
  "networkerror",
  "suspend",
  "hasmoved",
  "badreputation",
  "notaccept",
  "filtered",
  "toomanyconn",
  "ratelimited",
  "speeding",
  "requireptr",
  "notcompliantrfc",
  "authfailure",
  "failedstarttls",
  "syntaxerror",
  "contenterror",
  "onhold",
  "vacation",
  "feedback",
  "undefined",
  "delivered",
] as const;

export type Reason = (typeof reasons)[number];

/** Reasons that say "this address will never work": the address belongs on the blocklist. */
const alwaysHard = new Set<Reason>(["userunknown", "hostunknown", "hasmoved"]);
/** Not failures at all. */
const notBounces = new Set<Reason>(["delivered", "feedback", "vacation"]);

/** sisimai's verdict: hard for userunknown, hostunknown, hasmoved, and notaccept unless the
 * server said it was temporary (4xx); every other reason is soft (worth retrying later). */
export function isHard(reason: Reason, code: string | undefined, text = ""): boolean {
  if (notBounces.has(reason)) return false;
  if (alwaysHard.has(reason)) return true;
  if (reason !== "notaccept") return false;
  if (code?.startsWith("4")) return false;
  if (!code && /\btemporar|\bpersistent/i.test(text)) return false;
  return true;
}

/** A phrase: a substring, or fragments that must appear in this order. All lower-case. */
export type Phrase = string | readonly string[];

function hasInOrder(text: string, frags: readonly string[]): boolean {
  let at = 0;
  for (const frag of frags) {
    const i = text.indexOf(frag, at);
    if (i === -1) return false;
    at = i + frag.length;
  }
  return true;
}

function has(text: string, p: Phrase): boolean {
  return typeof p === "string" ? text.includes(p) : hasInOrder(text, p);
}

export function saysAny(text: string, list: readonly Phrase[]): boolean {
  for (const p of list) if (has(text, p)) return true;
  return false;
}

/** What each reason sounds like in English (and a few other languages). Matched against the lower-cased,
 * whitespace-collapsed diagnostic. */
const english: Partial<Record<Reason, readonly Phrase[]>> = {
  userunknown: [
    "#5.1.1 bad address",
    "550 address invalid",
    "5.1.0 address rejected.",
    "address does not exist",
    "address not present in directory",
    "address unknown",
    "adresse inconnue",
    "benutzer unbekannt",
    "can't accept user",
    "couldn't be found",
    "could not be found",
    "does not exist.",
    "destination addresses were unknown",
    // Postfix 1.x and others heading a list: "The following recipients are unknown:"
    "recipients are unknown",
    // ZMailer's router: "unresolvable address: <x@y>; nosuchuser; x@y"
    "; nosuchuser;",
    // Critical Path / ZMailer-style local agents: "X-LOCAL; 500 (err.nosuchuser)"
    "(err.nosuchuser)",
    // "554 5.7.1 recipient verify from ldap failed", "Recipient verification failed" (the lookup of the
    // recipient in the receiving site's directory found nobody)
    ["recipient verif", " failed"],
    "destination server rejected recipients",
    "email address does not exist",
    "email account that you tried to reach does not exist",
    "empfänger unbekannt",
    "existiert nicht",
    "gibt es nicht",
    "invalid address",
    "invalid mailbox",
    "invalid recipient",
    "is not a known user",
    "is not a valid mailbox",
    "is not an active address at this host",
    "mailbox does not exist",
    "mailbox invalid",
    "mailbox is inactive",
    "mailbox is unavailable",
    "mailbox not present",
    "mailbox not found",
    "mailbox unavaiable",
    "mailbox unavailable",
    "nessun utente simile in questo indirizzo",
    "no account by that name here",
    "no existe dicha persona",
    "no existe ese usuario ",
    "no mail box available for this user",
    "no mailbox by that name is currently available",
    "no mailbox found",
    "no mailbox here by that name",
    "no such address",
    "no such mailbox",
    "no such person at this address",
    "no such recipient",
    "no such user",
    "no thank you rejected: account unavailable",
    "no valid recipients, bye",
    "not a valid recipient",
    "not a valid user here",
    "not a local address",
    "not email addresses",
    "not listed in domino directory",
    "not listed in public name & address book",
    "recipient address rejected. (in reply to rcpt to command)",
    "recipient address rejected: access denied",
    "recipient address rejected: invalid user",
    "recipient address rejected: invalid-recipient",
    "recipient address rejected: unknown user",
    "recipient address rejected: user unknown",
    "recipient address rejected: userunknown",
    "recipient address rejected: undeliverable address",
    "recipient does not exist",
    "recipient is not accepted",
    "recipient is not local",
    "recipient not exist",
    "recipient not found",
    "recipient not ok",
    "recipient refuses to accept your mail",
    "recipient unknown",
    "recipnotfound",
    "requested action not taken: mailbox unavailable",
    "resolver.adr.recipientnotfound",
    "resolver.adr.recipnotfound",
    "sorry, user unknown",
    "sorry, badrcptto",
    "sorry, no mailbox here by that name",
    "sorry, your envelope recipient has been denied",
    "that domain or user isn't in my list of allowed rcpthosts",
    "the email account that you tried to reach does not exist",
    "the following recipients was undeliverable",
    "the user's email name is not found",
    "there is no one at this address",
    "this email address is wrong or no longer valid",
    "this recipient is in my badrecipientto list",
    "this recipient is not in my validrcptto list",
    "this spectator does not exist",
    "unknown address",
    "unknown mailbox",
    "unknown recipient",
    "unknown user",
    "unbekannter empfänger",
    "user does not exist",
    "user doesn't exist",
    "user missing home directory",
    "user not active",
    "user not exist",
    "user not found",
    "user not known",
    "user unknown",
    "utilisateur inconnu",
    // Spanish and Italian servers' own words ("550 <x@y>: Destinatario desconocido o mailbox lleno").
    "destinatario desconocido",
    "usuario desconocido",
    "destinatario sconosciuto",
    "utente sconosciuto",
    "vdeliver: invalid or unknown virtual user",
    "weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann",
    "your envelope recipient is in my badrcptto list",
    "e-mail address you entered couldn't be found",
    "email address you entered couldn't be found",
    "no user with that e-mail address",
    "addressee unknown",
    "recipient name is not recognized",
    "recipient name is not recognised",
    "invalid final delivery userid",
    ["<", "> not found"],
    ["<", ">... blocked by "],
    ["account ", " does not exist at the organization"],
    ["bad", "recipient"],
    ["mailbox ", "does not exist"],
    ["no ", " in name directory"],
    ["non", "existent user"],
    ["rcpt <", " does not exist"],
    ["rcpt (", "t exist "],
    ["recipient ", " was not found in"],
    ["recipient address rejected: user ", " does not exist"],
    ["recipient address rejected: user unknown in ", " table"],
    ["said: 550", "5.1.1 ", " user unknown "],
    ["this user doesn't have a ", " account"],
    ["unknown e", "mail address"],
    ["unknown local", "part"],
    ["user ", " was not found"],
    ["user ", " does not exist"],
    ["user (", ") unknown"],
    ["address ", " does not exist"],
  ],
  mailboxfull: [
    // "552 Account(s) <x@y> does not have enough space"
    "not have enough space",
    "452 insufficient disk space",
    "account disabled temporarly for exceeding receiving limits",
    "boite du destinataire pleine",
    // GoDaddy's "Account storage limit": the recipient's account has reached its storage limit.
    "account storage limit",
    "exceeded storage allocation",
    "full mailbox",
    "mailbox exceeds allowed size",
    "mailbox size limit exceeded",
    "mailbox would exceed maximum allowed storage",
    "mailfolder is full",
    "no space left on device",
    "not sufficient disk space",
    "quota violation for",
    "too much mail data",
    "user has exceeded quota, bouncing mail",
    "user has too many messages on the server",
    // Lotus Domino: the recipient's mail file has reached its size limit (sisimai 5's MailboxFull list) —
    // the mailbox, not the message, is too big.
    "mail file size exceeds the maximum size allowed for mail delivery",
    // Web.de: "550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space."
    "exhausted allowed storage space",
    "speichervolumen ueberschritten",
    "speichervolumen überschritten",
    "user's space has been used up",
    "postfach voll",
    "postfach ist voll",
    "speicherplatz",
    "inbox is full",
    "inbox full",
    "mail box full",
    "mailbox has exceeded",
    "over the allowed quota",
    "out of storage",
    "storage quota",
    "exceeds the mailbox quota",
    "insufficient storage",
    "recipient reached disk quota",
    "has exceeded its disk space limit",
    ["account is ", " quota"],
    ["disk", "quota"],
    ["enough ", " space"],
    ["mailbox ", "exceeded", " limit"],
    ["mailbox ", "full"],
    ["mailbox ", "quota"],
    ["maildir ", "quota"],
    ["over ", "quota"],
    ["quota ", "exceeded"],
    ["quota", "exceed"],
  ],
  hostunknown: [
    "domain does not exist",
    "domain is not reachable",
    // 1&1 (kundenserver.de) in its own notice: "no valid MX hosts found"
    "no valid mx hosts found",
    "domain must exist",
    "host or domain name not found",
    "host unknown",
    "host unreachable",
    "mail domain mentioned in email address is unknown",
    "name or service not known",
    "no such domain",
    "recipient address rejected: unknown domain name",
    "recipient domain must exist",
    "the account or domain may not exist",
    "unknown host",
    "unroutable address",
    "unrouteable address",
    "domain not found",
    "domain name not found",
    "nxdomain",
    "no mx or a record",
    "no mail exchanger",
    "couldn't find any host named",
    "could not find any host named",
    "all relevant mx records point to non-existent hosts",
    "all host address lookups failed permanently",
    "domain unknown",
    "unknown domain",
    "domain not exist",
    "host not found",
    ["553 ", " does not exist"],
  ],
  norelaying: [
    // "550 relaying to <x@y> prohibited by administrator"
    ["relaying to ", " prohibited"],
    "as a relay",
    "email address is not verified.",
    "insecure mail relay",
    "is not permitted to relay through this server without authentication",
    "mail server requires authentication when attempting to send to a non-local e-mail address",
    "no relaying",
    "not a gateway",
    "not allowed to relay through this machine",
    "not an open relay, so get lost",
    "not local host",
    "relay access denied",
    "relay denied",
    "relay not permitted",
    "relaying denied",
    "relaying mail to ",
    "relaying not allowed",
    "relay not allowed",
    "specified domain is not allowed",
    "that domain isn't in my list of allowed rcpthost",
    "this system is not configured to relay mail",
    "unable to relay ",
    "we don't handle mail for",
    "we do not relay",
    "relaying prohibited",
    // Chinese webmail gateways: "553 host denies relay."
    "denies relay",
  ],
  blocked: [
    " said: 550 blocked",
    // Spamhaus's lists by zone name: "550 zen.spamhaus.org Listed by CSS" (CSS is part of the SBL)
    "listed by css",
    "listed by pbl",
    "listed by sbl",
    "listed by xbl",
    "//www.spamcop.net/bl.",
    "bad sender ip address",
    "banned sending ip",
    "blacklisted by",
    // The sending host on a DNS blocklist, in words qmail quotes after its "does not like recipient."
    // (a recipient preset that must not make a hard userunknown of it): "554 5.7.1 Rejected - your IP
    // address was found in a blacklist for sending spam", Sendmail's dnsbl feature "550 5.7.1 Rejected:
    // <host or IP> listed at <zone>"
    "found in a blacklist",
    ["rejected: ", " listed at "],
    "blocked using ",
    "blocked - see http",
    "dnsbl:attrbl",
    "client host rejected: abus detecte gu_eib_02",
    "client host rejected: abus detecte gu_eib_04",
    "client host rejected: may not be mail exchanger",
    "client host rejected: was not authenticated",
    "confirm this mail server",
    "connection dropped",
    "connection refused by",
    "connection reset by peer",
    "connection was dropped by remote host",
    "connections not accepted from ip addresses on spamhaus xbl",
    "currently sending spam see: ",
    "domain does not exist:",
    "dynamic/zombied/spam ips blocked",
    "error: no valid recipients from ",
    "esmtp not accepting connections",
    "extreme bad ip profile",
    "go away",
    "helo command rejected:",
    "host network not allowed",
    "hosts with dynamic ip",
    "invalid ip for sending mail of domain",
    "is in a black list",
    "is not allowed to send mail from",
    "mailfrom domain is listed in spamhaus",
    "no access from mail server",
    "no matches to nameserver query",
    "not currently accepting mail from your ip",
    "part of their network is on our block list",
    "please use the smtp server of your isp",
    "refused - see http",
    "rejected - multi-blacklist",
    "rejected because the sending mta or the sender has not passed validation",
    "rejecting open proxy",
    "sender ip address rejected",
    "server access forbidden by your ip ",
    "service not available, closing transmission channel",
    "smtp error from remote mail server after initial connection:",
    "sorry, that domain isn't in my list of allowed rcpthosts",
    "sorry, your remotehost looks suspiciously like spammer",
    "temporarily deferred due to unexpected volume or user complaints",
    "to submit messages to this e-mail system has been rejected",
    "too many spams from your ip",
    "too many unwanted messages have been sent from the following ip address above",
    "was blocked by ",
    "we do not accept mail from dynamic ips",
    "you are not allowed to connect",
    "you are sending spam",
    "your ip address is listed in the rbl",
    "your network is temporary blacklisted",
    "your server requires confirmation",
    "listed at spamhaus",
    "found on one or more rbls",
    "listed on one or more rbls",
    "dnsbl",
    "listed on spamhaus",
    "spamhaus.org",
    "barracudacentral",
    "blocklisted",
    // GMX: "554-IP address is block listed."
    " block listed",
    "blacklisted",
    "on our block list",
    "on our blocklist",
    "ip address is blocked",
    "ip is blocked",
    "your ip has been blocked",
    "access denied - ip",
    "poor reputation",
    ["(", "@", ":blocked)"],
    ["access from ip address ", " blocked"],
    ["client host ", " blocked using"],
    ["connections will not be accepted from ", " because the ip is in spamhaus's list"],
    ["dnsbl:rbl ", ">_is_blocked"],
    ["email blocked by ", ".barracudacentral.org"],
    ["email blocked by ", "spamhaus"],
    ["host ", " refused to talk to me: ", " blocked"],
    ["ip ", " is blocked by earthlink"],
    ["is in an ", "rbl on "],
    ["mail server at ", " is blocked"],
    ["mail from ", " refused:"],
    ["mail from ", " refused, see ", "orbs"],
    ["message from ", " rejected based on blacklist"],
    ["messages from ", " temporarily deferred due to user complaints"],
    ["server ip ", " listed as abusive"],
    ["sorry! your ip address", " is blocked by rbl"],
    ["the domain ", " is blacklisted"],
    ["the email ", " is blacklisted"],
    ["the ip", " is blacklisted"],
    ["veuillez essayer plus tard. service refused, please try later. ", "103"],
    ["veuillez essayer plus tard. service refused, please try later. ", "510"],
    ["your access ip", " has been rejected"],
    ["your sender's ip address is listed at ", ".abuseat.org"],
  ],
  rejected: [
    // Yahoo: "451 Message temporarily deferred due to unresolvable RFC.5321 from domain" — the envelope
    // sender's domain does not resolve.
    "unresolvable rfc.5321 from domain",
    "access denied (in reply to mail from command)",
    "access denied (sender blacklisted)",
    "address rejected",
    "administrative prohibition",
    "batv failed to verify",
    "batv validation failure",
    "backscatter protection detected an invalid or expired email address",
    "because the sender isn't on the recipient's list of senders to accept mail from",
    "bogus mail from",
    "can't determine purported responsible address",
    "connections not accepted from servers without a valid sender domain",
    "denied [bouncedeny]",
    "denied by secumail valid-address-filter",
    "delivery not authorized, message refused",
    "does not exist e2110",
    "domain of sender address ",
    "email address is on senderfilterconfig list",
    "emetteur invalide",
    "empty envelope senders not allowed",
    "envelope blocked - ",
    "error: no third-party dsns",
    "from: domain is invalid. please provide a valid from:",
    "fully qualified email address required",
    "invalid domain, see <url:",
    "invalid sender",
    "is not a registered gateway user",
    "mail from not owned by user",
    "message rejected: email address is not verified",
    "mx records for ",
    "null sender is not allowed",
    "recipient addresses rejected : access denied",
    "recipient not accepted. (batv: no tag",
    "returned mail not accepted here",
    "rfc 1035 violation: recursive cname records for",
    "rule imposed mailbox access for",
    "sending this from a different address or alias using the ",
    "sender address has been blacklisted",
    "sender email address rejected",
    "sender is in my black list",
    "sender is spammer",
    "sender not pre-approved",
    "sender rejected",
    "sender domain is empty",
    "sender verify failed",
    "sender was rejected",
    "spam reporting address",
    "syntax error: empty email address",
    "the message has been rejected by batv defense",
    "this server does not accept mail from",
    "transaction failed unsigned dsn for",
    "unroutable sender address",
    "you are not allowed to post to this mailing list",
    // A list that takes posts from its members only: "553 private list access denied."
    "private list access denied",
    "you are sending to/from an address that has been blacklisted",
    "your access to submit messages to this e-mail system has been rejected",
    "your email address has been blacklisted",
    "sender address rejected",
    "sender domain not found",
    "sender address is not allowed",
  ],
  policyviolation: [
    "an illegal attachment on your message",
    "because the recipient is not accepting mail with ",
    "by non-member to a members-only list",
    "closed mailing list",
    "denied by policy",
    "email not accepted for policy reasons",
    "email rejected due to security policies",
    "header are not accepted",
    "header error",
    "local policy violation",
    "message bounced due to organizational settings",
    "message given low priority",
    "message not accepted for policy reasons",
    "message rejected due to local policy",
    "rejected for policy reasons",
    "protocol violation",
    "the email address used to send your message is not subscribed to this group",
    "the message was rejected by organization policy",
    "this message was blocked because its content presents a potential",
    "we do not accept messages containing images or other attachments",
    "you're using a mass mailer",
    "policy violation",
    "violates our policy",
    "violation of our policy",
    "against our policy",
    ["you have exceeded the", "allowable number of posts without solving a captcha"],
  ],
  spamdetected: [
    // vger.kernel.org: "… is way too often associated with junk email, please rephrase"
    "associated with junk",
    // SFR: "550 5.7.1 Email <id> rejected per SPAM policy"
    "rejected per spam policy",
    " - spam",
    "//www.spamhaus.org/help/help_spam_16.htm",
    "//dsbl.org/help/help_spam_16.htm",
    "//mail.163.com/help/help_spam_16.htm",
    "554 5.7.0 reject, id=",
    "appears to be unsolicited",
    "blacklisted url in message",
    "block for spam",
    "blocked by policy: no spam please",
    "blocked by spamassassin",
    "blocked for abuse. see http://att.net/blocks",
    "cannot be forwarded because it was detected as spam",
    "considered unsolicited bulk e-mail (spam) by our mail filters",
    "content filter rejection",
    "cyberoam anti spam engine has identified this email as a bulk email",
    "denied due to spam list",
    "high probability of spam",
    "is classified as spam and is rejected",
    "listed in work.drbl.imedia.ru",
    "the mail server detected your message as spam and has prevented delivery.",
    "mail appears to be unsolicited",
    "mail content denied",
    "may consider spam",
    "message considered as spam or virus",
    "message contains spam or virus",
    "message content rejected",
    "message detected as spam",
    "message filtered",
    "message looks like spam",
    "message is being rejected as it seems to be a spam",
    "message refused by mailmarshal spamprofiler",
    "message refused by trustwave seg spamprofiler",
    "message rejected as spam",
    "message rejected because of unacceptable content",
    "message rejected due to suspected spam content",
    "message rejected for policy reasons",
    "message was rejected for possible spam/virus content",
    "our email server thinks this email is spam",
    "our system has detected that this message is ",
    "probable spam",
    "reject bulk.advertising",
    "rejected: spamassassin score ",
    "rejected - bulk email",
    "rejecting banned content",
    "rejecting mail content",
    "related to content with spam-like characteristics",
    "sender domain listed at ",
    "sending address not accepted due to spam filter",
    "spam blocked",
    "spam check",
    "spam content matched",
    "spam detected",
    "spam email",
    "spam message rejected.",
    "spam not accepted",
    "spam refused",
    "spam rejection",
    "spam score ",
    "spambouncer identified spam",
    "spamming not allowed",
    "too many spam complaints",
    "too much spam.",
    "the email message was detected as spam",
    "the message has been rejected by spam filtering engine",
    "the message was rejected due to classification as bulk mail",
    "the content of this message looked like spam",
    "this message appears to be spam",
    "this message has been identified as spam",
    "this message has been scored as spam with a probability",
    "this message was classified as spam",
    "this message was rejected by recurrent pattern detection system",
    "transaction failed spam message not queued",
    "we dont accept spam",
    "your email appears similar to spam we have received before",
    "your email breaches local uribl policy",
    "your email had spam-like ",
    "your email is considered spam",
    "your email is probably spam",
    "your email was detected as spam",
    "your message as spam and has prevented delivery",
    "your message has been temporarily blocked by our filter",
    "your message has been rejected because it appears to be spam",
    "your message has triggered a spam block",
    "your message may contain the spam contents",
    "your message failed several antispam checks",
    "likely unsolicited mail",
    "classified as spam",
    "identified as spam",
    "detected as spam",
    "looks like spam",
    "als spam",
    ["greylisted", " please try again in"],
    ["mail score (", " over "],
    ["mail rejete. mail rejected. ", "506"],
    ["our filters rate at and above ", " percent probability of being spam"],
    ["rejected by ", " (spam)"],
    ["rejected due to spam ", "classification"],
    ["rejected due to spam ", "content"],
    ["rule imposed as ", " is blacklisted on"],
    ["spam ", " exceeded"],
    ["this message scored ", " spam points"],
  ],
  virusdetected: [
    "it has a potentially executable attachment",
    "the message was rejected because it contains prohibited virus or spam content",
    "this form of attachment has been used by recent viruses or other malware",
    "virus detected",
    "virus phishing/malicious_url detected",
    "your message was infected with a virus",
    "contains a virus",
    "infected with",
    "malware detected",
    "virus found",
    // The virus named between the words: "552 5.7.1 virus Win.Test.EICAR_HDB-1 detected by Zoho Mail"
    ["virus ", " detected"],
  ],
  securityerror: [
    "account not subscribed to ses",
    "authentication credentials invalid",
    "authentication failure",
    "authentication required",
    "authentication turned on in your email client",
    "executable files are not allowed in compressed files",
    "insecure mail relay",
    "recipient address rejected: access denied",
    "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
    "unauthenticated senders not allowed",
    "verification failure",
    "you are not authorized to send mail, authentication is required",
    ["authentication failed; server ", " said: "],
    ["authentification invalide", "305"],
    ["authentification requise", "402"],
    ["domain ", " is a dead domain"],
    ["user ", " is not authorized to perform ses:sendrawemail on resource"],
  ],
  mesgtoobig: [
    "exceeded maximum inbound message size",
    "exceeded the maximum incoming message size",
    "line limit exceeded",
    "max message size exceeded",
    "message file too big",
    "message header size exceeds limit",
    "message length exceeds administrative limit",
    "message size exceeds fixed limit",
    "message size exceeds fixed maximum message size",
    "message size exceeds maximum value",
    "message too big",
    // A bare "message too large" is exceedlimit (sisimai 5's ExceedLimit list); with the thing it is too
    // large for ("… for this recipient", Exchange's RecipSizeLimit) it is the size of the message.
    "message too large for this ",
    "size limit",
    "taille limite du message atteinte",
    "message is too large",
    "message is too big",
    // Chinese webmail gateways: "552 message is too long.", "554 attachment is too long." (a size limit)
    "message is too long",
    "attachment is too long",
    "message size exceeds",
    "exceeds the maximum size",
    "exceeds maximum message size",
    "too large for",
    "nachricht ist zu groß",
  ],
  exceedlimit: ["message header size exceeds limit", "message too large"],
  expired: [
    // DragonFly Mail Agent: "Could not deliver for the last 432000 seconds. Giving up."
    ["could not deliver for the last ", " seconds"],
    "connection timed out",
    "could not find a gateway for",
    "delivery attempts will continue to be",
    "delivery expired",
    "delivery time expired",
    "failed to deliver to domain ",
    "giving up on",
    "have been failing for a long time",
    "has been delayed",
    "it has not been collected after",
    "message expired after sitting in queue for",
    "message expired, cannot connect to remote server",
    "message expired, connection refulsed",
    "message timed out",
    "retry time not reached for any host after a long failure period",
    "retry timeout exceeded",
    "server did not respond",
    "this message has been in the queue too long",
    "unable to deliver message after multiple retries",
    "was not reachable within the allowed queue period",
    "your message could not be delivered for more than",
    "queue lifetime exceeded",
    "message was in the queue too long",
    ["could not be delivered for", " days"],
    ["delivery failed ", " attempts"],
  ],
  systemerror: [
    "aliasing/forwarding loop broken",
    "can't create user output file",
    "could not load drd for domain",
    "internal error reading data",
    "internal server error: operation now in progress",
    "interrupted system call",
    "it encountered an error while being processed",
    "it would create a mail loop",
    "local configuration error",
    "local error in processing",
    "loop was found in the mail exchanger",
    "loops back to myself",
    "mail system configuration error",
    "queue file write error",
    "recipient deferred because there is no mdb",
    "remote server is misconfigured",
    "server configuration error",
    "service currently unavailable",
    "system config error",
    "temporary local problem",
    // Mimecast under maximum load: "421 Unable to process connection at this time" (its table lists the
    // 451 form; the documented reply at the greeting is 421)
    "unable to process connection at this time",
    "timeout waiting for input",
    "transaction failed",
    ["unable to connect ", "daemon"],
  ],
  systemfull: [
    // RFC 5321's own text for 452
    "insufficient system storage",
    "mail system full",
    "requested mail action aborted: exceeded storage allocation",
    "not enough free space",
  ],
  mailererror: [
    " || exit ",
    "procmail: ",
    "bin/procmail",
    "bin/maidrop",
    "bin/maildrop",
    "command failed: ",
    "command died with status ",
    "command output:",
    "mailer error",
    "pipe to |/",
    "x-unix; ",
  ],
  networkerror: [
    "could not connect and send the mail to",
    "dns records for the destination computer could not be found",
    "hop count exceeded - possible mail loop",
    // Lotus Notes: "Message has exceeded maximum hop count".
    "exceeded maximum hop count",
    "host is unreachable",
    "host name lookup failure",
    "host not found, try again",
    "mail forwarding loop for ",
    "malformed name server reply",
    "malformed or unexpected name server reply",
    "maximum forwarding loop count exceeded",
    "message looping",
    // qmail's "This message is looping: it already has my Delivered-To line. (#5.4.6)" (GoDaddy quotes it).
    "message is looping",
    // Chinese webmail gateways: "552 looping message."
    "looping message",
    "message probably in a routing loop",
    "no route to host",
    "too many hops",
    "unable to resolve route ",
    "unrouteable mail domain",
  ],
  suspend: [
    " is currently suspended",
    // Spanish-speaking providers' qmail: "Esta casilla ha expirado por falta de uso" (mailbox lapsed, unused)
    "ha expirado por falta de uso",
    " temporary locked",
    "archived recipient",
    "boite du destinataire archivee",
    "email account that you tried to reach is disabled",
    "has been suspended",
    "inactive account",
    "invalid/inactive user",
    "is a deactivated mailbox",
    "is unavailable: user is terminated",
    "mailbox currently suspended",
    "mailbox disabled",
    "mailbox is frozen",
    // La Poste: "Recipient address rejected: this mailbox is inactive and has been disabled" (4.2.1)
    ["mailbox ", " has been disabled"],
    "mailbox temporarily disabled",
    // "550 <user> is now disabled with MTA service."
    "is now disabled",
    "mailbox unavailable or access denied",
    "recipient rejected: temporarily inactive",
    "recipient suspend the service",
    "the email account that you tried to reach is inactive",
    "this account has been disabled or discontinued",
    "this account has been temporarily suspended",
    "this address no longer accepts mail",
    "this mailbox is disabled",
    "user or domain is disabled",
    "user suspended",
    "vdelivermail: account is locked email bounced",
    "account is disabled",
    "account has been disabled",
    "account disabled",
    "account is suspended",
    "account suspended",
    "account has been suspended",
    "account is inactive",
    "mailbox is disabled",
    "postfach deaktiviert",
    "postfach gesperrt",
  ],
  hasmoved: [" has been replaced by "],
  notaccept: [
    "does not accept mail (nullmx)",
    "host/domain does not accept mail",
    "host does not accept mail",
    "mail receiving disabled",
    "name server: .: host not found",
    "no mx record found for domain=",
    // OpenSMTPD: the domain publishes no mail exchanger at all.
    "no mx found for domain",
    "no route for current request",
    "smtp protocol returned a permanent error",
    "null mx",
    "an mx or srv record indicated no smtp service",
    "no host found for existing smtp connection",
  ],
  filtered: [
    "account is protected by",
    // EZweb (au): the carrier's domain filter refused the sender; no reply code is quoted.
    "each of the following recipients was rejected by a remote mail server",
    "bounced address",
    "has restricted sms e-mail",
    "is not accepting any mail",
    // AOL's AIRmail: the recipient's own mail controls refuse attachments and pictures.
    "are not accepting mail with attachments or embedded images",
    "message filtered",
    "message rejected due to user rules",
    "not found recipient account",
    "recipient id refuse to receive mail",
    "recipient is only accepting mail from specific email addresses",
    "refused due to recipient preferences",
    "user not found",
    "user refuses to receive this mail",
    "user reject",
    "you have been blocked by the recipient",
    // From sisimai 5's Filtered list (session 12's comparison of every phrase in its Reason lists): a
    // mailbox closed to new mail after long inactivity, and Exchange's "RESOLVER.RST.NotAuthorized" (this
    // sender may not write to that recipient or group).
    "due to extended inactivity new mail is not currently being accepted for this mailbox",
    "resolver.rst.notauthorized",
  ],
  toomanyconn: [
    "all available ips are at maximum connection limit",
    "connection rate limit exceeded",
    "exceeds per-domain connection limit for",
    "has exceeded the max emails per hour ",
    "throttling failure: daily message quota exceeded",
    "throttling failure: maximum sending rate exceeded",
    "too many connections",
    "too many concurrent smtp connections",
    // Rackspace: "421 Too many concurrent connections from this client (G2)"
    "too many concurrent connections",
    "too many errors from your ip",
    "too many recipients",
    "too many smtp sessions for this host",
    "trop de connexions, ",
    "we have already made numerous attempts to deliver this message",
  ],
  ratelimited: [
    "has exceeded the max emails per hour ",
    "please try again slower",
    "receiving mail at a rate that prevents additional messages from being delivered",
    "temporarily deferred due to unexpected volume or user complaints",
    "throttling failure: ",
    "too many errors from your ip",
    "trop de connexions, ",
    "we have already made numerous attempts to deliver this message",
    "rate limit",
    "rate-limit",
    "ratelimit",
    "too many messages from",
    "too many messages sent",
    "message rate exceeded",
    ["temporarily", "rate limited"],
    ["throttled ", "postmaster.comcast.net"],
    ["too many ", "session"],
  ],
  speeding: [
    "mail sent from your ip address has been temporarily rate limited",
    "please try again slower",
    "receiving mail at a rate that prevents additional messages from being delivered",
    "unusual rate of unsolicited mail",
    // Gmail's and Yahoo's "450 4.2.1 The user you are trying to contact is receiving mail too quickly"
    // (sisimai's Yahoo table: speeding), the recipient's side of "receiving mail at a rate that …"
    "receiving mail too quickly",
    "sending too fast",
    "too fast",
    // Rackspace: "450 4.2.1 <x>: Mailbox received too much email in a short period of time (G30)"
    "too much email in a short period",
  ],
  requireptr: [
    "access denied. ip name lookup failed",
    "all mail servers must have a ptr record with a valid reverse dns entry",
    "bad dns ptr resource record",
    "cannot find your hostname",
    "cannot resolve your address.",
    "client host rejected: cannot find your hostname",
    "fix reverse dns for ",
    "ips with missing ptr records",
    "no ptr record found.",
    "please get a custom reverse dns name from your isp for your host",
    "ptr record setup",
    "reverse dns failed",
    "reverse dns required",
    "sender ip reverse lookup rejected",
    "the ip address sending this message does not have a ptr record setup",
    "the corresponding forward dns entry does not point to the sending ip",
    "this system will not accept messages from servers/devices with no reverse dns",
    "unresolvable relay host name",
    "we do not accept mail from hosts with dynamic ip or generic dns ptr-records",
    "no ptr record",
    "missing ptr record",
    "reverse dns lookup failed",
    // Comcast: "421 … comcast 192.0.2.7 Reverse DNS failure : Try again later"
    "reverse dns failure",
    "no reverse dns",
    "reverse dns entry",
    // qmail quoting a greeting refused with "553 bad reverse dns" before "Giving up on …" (expired's words)
    "bad reverse dns",
    "rdns",
    ["domain ", " mismatches client ip"],
    ["dns lookup failure: ", " try again later"],
    ["reverse dns lookup for host ", " failed permanently"],
    ["server access ", " forbidden by invalid rdns record of your mail server"],
    ["service permits ", " unverifyable sending ips"],
  ],
  badreputation: [
    "a poor email reputation score",
    "has been temporarily rate limited due to ip reputation",
    "ip/domain reputation problems",
    "likely suspicious due to the very low reputation",
    "none/bad reputation",
    "temporarily deferred due to unexpected volume or user complaints",
    "the sending mta's poor reputation",
    "poor reputation",
    "bad reputation",
    "low reputation",
    "sender reputation",
    "ip reputation",
  ],
  authfailure: [
    "//spf.pobox.com",
    "bad spf records for",
    "dmarc policy",
    "doesn't meet the required authentication level",
    "please inspect your spf settings",
    "sender policy framework (spf) fail",
    "sender policy framework violation",
    "spf (sender policy framework) domain authentication fail",
    "spf check: fail",
    "the 5322.from address doesn't meet the authentication requirements defined for the sender",
    "unauthenticated email from",
    "dkim signature",
    "dkim validation",
    "dkim check",
    "dmarc check",
    "dmarc validation",
    "dmarc verification",
    "failed dmarc",
    "dmarc fail",
    "spf validation",
    "spf fail",
    "spf record",
    "spf check failed",
    "failed spf",
    // GMX / web.de: "550 <x>: Reject due to SPF policy. The originating IP of the message is not permitted by
    // the domain owner"
    "spf policy",
    "authentication checks failed",
    "does not pass authentication",
    "not authenticated with dkim",
    [" is not allowed to send mail.", "_401"],
    ["is not allowed to send from <", " per it's spf record"],
    // libspf2 and the SPF checks of Exim and MailEnable: "SPF: 192.0.2.1 is not allowed to send mail from
    // example.com" (without "SPF" the same words stay a refusal of the sending host, blocked).
    ["spf", " is not allowed to send mail from"],
  ],
  notcompliantrfc: [
    "duplicate header",
    "this message is not rfc 5322 compliant",
    "https://support.google.com/mail/?p=rfcmessagenoncompliant",
    "not rfc 5322 compliant",
    "not rfc compliant",
    "rfc 5322 compliant",
    [" multiple ", " header"],
    // "Messages with multiple addresses in From: header are not accepted" (Gmail), often cut short
    // before "header": several From: addresses without a Sender: break RFC 5322 §3.6.2.
    "messages with multiple addresses",
  ],
  failedstarttls: [
    "starttls is required to send mail",
    "tls required but not supported",
    "must issue a starttls command first",
    "tls is required",
    "requires tls",
    "tls required",
    "starttls failed",
    "tls negotiation failed",
  ],
  contenterror: [
    "duplicate header",
    "header size exceeds maximum permitted",
    "improper use of 8-bit data in message header",
    "message header size, or recipient list, exceeds policy limit",
    "message mime complexity exceeds the policy maximum",
    "routing loop detected -- too many received: headers",
    "this message contain invalid mime headers",
    "this message contain improperly-formatted binary content",
    "this message contain text that uses unnecessary base64 encoding",
    'too many "received" headers',
    // A mailing list refusing a message for its header fields: ezmlm-reject's "Sorry, I don't accept
    // message with empty Subject" and "List address must be in To: or Cc:" (also sourceware.org's list
    // gate, "Mail rejected: List address must be in To: or Cc: headers.") — the message's headers, not
    // the sender or a security policy, whatever X.7.0 comes with them.
    "don't accept message with empty subject",
    "list address must be in to: or cc:",
  ],
  vacation: [
    "i am away on vacation",
    "i am away until",
    "i am out of the office",
    "i will be traveling for work on",
    "out of office",
    "ich bin bis",
    "abwesend",
  ],
};

/** The same in German: mailer-daemon texts of German providers and MTAs, and Exchange's German NDRs.
 * Words with umlauts are split around them ("empf", "nger") so that a wrongly declared charset (UTF-8 read
 * as Latin-1, "EmpfÃ¤nger") still matches. */
const german: Partial<Record<Reason, readonly Phrase[]>> = {
  userunknown: [
    ["empf", "nger unbekannt"],
    ["unbekannter empf", "nger"],
    ["empf", "nger nicht gefunden"],
    ["empf", "nger existiert nicht"],
    "ungültige empfänger",
    "ungültiger empfänger",
    ["empf", "ngeradresse ist ung"],
    "empfaenger unbekannt",
    "benutzer unbekannt",
    "unbekannter benutzer",
    "benutzer nicht gefunden",
    "nutzer unbekannt",
    "benutzerkonto existiert nicht",
    "adresse nicht gefunden",
    "unbekannte adresse",
    "unbekannte e-mail-adresse",
    "adresse existiert nicht",
    "e-mail-adresse konnte nicht gefunden werden",
    "kein postfach",
    "postfach existiert nicht",
    "postfach nicht vorhanden",
    "postfach unbekannt",
    "mailbox existiert nicht",
    ["wurde unter ", " nicht gefunden"],
  ],
  mailboxfull: [
    "mailbox voll",
    "postfach ist voll",
    "postfach voll",
    "postfach des empf",
    "speicherplatz",
    "speicherkontingent",
    "kontingent ",
    ["quota ", "berschritten"],
    ["postfachgr", "berschritten"],
  ],
  hostunknown: [
    "domain existiert nicht",
    "domain nicht gefunden",
    "domain unbekannt",
    "unbekannte domain",
    ["dom", "ne existiert nicht"],
    ["dom", "ne nicht gefunden"],
    "host nicht gefunden",
    "rechner nicht gefunden",
    "kein mx-eintrag",
  ],
  mesgtoobig: [
    "nachricht ist zu gro",
    "nachricht zu gro",
    "e-mail ist zu gro",
    "maximale nachrichtengr",
    ["nachrichtengr", "berschritten"],
  ],
  toomanyconn: ["zu viele verbindungen"],
  norelaying: [
    "relaying nicht erlaubt",
    ["unzul", "ssiges relaying"],
    "relaying verweigert",
    "kein relaying",
  ],
  suspend: [
    "konto wurde deaktiviert",
    "konto ist deaktiviert",
    "postfach ist deaktiviert",
    "postfach wurde deaktiviert",
    "postfach wurde gesperrt",
    "postfach ist gesperrt",
    "konto wurde gesperrt",
    "konto ist gesperrt",
  ],
  rejected: ["absender abgelehnt", "absenderadresse abgelehnt", "ungültiger absender"],
  blocked: [
    "ip-adresse ist gesperrt",
    "ip-adresse wurde gesperrt",
    "auf einer blacklist",
    "auf einer sperrliste",
    "auf unserer sperrliste",
  ],
  spamdetected: ["spamverdacht", "als spam eingestuft", "als spam erkannt", "spam erkannt"],
  virusdetected: ["virus gefunden", "virus erkannt", "einen virus", "schadsoftware"],
  expired: [["konnte innerhalb ", " nicht zugestellt"], "zustellung wurde aufgegeben"],
};

/** The same in Japanese: notices of Japanese mail servers and of localised Domino and Exchange ("ユーザー
 * Neko (x@y) は Domino ディレクトリには見つかりません。": the user is not found in the directory). A user,
 * an address or a recipient that "cannot be found" or "does not exist"; a mailbox that is full. Every
 * phrase here is a list of fragments, whose order is checked on the text itself: the automaton below
 * gives all characters beyond Latin-1 one column, so a plain phrase of such characters would match any
 * other of the same length. */
const japanese: Partial<Record<Reason, readonly Phrase[]>> = {
  userunknown: [
    ["ユーザ", "見つかりません"],
    ["ユーザ", "存在しません"],
    ["アドレス", "見つかりません"],
    ["アドレス", "存在しません"],
    ["宛先", "見つかりません"],
    ["宛先", "存在しません"],
    ["宛先不明"],
    // Lotus Notes in Japanese: "ディレクトリのリストにありません" (not in the directory's list).
    ["ディレクトリ", "ありません"],
  ],
  mailboxfull: [
    ["メールボックス", "いっぱい"],
    ["メールボックス", "一杯"],
    ["メールボックス", "容量"],
  ],
};

function merged(...tables: Array<Partial<Record<Reason, readonly Phrase[]>>>) {
  const out: Partial<Record<Reason, readonly Phrase[]>> = {};
  for (const t of tables) {
    for (const [r, list] of Object.entries(t) as Array<[Reason, readonly Phrase[]]>) {
      out[r] = [...(out[r] ?? []), ...list];
    }
  }
  return out;
}

export const phrases = merged(english, german, japanese);

/** Words that name a reason outright in one MTA's or provider's own vocabulary (Exim's internal
 * messages, qmail's, Domino's, Facebook's and Exchange 2003's codes, Gmail's older notices …). When one
 * of these appears, the reason is settled unless it is one that more specific words may still refine. */
export const presets: Array<[Reason, readonly string[]]> = [
  [
    "userunknown",
    [
      "no mailbox here by that name",
      "does not like recipient.",
      "000c05a6",
      "rcp-p1",
      "int-p1",
      "int-p3",
      "int-p4",
      "not listed in domino directory",
      "not listed in public name & address book",
      "non répertorié dans l'annuaire domino",
      "no valid recipients for this mm",
      "550 - requested action not taken: no such user here",
      "invalid final delivery userid",
      // Trend Micro InterScan: "Unable to deliver message to <x> (and other recipients in the same
      // domain). Please check if address is correct."
      "in the same domain). please check if address is correct",
    ],
  ],
  [
    "hostunknown",
    [
      "unrouteable address",
      "all relevant mx records point to non-existent hosts",
      "all host address lookups failed permanently",
      "sorry, i couldn't find any host ",
      "dns error: domain name not found",
      "dns error: dns server returned answer with no data",
      "illegal host/domain name found",
      "no such domain.",
      "as the remote domain doesnt exist",
      "invalid domain name",
    ],
  ],
  [
    "mailboxfull",
    [
      "disk quota exceeded",
      "mailbox is full",
      "error: quota exceed",
      "as their mailbox is full",
      "the user(s) account is temporarily over quota",
      "user mailbox exceeds allowed size",
      "the number of messages in recipient's mailbox exceeded the local limit",
    ],
  ],
  ["systemfull", ["mailbox unavailable (not enough free space)"]],
  [
    "mesgtoobig",
    ["message size exceeds fixed maximum message size:", "msg-p1", "int-p2", "mail size limit exceeded"],
  ],
  ["exceedlimit", [" - message size exceeds recipient"]],
  [
    "notaccept",
    [
      "an mx or srv record indicated no smtp service",
      // RFC 7505 null MX: Postfix says "Domain x does not accept mail (nullMX)". Its "Name service error
      // for name=x type=MX: Malformed or unexpected name server reply" is any other failed lookup
      // (dns_lookup.c's default case), a network error — AOL's relay alone uses it for a null MX
      // (providers.data.ts).
      "does not accept mail (nullmx)",
      "domain does not accept mail",
      "no host found for existing smtp connection",
      "destination seem to reject all mails",
      "pol-p3",
      "pol-p4",
      "pol-t1",
      "pol-t2",
      "pol-t3",
    ],
  ],
  [
    "syntaxerror",
    [
      "angle-brackets nested too deep",
      'expected word or "<"',
      "domain missing in source-routed address",
      "malformed address:",
    ],
  ],
  [
    "systemerror",
    [
      "delivery to file forbidden",
      "delivery to pipe forbidden",
      "local delivery failed",
      "lmtp error after ",
      "bad interpreter: no such file or directory",
      "con-t1",
      "rcp-t1",
      "several matches found in domino directory",
      "this domain's dns violates rfc 1035.",
      " - temporary mta failure on relaying",
      " - rejected by next-hop mta on relaying",
      " - unable to relay message back to mta",
    ],
  ],
  [
    "contenterror",
    [
      'too many "received" headers',
      " - bad header:",
      "msg-p2",
      "msg-p3",
      "pol-p6",
      "pol-p7",
      "00050311",
      "000502cc",
    ],
  ],
  [
    "expired",
    [
      "retry timeout exceeded",
      "retry time not reached for any host after a long failure period",
      "all hosts have been failing for a long time and were last tried",
      "has been frozen",
      "was frozen on arrival by ",
      "your message was not delivered within ",
      "delivery retry timeout exceeded",
      "envelope expired",
      "host not reachable",
      "dns error: could not contact dns servers",
      "delivery to the following recipient has been delayed",
      "the recipient server did not accept our requests to connect",
      "delivery expired",
      "this message has been in the queue too long",
    ],
  ],
  [
    "networkerror",
    [
      "sorry, i wasn't able to establish an smtp connection",
      "sorry. although i'm listed as a best-preference mx or a for that host",
      "message has exceeded maximum hop count",
      "dns lookup failed.",
      "00120270",
      " had no relevant answers.",
      " responded with code nxdomain",
      "address family mismatch on destination mxs",
      "all routes to destination blocked",
      "bad dns lookup error code",
      "could not retrieve source address",
      "loop detected",
      "network error on destination mxs",
      "no mx found for destination",
      "no valid route to remote mx",
      "no valid route to destination",
      "temporary failure in mx lookup",
    ],
  ],
  [
    "filtered",
    ["rcp-p2", "rcp-p3", "000c0595", "cannot route mail to user", "mail delivery failed... user unknown"],
  ],
  ["blocked", ["pol-p1", "pol-p2"]],
  ["rejected", ["dns-p1", "dns-p2", "dns-t1", "dns-p3", "dns-t2", "but sender was rejected"]],
  ["toomanyconn", ["con-t2", "con-t3"]],
  ["virusdetected", ["pol-p5", " - infected"]],
  ["suspend", ["rcp-t4", "the user(s) account is disabled.", "the user(s) account is temporarily limited."]],
  // Google Groups: "Your email to group x was rejected due to spam classification" (its advice that
  // follows mentions SPF records, which are not the reason).
  ["spamdetected", [" - spam", "rejected due to spam classification"]],
  [
    "securityerror",
    ["000b0981", "please turn on smtp authentication in your mail client", "could not retrieve credentials"],
  ],
  ["norelaying", ["due to the following smtp relay error"]],
  // The envelope sender failed the receiving server's callout (Exim's "Sender verify failed"): it is the
  // sender that was refused, whatever the reply says about the address it could not verify.
  ["rejected", ["sender verify failed", "sender verification failed"]],
  // OpenSMTPD: "No MX found for domain" — the domain takes no mail (sisimai 5: notaccept), even when
  // OpenSMTPD reports it as a delay.
  ["notaccept", ["no mx found for domain"]],
  // qmail-remote: DNS answered, but the domain has neither an MX nor an address record ("Sorry, I
  // couldn't find any host named …" is the domain that does not exist).
  ["notaccept", ["sorry, i couldn't find a mail exchanger or ip address"]],
];

/** The presets in one list, in the order they are consulted: the first that appears names the reason. */
const presetWords: Array<[Reason, string]> = presets.flatMap(([r, list]) =>
  list.map((p) => [r, p] as [Reason, string]),
);

/** The preset reason named by an MTA's own words, if any. */
export function presetIn(text: string): Reason | undefined {
  const first = scan(text).preset;
  return first === -1 ? undefined : presetWords[first][0];
}

/** All plain phrases of all reasons and all presets in one Aho-Corasick automaton, compiled to a
 * transition table: one pass over a text finds every reason whose words it contains and the first
 * preset (the classifier asks about many reasons for the same text). The table's columns are only the
 * characters that occur in some phrase, plus one for all others (they lead back to the start from any
 * state), so it stays small enough for the processor's caches; characters beyond Latin-1 share a column. */
interface Automaton {
  delta: Uint16Array | Int32Array;
  columns: number;
  /** Column of each character code below 256; index 256 stands for every code above. */
  columnOf: Uint8Array;
  /** Per state: what ends here — a reason's index, ORDERED + i when the first fragment of ordered
   * phrase i ends here (only then is that phrase's order worth checking), or PRESET + j for preset j. */
  out: number[][];
  /** 1 for the states where something ends (most states: nothing). */
  ends: Uint8Array;
}

const ORDERED = 1000;
const PRESET = 100000;

/** The phrases whose fragments must appear in order, e.g. ["mailbox ", "full"]. */
const ordered: Array<[Reason, readonly string[]]> = (
  Object.entries(phrases) as Array<[Reason, readonly Phrase[]]>
).flatMap(([r, list]) =>
  list
    .filter((p): p is readonly string[] => typeof p !== "string")
    .map((p) => [r, p] as [Reason, readonly string[]]),
);

const codeKey = (c: number) => (c < 256 ? c : 256);

function buildAutomaton(): Automaton {
  const words: Array<[string, number]> = [];
  for (const [reason, list] of Object.entries(phrases) as Array<[Reason, readonly Phrase[]]>) {
    const index = reasons.indexOf(reason);
    for (const p of list) if (typeof p === "string") words.push([p, index]);
  }
  for (let i = 0; i < ordered.length; i++) words.push([ordered[i][1][0], ORDERED + i]);
  for (let j = 0; j < presetWords.length; j++) words.push([presetWords[j][1], PRESET + j]);
  // Column 0 is every character no phrase contains.
  const columnOf = new Uint8Array(257);
  let columns = 1;
  for (const [w] of words) {
    for (let i = 0; i < w.length; i++) {
      const k = codeKey(w.charCodeAt(i));
      if (columnOf[k] === 0) columnOf[k] = columns++;
    }
  }
  // The trie with each state's children as a list (first child, next sibling, the column into each), built
  // and then completed breadth first with typed arrays, one copy of a row per state and a walk of its own
  // children: this runs once per process, at load, mostly before V8 optimises it, and a Map per state with a
  // lookup per column took ~33 ms of it (now ~10; `poststelle bounces classify` of one file ~100 ms in all).
  let capacity = 1;
  for (const [w] of words) capacity += w.length;
  const firstChild = new Int32Array(capacity);
  const nextSibling = new Int32Array(capacity);
  const columnInto = new Int32Array(capacity);
  const outputs = new Map<number, number[]>();
  let states = 1;
  for (const [w, output] of words) {
    let node = 0;
    for (let i = 0; i < w.length; i++) {
      const c = columnOf[codeKey(w.charCodeAt(i))];
      let to = firstChild[node];
      while (to !== 0 && columnInto[to] !== c) to = nextSibling[to];
      if (to === 0) {
        to = states++;
        columnInto[to] = c;
        nextSibling[to] = firstChild[node];
        firstChild[node] = to;
      }
      node = to;
    }
    const own = outputs.get(node);
    if (!own) outputs.set(node, [output]);
    else if (!own.includes(output)) own.push(output);
  }
  const none: number[] = [];
  const out: number[][] = new Array(states);
  for (let i = 0; i < states; i++) out[i] = outputs.get(i) ?? none;
  const size = states * columns;
  const delta = states <= 0xffff ? new Uint16Array(size) : new Int32Array(size);
  const fail = new Int32Array(states);
  const queue = new Int32Array(states);
  let tail = 0;
  for (let k = firstChild[0]; k !== 0; k = nextSibling[k]) {
    delta[columnInto[k]] = k;
    queue[tail++] = k;
  }
  // Breadth first, so a state's failure state (shallower) is complete: the row starts as a copy of its row,
  // and the state's own children replace their columns; its outputs are its own and the failure state's.
  for (let head = 0; head < tail; head++) {
    const node = queue[head];
    const f = fail[node];
    if (out[f].length > 0) {
      const merged = out[node] === none ? [] : out[node];
      for (const r of out[f]) if (!merged.includes(r)) merged.push(r);
      out[node] = merged;
    }
    const row = node * columns;
    const failRow = f * columns;
    delta.copyWithin(row, failRow, failRow + columns);
    for (let k = firstChild[node]; k !== 0; k = nextSibling[k]) {
      const c = columnInto[k];
      delta[row + c] = k;
      fail[k] = delta[failRow + c];
      queue[tail++] = k;
    }
  }
  const ends = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  return { delta, columns, columnOf, out, ends };
}

const automaton = buildAutomaton();

interface Scan {
  found: Set<Reason>;
  /** Index of the first preset (in presetWords' order) that appears, or -1. */
  preset: number;
}

let lastText = "";
let lastScan: Scan = { found: new Set(), preset: -1 };

/**
 * One pass over a (lower-cased) text. With `untilPlain` it stops at the first plain phrase and answers null;
 * a pass that does not stop has seen the whole text, so its answer is the full one either way.
 */
function pass(text: string, untilPlain: boolean): Scan | null {
  const found = new Set<Reason>();
  const started: number[] = [];
  let preset = -1;
  const { delta, columns, columnOf, out, ends } = automaton;
  let node = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    node = delta[node * columns + columnOf[code < 256 ? code : 256]];
    if (ends[node] === 0) continue;
    const o = out[node];
    for (let k = 0; k < o.length; k++) {
      const v = o[k];
      if (v < ORDERED) {
        if (untilPlain) return null;
        found.add(reasons[v]);
      } else if (v < PRESET) started.push(v - ORDERED);
      else if (preset === -1 || v - PRESET < preset) preset = v - PRESET;
    }
  }
  for (const i of started) {
    const [r, frags] = ordered[i];
    if (!found.has(r) && hasInOrder(text, frags)) found.add(r);
  }
  return { found, preset };
}

/** The last answer is kept, as the same text is asked about often. */
function keep(text: string, s: Scan): Scan {
  lastText = text;
  lastScan = s;
  return s;
}

function scan(text: string): Scan {
  if (text === lastText) return lastScan;
  return keep(text, pass(text, false) as Scan);
}

/** Every reason whose words appear in the (lower-cased) text. */
export function reasonsSaidIn(text: string): Set<Reason> {
  return scan(text).found;
}

/** Do the words of any reason appear in the (lower-cased) text? (reasonsSaidIn(text).size > 0, with the
 * pass over the text ending at the first plain phrase found.) */
export function saysAnyReason(text: string): boolean {
  if (text === lastText) return lastScan.found.size > 0;
  const s = pass(text, true);
  return s === null || keep(text, s).found.size > 0;
}

export function says(reason: Reason, text: string): boolean {
  return scan(text).found.has(reason);
}
