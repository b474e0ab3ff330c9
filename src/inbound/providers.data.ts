// Provider vocabularies: the error codes and the exact sentences that particular mailbox providers and
// gateways answer with (Exchange Online, Google, Mimecast, Cox, Spectrum, GoDaddy, Orange, Tencent QQ, I.UA,
// Yahoo, Apple iCloud, AOL).
// Their meaning was gathered from the providers' published error-code pages as catalogued by sisimai's
// Rhost tables (sentences about SPF/DKIM/DMARC, PTR records, reputation, RFC 5322 and TLS carry the newer
// reasons authfailure, requireptr, badreputation, notcompliantrfc, failedstarttls); the table shape is ours.
import type { Reason } from "./reasons.js";

/** [reason, enhanced status (or its class.subject prefix), lowest and highest detail (0, 0: exact), sentence] */
export const sentencesWithStatus: ReadonlyArray<readonly [Reason, string, number, number, string]> = [
  ["blocked", "4.4.2", 0, 0, "connection dropped"],
  ["blocked", "4.7.", 850, 899, "access denied, please try again later"],
  ["requireptr", "5.7.25", 0, 0, "must have a reverse dns record"],
  ["blocked", "5.7.506", 0, 0, "access denied, bad helo"],
  ["blocked", "5.7.507", 0, 0, "access denied, rejected by recipient"],
  ["blocked", "5.7.510", 0, 0, "does not accept email over ipv6"],
  ["blocked", "5.7.511", 0, 0, "access denied, banned sender"],
  ["blocked", "5.7.513", 0, 0, "using customer block list"],
  ["blocked", "5.7.", 606, 649, "access denied, banned sending ip "],
  ["blocked", "4.7.", 500, 699, "access denied, please try again later"],
  ["blocked", "5.5.4", 0, 0, "invalid domain name"],
  // Exchange Online's TLS checks of the destination (a required certificate or TLS domain, DANE's TLSA and
  // DNSSEC records, an expired or mismatched certificate, MTA-STS): the encrypted connection the policy asks
  // for could not be made (failedstarttls), as Microsoft's NDR reference describes each.
  ["failedstarttls", "5.7.51", 0, 0, "restrictdomainstoipaddresses or restrictdomainstocertificate"],
  ["blocked", "5.7.1", 0, 0, "part of their network is on our block list (s3150)"],
  ["authfailure", "4.7.26", 0, 0, "must pass either spf or dkim validation, this message is not signed"],
  ["failedstarttls", "4.7.323", 0, 0, "tlsa-invalid: the domain failed dane validation"],
  ["failedstarttls", "5.7.323", 0, 0, "tlsa-invalid: the domain failed dane validation"],
  ["failedstarttls", "4.7.324", 0, 0, "dnssec-invalid: destination domain returned invalid dnssec records"],
  ["failedstarttls", "5.7.324", 0, 0, "dnssec-invalid: destination domain returned invalid dnssec records"],
  [
    "failedstarttls",
    "4.7.325",
    0,
    0,
    "certificate-host-mismatch: remote certificate must have a common name or subject alternative name matching the hostname (dane)",
  ],
  [
    "failedstarttls",
    "5.7.325",
    0,
    0,
    "certificate-host-mismatch: remote certificate must have a common name or subject alternative name matching the hostname (dane)",
  ],
  ["authfailure", "5.7.23", 0, 0, "the message was rejected because of sender policy framework violation"],
  [
    "failedstarttls",
    "5.7.322",
    0,
    0,
    "certificate-expired: destination mail server's certificate is expired",
  ],
  ["authfailure", "5.7.509", 0, 0, "does not pass dmarc verification"],
  ["failedstarttls", "4.4.8", 0, 0, " failed mta-sts validation"],
  ["failedstarttls", "5.4.8", 0, 0, " failed mta-sts validation"],
  ["failedstarttls", "4.7.5", 0, 0, "remote certificate failed mta-sts validation"],
  ["failedstarttls", "5.7.5", 0, 0, "remote certificate failed mta-sts validation"],
  // "The sender's domain in the 5322.From address doesn't meet the authentication requirements".
  ["authfailure", "5.7.515", 0, 0, "doesn't meet the required authentication level"],
  // A tenant without mail-enabled subscriptions takes no mail for the domain.
  ["notaccept", "4.4.4", 0, 0, "hosted tenant which has no mail-enabled subscriptions"],
  // "450 4.4.318 Connection was closed abruptly (SuspiciousRemoteServerError)", "550 5.4.318 Message
  // expired, connection reset (SuspiciousRemoteServerError)": the remote server misbehaved.
  ["systemerror", "4.4.318", 0, 0, "(suspiciousremoteservererror)"],
  ["systemerror", "5.4.318", 0, 0, "(suspiciousremoteservererror)"],
  // "451 4.4.22 … 4.4.28 Message failed to be replicated: …" (Exchange Online's shadow redundancy).
  ["systemerror", "4.4.", 22, 28, "message failed to be replicated:"],
  ["badreputation", "4.7.650", 0, 0, "has been temporarily rate limited due to ip reputation"],
  ["contenterror", "5.3.0", 0, 0, "too many related errors"],
  ["contenterror", "5.6.11", 0, 0, "invalid characters"],
  ["contenterror", "5.4.11", 0, 0, "agent generated message depth exceeded"],
  ["contenterror", "5.5.6", 0, 0, "invalid message content"],
  ["mesgtoobig", "5.2.3", 0, 0, "resolver.rst.recipsizelimit; message too large for this recipient"],
  ["expired", "4.4.1", 0, 0, "connection timed out"],
  ["expired", "4.4.7", 0, 0, "message delayed"],
  ["expired", "4.4.7", 0, 0, "queue expired; message expired"],
  ["expired", "4.4.7", 0, 0, "message expired"],
  ["expired", "5.4.300", 0, 0, "message expired"],
  ["mailboxfull", "5.2.2", 0, 0, "mailbox full"],
  ["mesgtoobig", "5.3.4", 0, 0, "message size exceeds fixed maximum message size"],
  ["mesgtoobig", "5.3.4", 0, 0, "message too big for system"],
  ["networkerror", "5.4.4", 0, 0, "smtpsend.dns.nonexistentdomain; nonexistent domain"],
  ["networkerror", "5.4.6", 0, 0, "hop count exceeded - possible mail loop"],
  ["networkerror", "4.4.316", 0, 0, "connection refused"],
  ["networkerror", "5.4.4", 0, 0, "invalid arguments"],
  ["networkerror", "5.4.6", 0, 0, "routing loop detected"],
  ["networkerror", "5.4.14", 0, 0, "routing loop detected"],
  ["norelaying", "5.7.1", 0, 0, "unable to relay"],
  ["norelaying", "5.7.1", 0, 0, "client was not authenticated"],
  ["norelaying", "5.4.1", 0, 0, "relay access denied"],
  ["norelaying", "5.7.64", 0, 0, "tenantattribution; relay access denied"],
  ["norelaying", "5.4.310", 0, 0, "does not exist"],
  ["notaccept", "4.3.2", 0, 0, "system not accepting network messages"],
  ["notaccept", "5.3.2", 0, 0, "storedrv.deliver: missing or bad storedriver mdb properties"],
  ["policyviolation", "5.0.350", 0, 0, "x-dg-ref header is too long"],
  ["policyviolation", "5.0.350", 0, 0, "requested action not taken: policy violation detected (as345)"],
  ["policyviolation", "5.7.", 900, 999, "delivery not authorized, message refused"],
  ["rejected", "5.1.7", 0, 0, "invalid address"],
  ["rejected", "5.1.7", 0, 0, "unknown sender address"],
  ["rejected", "5.1.0", 0, 0, "sender denied"],
  ["rejected", "5.1.8", 0, 0, "access denied, bad outbound sender"],
  ["rejected", "5.7.12", 0, 0, "sender was not authenticated by organization"],
  ["rejected", "5.7.124", 0, 0, "sender not in allowed-senders list"],
  ["rejected", "5.7.133", 0, 0, "sender not authenticated for group"],
  ["rejected", "5.7.134", 0, 0, "sender was not authenticated for mailbox"],
  ["rejected", "5.7.13", 0, 0, "sender was not authenticated for public folder"],
  ["rejected", "5.7.135", 0, 0, "sender was not authenticated for public folder"],
  ["rejected", "5.7.136", 0, 0, "sender was not authenticated"],
  ["rejected", "5.7.", 501, 503, "access denied, spam abuse detected"],
  ["notcompliantrfc", "5.7.512", 0, 0, "access denied, message must be rfc 5322 section 3.6.2 compliant"],
  ["rejected", "5.7.750", 0, 0, "service unavailable. client blocked from sending from unregistered domains"],
  ["rejected", "5.7.", 501, 503, "access denied, banned sender"],
  ["securityerror", "5.7.3", 0, 0, "cannot achieve exchange server authentication"],
  ["securityerror", "5.7.3", 0, 0, "not authorized"],
  [
    "failedstarttls",
    "4.7.321",
    0,
    0,
    "starttls-not-supported: destination mail server must support tls to receive mail",
  ],
  [
    "failedstarttls",
    "5.7.321",
    0,
    0,
    "starttls-not-supported: destination mail server must support tls to receive mail",
  ],
  ["securityerror", "5.7.1", 0, 0, "client was not authenticated"],
  ["securityerror", "5.7.57", 0, 0, "client was not authenticated to send anonymous mail during mail from"],
  ["spamdetected", "5.2.1", 0, 0, "content filter agent quarantined this message"],
  ["suspend", "5.7.504", 0, 0, "recipient address rejected: access denied"],
  ["suspend", "5.7.505", 0, 0, "access denied, banned recipient"],
  ["suspend", "5.2.1", 0, 0, "mailbox cannot be accessed"],
  ["syntaxerror", "5.3.3", 0, 0, "unrecognized command"],
  ["syntaxerror", "5.5.2", 0, 0, "send hello first"],
  ["systemerror", "4.3.2", 0, 0, "service not available"],
  ["systemerror", "4.3.2", 0, 0, "service not active"],
  ["systemerror", "5.3.5", 0, 0, "system incorrectly configured"],
  [
    "systemerror",
    "5.3.190",
    0,
    0,
    "journaling on-premises messages to microsoft 365 or office 365 not supported when journaling archive is disabled",
  ],
  ["systemerror", "5.0.0", 0, 0, "helo / ehlo requires domain address"],
  ["systemerror", "5.1.4", 0, 0, "destination mailbox address ambiguous"],
  ["systemerror", "5.2.4", 0, 0, "mailing list expansion problem"],
  ["systemerror", "5.2.14", 0, 0, "misconfigured forwarding address"],
  ["systemerror", "4.4.3", 0, 0, "temporary server error. please try again later attr18"],
  ["systemerror", "4.7.0", 0, 0, "temporary server error. please try again later. prx4 nexthop:"],
  ["systemerror", "4.4.24", 0, 0, "message failed to be replicated: insufficient system resource:"],
  [
    "systemerror",
    "4.4.25",
    0,
    0,
    "message failed to be replicated: no healthy secondary server available to accept replica at this time.",
  ],
  ["systemerror", "4.4.28", 0, 0, "message failed to be replicated: the operation was canceled"],
  ["systemerror", "4.7.500", 0, 0, "server busy. please try again later from "],
  ["systemerror", "4.7.700", 0, 0, "pfa agent busy, please try again."],
  ["systemfull", "4.3.1", 0, 0, "insufficient system resources"],
  ["toomanyconn", "5.5.3", 0, 0, "too many recipients"],
  ["toomanyconn", "4.5.3", 0, 0, "too many recipients"],
  // Limits over a period (per hour, per day, "too many messages in too short a time period" in Microsoft's
  // NDR reference) are rate limits; too many recipients in one message stays toomanyconn.
  ["ratelimited", "5.2.122", 0, 0, "the recipient has exceeded their limit for"],
  ["toomanyconn", "4.3.2", 0, 0, "storedrv.deliver; recipient thread limit exceeded"],
  [
    "ratelimited",
    "5.1.90",
    0,
    0,
    "your message can't be sent because you've reached your daily limit for message recipients",
  ],
  ["ratelimited", "5.2.2", 0, 0, "submission quota exceeded"],
  [
    "ratelimited",
    "5.2.121",
    0,
    0,
    "recipient's per hour message receive limit from specific sender exceeded",
  ],
  ["ratelimited", "5.2.122", 0, 0, "recipient's per hour message receive limit exceeded"],
  ["ratelimited", "5.7.508", 0, 0, "has exceeded permitted limits within"],
  ["toomanyconn", "5.7.", 700, 749, "access denied, tenant has exceeded threshold"],
  ["toomanyconn", "5.7.", 700, 749, "access denied, traffic not accepted from this ip"],
  ["userunknown", "5.1.1", 0, 0, "resolver.adr.exrecipnotfound; not found"],
  ["userunknown", "5.1.1", 0, 0, "user unknown"],
  ["userunknown", "5.1.3", 0, 0, "storedrv.submit; invalid recipient address"],
  ["userunknown", "5.1.", 4, 5, "recipient address reserved by rfc 2606"],
  ["userunknown", "5.1.6", 0, 0, "recipient addresses in single label domains not accepted"],
  ["userunknown", "5.1.1", 0, 0, "bad destination mailbox address"],
  ["userunknown", "5.1.10", 0, 0, "recipient not found"],
  ["userunknown", "5.4.1", 0, 0, "recipient address rejected: access denied"],
  ["userunknown", "5.5.0", 0, 0, "requested action not taken: mailbox unavailable"],
  ["userunknown", "5.1.2", 0, 0, "invalid x.400 address"],
  ["blocked", "4.7.0", 0, 0, "ip not in whitelist for rcpt domain, closing connection."],
  [
    "speeding",
    "4.7.0",
    0,
    0,
    "our system has detected an unusual rate of unsolicited mail originating from your ip address",
  ],
  ["blocked", "4.7.0", 0, 0, "try again later, closing connection."],
  ["blocked", "5.5.4", 0, 0, "helo/ehlo argument is invalid"],
  [
    "speeding",
    "5.7.1",
    0,
    0,
    "our system has detected an unusual rate of unsolicited mail originating from your ip address",
  ],
  [
    "blocked",
    "5.7.1",
    0,
    0,
    "the ip you're using to send mail is not authorized to send email directly to our servers",
  ],
  // The same refusal in Google's wording of 2007 ("send email" twice).
  [
    "blocked",
    "5.7.1",
    0,
    0,
    "the ip you're using to send email is not authorized to send email directly to our servers",
  ],
  ["requireptr", "5.7.25", 0, 0, "the ip address sending this message does not have a ptr record setup"],
  ["authfailure", "5.7.26", 0, 0, "is not accepted due to domain's dmarc policy"],
  ["authfailure", "5.7.1", 0, 0, "fails to pass authentication checks"],
  ["authfailure", "5.7.26", 0, 0, "fails to pass authentication checks"],
  ["authfailure", "5.7.26", 0, 0, "this message fails to pass spf checks for an spf record with a hard fail"],
  [
    "badreputation",
    "5.7.1",
    0,
    0,
    "this message is likely suspicious due to the very low reputation of the sending ip address",
  ],
  ["contenterror", "5.6.0", 0, 0, "mail message is malformed. not accepted"],
  ["exceedlimit", "5.2.3", 0, 0, "your message exceeded google's message size limits"],
  ["expired", "4.4.2", 0, 0, "timeout - closing connection"],
  ["mailboxfull", "4.2.2", 0, 0, "the email account that you tried to reach is over quota"],
  ["mailboxfull", "5.2.2", 0, 0, "the email account that you tried to reach is over quota"],
  ["mailboxfull", "5.7.1", 0, 0, "email quota exceeded"],
  ["networkerror", "5.6.0", 0, 0, "message exceeded 50 hops, this may indicate a mail loop"],
  ["norelaying", "5.7.0", 0, 0, "mail relay denied"],
  // Several From: addresses break RFC 5322 §3.6.2 (at most one without Sender:): notcompliantrfc.
  ["notcompliantrfc", "5.7.1", 0, 0, "messages with multiple addresses in from: header are not accepted"],
  [
    "policyviolation",
    "5.7.1",
    0,
    0,
    "the user or domain that you are sending to (or from) has a policy that prohibited",
  ],
  ["policyviolation", "5.7.0", 0, 0, "our system detected an illegal attachment on your message"],
  [
    "policyviolation",
    "5.7.0",
    0,
    0,
    "this message was blocked because its content presents a potential security issue",
  ],
  ["rejected", "5.7.0", 0, 0, "mail sending denied"],
  ["rejected", "5.7.1", 0, 0, "unauthenticated email is not accepted from this domain"],
  ["failedstarttls", "4.7.0", 0, 0, "tls required for rcpt domain, closing connection"],
  ["securityerror", "5.5.2", 0, 0, "cannot decode response"],
  ["securityerror", "5.5.1", 0, 0, "authentication required."],
  ["securityerror", "5.7.1", 0, 0, "application-specific password required"],
  ["securityerror", "5.7.1", 0, 0, "please log in with your web browser and then try again"],
  ["securityerror", "5.7.1", 0, 0, "username and password not accepted"],
  ["securityerror", "5.7.1", 0, 0, "invalid credentials for relay"],
  ["spamdetected", "5.7.1", 0, 0, "our system has detected that this message is likely unsolicited mail"],
  ["suspend", "5.2.1", 0, 0, "the email account that you tried to reach is disabled"],
  ["syntaxerror", "4.5.0", 0, 0, "smtp protocol violation, visit rfc 2821"],
  [
    "failedstarttls",
    "4.5.0",
    0,
    0,
    "smtp protocol violation, no commands allowed to pipeline after starttls",
  ],
  ["failedstarttls", "5.5.1", 0, 0, "starttls may not be repeated"],
  ["syntaxerror", "5.5.1", 0, 0, "too many unrecognized commands, goodbye"],
  ["syntaxerror", "5.5.1", 0, 0, "unimplemented command"],
  ["syntaxerror", "5.5.1", 0, 0, "unrecognized command"],
  ["syntaxerror", "5.5.1", 0, 0, "ehlo/helo first"],
  ["syntaxerror", "5.5.1", 0, 0, "mail first"],
  ["syntaxerror", "5.5.1", 0, 0, "rcpt first"],
  ["syntaxerror", "5.7.0", 0, 0, "no identity changes permitted"],
  ["syntaxerror", "5.7.4", 0, 0, "unrecognized authentication type"],
  ["failedstarttls", "5.7.0", 0, 0, "must issue a starttls command first"],
  ["syntaxerror", "5.5.4", 0, 0, "optional argument not permitted for that auth mode"],
  ["syntaxerror", "5.7.0", 0, 0, "too many unauthenticated commands"],
  ["syntaxerror", "5.5.2", 0, 0, "syntax error"],
  ["systemerror", "4.3.0", 0, 0, "temporary system problem"],
  ["systemerror", "4.7.0", 0, 0, "temporary system problem"],
  ["systemerror", "4.4.5", 0, 0, "server busy"],
  ["systemerror", "4.3.0", 0, 0, "mail server temporarily rejected message"],
  ["systemerror", "4.7.0", 0, 0, "cannot authenticate due to temporary system problem"],
  ["systemerror", "4.5.3", 0, 0, "domain policy size per transaction exceeded"],
  ["toomanyconn", "4.3.0", 0, 0, "multiple destination domains per transaction is unsupported"],
  ["toomanyconn", "4.5.3", 0, 0, "your message has too many recipients"],
  ["speeding", "4.2.1", 0, 0, "is receiving mail too quickly"],
  [
    "speeding",
    "4.2.1",
    0,
    0,
    "is receiving mail at a rate that prevents additional messages from being delivered",
  ],
  [
    "speeding",
    "5.2.1",
    0,
    0,
    "is receiving mail at a rate that prevents additional messages from being delivered",
  ],
  // Google's peak and daily sending limits are limits over a period (ratelimited), not connection counts.
  ["ratelimited", "4.2.1", 0, 0, "peak smtp relay limit exceeded for customer"],
  ["ratelimited", "5.4.5", 0, 0, "daily smtp relay limit exceeded for user"],
  ["ratelimited", "5.4.5", 0, 0, "daily sending quota exceeded"],
  ["ratelimited", "5.7.1", 0, 0, "daily smtp relay limit exceeded for customer"],
  // Google's sender requirements: mail "rate limited" or blocked because SPF, DKIM or the From: alignment
  // did not pass is an authentication failure; because it did not come over TLS, a missing STARTTLS (the
  // rate limit is the consequence, the cause decides). 5.7.30 is Google's DKIM code here, not RFC 8689's
  // REQUIRETLS.
  ["authfailure", "4.7.27", 0, 0, "senders to authenticate their email with spf"],
  ["authfailure", "4.7.27", 0, 0, "senders to authenticate with spf"],
  ["authfailure", "4.7.30", 0, 0, "senders to authenticate their email with dkim"],
  ["authfailure", "4.7.30", 0, 0, "senders to authenticate with dkim"],
  ["authfailure", "4.7.32", 0, 0, "aligned with either the authenticated spf or dkim"],
  ["failedstarttls", "4.7.29", 0, 0, "senders to use tls/ssl for smtp"],
  ["expired", "4.7.0", 0, 0, "connection expired, try reconnecting"],
  // Google's RFC 5322/5321 requirements on the message and the envelope sender.
  ["notcompliantrfc", "5.7.1", 0, 0, "missing a valid address in the from: header"],
  ["notcompliantrfc", "5.7.1", 0, 0, "missing a valid message-id: header"],
  ["notcompliantrfc", "5.7.1", 0, 0, "contains a unicode character in a disallowed header"],
  ["notcompliantrfc", "5.7.1", 0, 0, "encoded-word syntax is not permitted"],
  ["notcompliantrfc", "5.1.7", 0, 0, "is not a valid rfc 5321 address"],
  ["policyviolation", "4.7.28", 0, 0, "sending messages with the same message-id:"],
  ["requireptr", "5.7.1", 0, 0, "does not meet ipv6 sending guidelines regarding ptr records"],
  ["spamdetected", "4.7.0", 0, 0, "due to the nature of the content or the links within"],
  ["userunknown", "5.1.1", 0, 0, "the email account that you tried to reach does not exist"],
  ["userunknown", "5.1.2", 0, 0, "we weren't able to find the recipient domain"],
];

/** [reason, SMTP reply code, sentence] (Mimecast) */
export const sentencesWithReply: ReadonlyArray<readonly [Reason, string, string]> = [
  ["blocked", "421", "sender address blocked"],
  ["blocked", "451", "recipient temporarily unavailable"],
  ["blocked", "451", "ip temporarily blacklisted"],
  ["blocked", "451", "internal resources are temporarily unavailable"],
  ["badreputation", "550", "local ct ip reputation - (reject)"],
  ["blocked", "550", "< details of rbl >"],
  ["authfailure", "550", "spf sender invalid - envelope rejected"],
  ["authfailure", "550", "dkim sender invalid - envelope rejected"],
  ["authfailure", "550", "dmarc sender invalid - envelope rejected"],
  ["mesgtoobig", "554", "maximum email size exceeded"],
  ["networkerror", "554", "mail loop detected"],
  // "The recipients' domains have MX records configured incorrectly" (pointing at outbound hosts).
  ["networkerror", "451", "the incorrect hostname used for inbounds"],
  ["networkerror", "550", "the incorrect hostname used for inbounds"],
  // Journaling past the expiry threshold, in the page's other wording.
  ["expired", "550", "journal messages past the expiration"],
  ["norelaying", "451", "open relay not allowed"],
  ["notaccept", "451", "account inbounds disabled"],
  ["onhold", "451", "account outbounds disabled"],
  ["onhold", "451", "hostname is not authorized"],
  ["onhold", "550", "journal message past expiration"],
  ["policyviolation", "550", "anti-spoofing policy - inbound not allowed"],
  ["policyviolation", "550", "rejected by header-based anti-spoofing policy"],
  ["policyviolation", "550", "message bounced due to content examination policy"],
  ["policyviolation", "554", "host network not allowed"],
  ["policyviolation", "554", "host network, not allowed"],
  ["rejected", "550", "administrative prohibition envelope blocked"],
  ["rejected", "550", "envelope blocked – user entry"],
  ["rejected", "550", "envelope blocked – user domain entry"],
  ["rejected", "550", "rejected by header-based manually blocked senders - block for manual block"],
  ["rejected", "550", "rejected by header-based blocked senders - block policy for header from"],
  ["rejected", "550", "envelope rejected - block policy for envelope from address"],
  ["securityerror", "535", "incorrect authentication data"],
  ["securityerror", "550", "submitter failed to disabled"],
  ["securityerror", "550", "submitter failed to authenticate"],
  ["failedstarttls", "553", "this route requires encryption (tls)"],
  ["failedstarttls", "553", "this route requires tls version 1.2 or greater"],
  ["securityerror", "553", "this route requires high-strength ciphers"],
  ["securityerror", "554", "configuration is invalid for this certificate"],
  ["systemerror", "451", "unable to process connection at this time"],
  ["systemerror", "451", "message ended early"],
  ["systemerror", "451", "unable to process command"],
  ["systemerror", "451", "unable to process an email at this time"],
  ["toomanyconn", "451", "account service is temporarily unavailable"],
  ["toomanyconn", "452", "too many recipients"],
  ["toomanyconn", "550", "exceeding outbound thread limit"],
  ["userunknown", "501", "invalid address"],
  ["userunknown", "503", "user unknown"],
  ["userunknown", "550", "invalid recipient"],
  // Mimecast's one code for a virus or a spam signature; "MCSpamSignature" says which.
  ["spamdetected", "554", "email rejected due to security policies - mcspamsignature"],
  ["virusdetected", "554", "email rejected due to security policies"],
];

/** Sentences too common to trust unless the provider itself said them (its MTA, or the recipient's domain). */
export const sentencesOfHosts: ReadonlyArray<{
  hosts: readonly string[];
  sentences: ReadonlyArray<readonly [Reason, string]>;
}> = [
  {
    // Outlook.com / Hotmail / Exchange Online speaking of their own mailboxes and groups.
    hosts: ["hotmail.com", "outlook.com", "live.com", "msn.com"],
    sentences: [
      ["userunknown", "requested action not taken: mailbox unavailable"],
      // Exchange Online's "5.7.1 Delivery not authorized" (a restricted group refusing this sender); from
      // any other server the same words are RFC 3463's description of X.7.1, a security matter.
      ["rejected", "delivery not authorized"],
    ],
  },
  {
    hosts: ["cox.net"],
    sentences: [
      ["requireptr", "rejected - no rdns"],
      ["blocked", "cox too many bad commands from"],
      // Cox's page: "the reverse DNS check of the sending server IP address has failed".
      ["requireptr", "dns check failure - try again later"],
      ["blocked", "too many invalid recipients"],
      // "Our systems are experiencing an issue which is causing a temporary inability to accept new email."
      ["systemerror", "esmtp server temporarily not available"],
      ["policyviolation", "esmtp no data before greeting"],
      ["policyviolation", "attachment extension is forbidden"],
      ["rejected", "sender rejected"],
      ["toomanyconn", "too many sessions from"],
      // "The sending IP address has exceeded one of these rate limits and has been temporarily blocked."
      ["ratelimited", "requested action aborted: try again later"],
      ["toomanyconn", "message threshold exceeded"],
      ["userunknown", "recipient rejected"],
    ],
  },
  {
    hosts: ["qq.com"],
    sentences: [
      ["authfailure", "dmarc check failed"],
      ["authfailure", "spf check failed"],
      ["blocked", "suspected spam ip"],
      // Tencent's error pages (service.mail.qq.com/detail/122/…) as sisimai 5 reads them: its frequency
      // limits are rate limits, not connection counts.
      ["blocked", "suspected bounce attacks"],
      ["blocked", "connection denied"],
      ["rejected", "mail is rejected by recipients"],
      ["mesgtoobig", "message too large"],
      ["spamdetected", "mail content denied"],
      ["spamdetected", "spam is embedded in the email"],
      ["rejected", "suspected spam"],
      ["suspend", "is a deactivated mailbox"],
      ["syntaxerror", "bad address syntax"],
      ["ratelimited", "connection frequency limited"],
      ["ratelimited", "domain frequency limited"],
      ["ratelimited", "ip frequency limited"],
      ["ratelimited", "sender frequency limited"],
      ["ratelimited", "frequency of receiving messages is limited"],
      ["ratelimited", "mailbox unavailable or access denied"],
      ["userunknown", "mailbox not found"],
    ],
  },
  {
    hosts: ["yahoodns.net", "yahoo.com"],
    sentences: [
      ["authfailure", "yahoo requires all senders to authenticate with either spf or dkim"],
      ["blocked", " because the ip is in spamhaus's list;"],
      ["blocked", "not accepted from ip addresses on spamhaus xbl"],
      ["norelaying", "relaying denied for "],
      ["notcompliantrfc", "headers are not rfc compliant"],
      ["policyviolation", "not accepted for policy reasons"],
      // sisimai 5 (since 5.0.4) and its 2024 labels read [TSS04] as a reputation matter, not a refusal.
      ["badreputation", "temporarily deferred due to unexpected volume or user complaints"],
      ["rejected", "due to unresolvable rfc.5321 domain"],
      ["rejected", " will be permanently deferred"],
      ["speeding", "user is receiving mail too quickly"],
      ["suspend", " is no longer valid."],
      ["suspend", "this mailbox is disabled"],
      ["syntaxerror", "syntax error in parameters or arguments"],
      ["toomanyconn", "max message per connection reached"],
      ["userunknown", "dd this user doesn't have a "],
      ["userunknown", "mailbox not found"],
    ],
  },
  {
    hosts: ["icloud.com", "me.com", "mac.com", "apple.com"],
    sentences: [
      ["authfailure", "'s dmarc policy"],
      ["authfailure", "blocked for failing both spf and dkim"],
      ["blocked", "rejected due to having a domain present in the spamhaus"],
      ["blocked", "rejected due to listing in spamhaus"],
      ["blocked", "blocked - see https://support.proofpoint.com/dnsbl-lookup"],
      ["blocked", "not accepting connections"],
      ["hasmoved", "recipient no longer on server"],
      ["mailboxfull", "user is over quota"],
      ["norelaying", "relay access denied"],
      ["notaccept", "host/domain does not accept mail"],
      ["policyviolation", "due to local policy"],
      ["rejected", "sender address rejected"],
      ["speeding", "due to excessive volume"],
      ["userunknown", "inactive email address"],
      ["userunknown", "user does not exist"],
      ["userunknown", "unknown or illegal alias"],
    ],
  },
  {
    hosts: ["aol.com"],
    sentences: [
      ["hostunknown", "host or domain name not found"],
      ["notaccept", "type=mx: malformed or unexpected name server reply"],
    ],
  },
  {
    // Cloudflare Email Routing's postmaster page: "Upstream error" is its own failure to pass the message on.
    hosts: ["cloudflare.net"],
    sentences: [["systemerror", "upstream error"]],
  },
  {
    // Zoho Mail's MX (smtpin.zoho.com, mx.zoho.com/.eu): its documented refusals. A message "flagged as
    // Spam" at RCPT, before any content was sent, refuses the sender, as does "rejected by destination
    // domain".
    hosts: ["zoho.com", "zoho.eu"],
    sentences: [
      ["authfailure", "email rejected per dmarc policy"],
      ["blocked", "greylisted, try again after some time"],
      ["rejected", "email cannot be delivered. reason: email flagged as spam"],
      ["rejected", "mail rejected by destination domain"],
      ["policyviolation", "email policy violation detected"],
      ["policyviolation", "mailbox delivery restricted by policy error"],
      ["systemerror", "temporary system error"],
      ["userunknown", "user does not exist"],
      ["virusdetected", " detected by zoho mail"],
    ],
  },
  {
    // Symantec/Broadcom Email Security.cloud (MessageLabs, *.messagelabs.com), reporting or refusing: the
    // messages its knowledge base explains. Its "No such user" and "Invalid recipient" name a recipient
    // that does not exist (the service checks addresses for its customers); "Please turn on SMTP
    // Authentication in your mail client" asks the sender's client to authenticate.
    hosts: ["messagelabs.com"],
    sentences: [
      ["authfailure", "domain authentication fail"],
      ["badreputation", "connection rejected by policy"],
      ["blocked", "mail rejected because your ip is in the pbl"],
      ["blocked", "your ip address has been "],
      ["contenterror", "stray linefeeds in message"],
      ["failedstarttls", "tls/sslv3 connection required"],
      ["norelaying", " as a relay, "],
      ["notcompliantrfc", "has detected that this message is not rfc 5322"],
      // "The format of your message did not comply with RFC 2822."
      ["notcompliantrfc", "requested action aborted [4]"],
      ["ratelimited", "too many recipients received this hour"],
      ["ratelimited", "too many messages"],
      ["rejected", "sender envelope domain not allowed for sender ip address"],
      ["rejected", "your domain has been blocked"],
      ["rejected", "your email address has been blocked"],
      ["rejected", "your envelope sender is in my badmailfrom list"],
      ["rejected", "your email address has been blacklisted"],
      ["rejected", "your domain has been blacklisted"],
      ["securityerror", "please turn on smtp authentication in your mail client"],
      ["spamdetected", "message filtered"],
      ["spamdetected", "filtered by outbound scanning"],
      ["userunknown", "no such user"],
      ["userunknown", "invalid recipient"],
      ["userunknown", "mailbox is not allowed"],
    ],
  },
];

/** Provider error codes → reason. */
export const coxCodes: Readonly<Record<string, Reason>> = {
  CXBL: "blocked",
  CXTHRT: "securityerror",
  CXMJ: "securityerror",
  // Cox's error-code page: CXDNS "the Reverse DNS (rDNS) lookup for your IP address is failing"; CXSNDR
  // "your email failed authentication checks against your sending domain's SPF, DomainKeys, or DKIM
  // policy"; CXMXRT "the sender has sent email to too many recipients and needs to wait before sending
  // more" (a limit over time; CXCNCT, concurrent connections, stays toomanyconn).
  CXDNS: "requireptr",
  CXSNDR: "authfailure",
  CXSMTP: "rejected",
  CXCNCT: "toomanyconn",
  CXMXRT: "ratelimited",
  CDRBL: "blocked",
  IPBL0001: "blocked",
  IPBL0010: "blocked",
  IPBL0100: "blocked",
  IPBL0011: "blocked",
  IPBL0101: "blocked",
  IPBL0110: "blocked",
  IPBL0111: "blocked",
  IPBL1000: "blocked",
  IPBL1001: "blocked",
  IPBL1010: "blocked",
  IPBL1011: "blocked",
  IPBL1100: "blocked",
  IPBL1101: "blocked",
  IPBL1110: "blocked",
  IPBL1111: "blocked",
  IPBL00001: "blocked",
  URLBL011: "spamdetected",
  URLBL101: "spamdetected",
  URLBL110: "spamdetected",
  URLBL1001: "spamdetected",
};
/** GoDaddy's "Fix rejected email with a bounce error" page, by code. */
export const godaddyCodes: Readonly<Record<string, Reason>> = {
  // "This IP has a poor reputation on Cloudmark Sender Intelligence (CSI)".
  IB103: "badreputation",
  IB104: "blocked",
  IB105: "blocked",
  IB106: "blocked",
  IB007: "toomanyconn",
  // "421 Server temporarily unavailable. Try again later.": the page files it under rate limiting (the
  // queue has more mail than usual); nothing expired.
  IB101: "ratelimited",
  // "421 Temporarily rejected. Reverse DNS for this IP failed."
  IB108: "requireptr",
  IB110: "blocked",
  IB111: "blocked",
  IB112: "blocked",
  IB113: "blocked",
  IB212: "spamdetected",
  IB401: "securityerror",
  // A blank From: address, or an IP address as the From: address: the header breaks RFC 5322.
  IB501: "notcompliantrfc",
  IB502: "notcompliantrfc",
  // "This IP has sent too many messages this hour."
  IB504: "ratelimited",
  IB506: "rejected",
  IB508: "authfailure",
  // "… exceeded the max number of messages per session" (a limit of the connection, like IB605's "too many
  // recipients" in one message).
  IB510: "toomanyconn",
  IB605: "toomanyconn",
  // "… has sent to too many recipients this hour": a limit per hour, not per connection.
  IB607: "ratelimited",
  IB705: "virusdetected",
};
/** Orange (orange.fr, wanadoo.fr; "OFR…") and La Poste (laposte.net; "LPN…", "LPNAAA…") end their refusals
 * with a code whose last three digits name the cause ("OFR006_102", "LPN007_426", "OFR_416", "LPN416").
 * Meanings from Orange's postmaster page (postmaster.orange.fr) as catalogued by sisimai's FrancePTT table
 * (2026): 100–103 the sending IP listed (Abusix, Spamhaus, Cloudmark, Orange's own list), 104 too many
 * simultaneous connections, 107 no PTR record for the sending IP, 109 too many messages in one SMTP
 * connection, 20x an invalid HELO/EHLO name, 39x the sender domain's SPF record in error, 405 the sender
 * domain without A or MX records, 416 no such user, 417 mailbox over quota, 420 archived and 426 blocked
 * recipient accounts, 425 the sender domain blocklisted, 505 a system error, 506 suspected spam, 510 the
 * sending host refused, 515 and 517 DMARC failed, 519 the IP not allowed by the sender domain's SPF,
 * 99x rate limited after bad behaviour ("OFR_999": suspended for a while). The older codes (305, 401–403,
 * 415, 418, 421, 514, 630) as the replies that carry them say. Codes documented without a cause (105,
 * 108, 423, 424, 513: "Service refused, please try later") are absent: the words decide. */
export const francepttCodes: Readonly<Record<string, Reason>> = {
  "100": "blocked",
  "101": "blocked",
  "102": "blocked",
  "103": "blocked",
  // Simultaneous connections: sisimai 5 now files this under ratelimited; Poststelle keeps toomanyconn,
  // the reason its phrase tables give "too many connections".
  "104": "toomanyconn",
  "107": "requireptr",
  // Messages per SMTP connection: a limit of the connection, like too many recipients in one.
  "109": "toomanyconn",
  "305": "securityerror",
  // "550 5.5.0 SPF: … is not allowed to send mail. LPN004_401"
  "401": "authfailure",
  "402": "securityerror",
  "403": "rejected",
  "405": "rejected",
  "415": "rejected",
  "416": "userunknown",
  "417": "mailboxfull",
  "418": "userunknown",
  "420": "suspend",
  "421": "rejected",
  "425": "rejected",
  "426": "suspend",
  "505": "systemerror",
  "506": "spamdetected",
  "510": "blocked",
  "514": "mesgtoobig",
  "515": "authfailure",
  // "571 5.7.1 Message refused, DMARC verification Failed. … LPN007_517"
  "517": "authfailure",
  "519": "authfailure",
  "630": "policyviolation",
};
/** Orange's code families documented by their first two digits ("20x": 200–209). */
export const francepttFamilies: Readonly<Record<string, Reason>> = {
  "20": "blocked",
  "39": "authfailure",
  "99": "ratelimited",
};
export const spectrumCodes: Readonly<Record<string, Reason>> = {
  "1000": "blocked",
  "1010": "rejected",
  "1090": "systemerror",
  "1260": "networkerror",
  "1500": "rejected",
  "1520": "rejected",
  "1530": "mesgtoobig",
  "1540": "toomanyconn",
  "1550": "toomanyconn",
  "1560": "policyviolation",
  // "You've tried to send messages to too many recipients in a short period of time."
  "1580": "ratelimited",
};
export const iuaCodes: Readonly<Record<string, Reason>> = {
  "1": "norelaying",
  "2": "userunknown",
  "3": "suspend",
  "4": "mailboxfull",
  // "Letter sending limit is exceeded." (mail.i.ua/err/5): a limit on sending, not on connections.
  "5": "ratelimited",
  "6": "norelaying",
  "7": "blocked",
  "8": "rejected",
  "9": "blocked",
  "10": "filtered",
};
/** Outlook.com's postmaster troubleshooting codes, each with the reply code it comes with: RP- rate and
 * connection limits set by the sending IP's or domain's reputation, SC- and OU- refusals "for policy
 * reasons" (reputation, namespace mining, an open proxy, complaints, a Spamhaus listing), DY- dynamic or
 * compromised senders. */
export const outlookComCodes: Readonly<Record<string, readonly [string, Reason]>> = {
  "rp-001": ["421", "badreputation"],
  "rp-002": ["421", "badreputation"],
  "rp-003": ["421", "badreputation"],
  // "… since part of their network is on our block list": the reply names a listing (sisimai's table says
  // badreputation; the page gives reputation or spam-like content as possible causes).
  "sc-001": ["550", "blocked"],
  // "… has exhibited namespace mining behavior"
  "sc-002": ["550", "policyviolation"],
  // "Your IP address appears to be an open proxy/relay."
  "sc-003": ["550", "blocked"],
  // "A block has been placed against your IP address because we have received complaints"
  "sc-004": ["550", "blocked"],
  // "We generally do not accept email from dynamic IP's"
  "dy-001": ["550", "blocked"],
  // "The likely cause is a compromised or virus infected server/personal computer": the sending host is
  // refused (sisimai reads it as virusdetected; no message was found infected).
  "dy-002": ["550", "blocked"],
  "ou-001": ["550", "blocked"],
  "ou-002": ["550", "badreputation"],
};
