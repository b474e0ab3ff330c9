import { describe, expect, it } from "vitest";
import { providerReason } from "./providers.js";

const ask = (text: string, more: { status?: string; replyCode?: string; hosts?: string[] } = {}) =>
  providerReason({ text: text.toLowerCase(), hosts: [], ...more });

describe("provider vocabularies", () => {
  it("reads providers' own error codes", () => {
    expect(ask("550 5.1.0 <a@b.example> sender rejected. AUP#CDRBL")).toBe("blocked");
    expect(ask("554 5.7.1 rejected. AUP#In-1260")).toBe("networkerror");
    expect(ask("554 Connection refused. This IP is listed on the Spamhaus Block List (SBL). IB104")).toBe(
      "blocked",
    );
  });

  it("reads Orange's and La Poste's codes by what their postmaster page says each means", () => {
    const refused =
      "421 mwinf5c77 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later.";
    // 99x: rate limited after bad behaviour (sisimai's older table said blocked).
    expect(ask(`${refused} OFR_999 [999]`)).toBe("ratelimited");
    expect(ask(`${refused} OFR004_990 [990]`)).toBe("ratelimited");
    // The same refusal with a code documented without a cause leaves the words to decide.
    expect(ask(`${refused} LPN001_108`)).toBeUndefined();
    expect(ask(`${refused} LPN105_423`)).toBeUndefined();
    expect(ask("421 4.2.1 Service refuse. Service refused, please try later. LPN006_107")).toBe("requireptr");
    expect(ask("421 4.2.1 Veuillez essayer plus tard. LPN003_109")).toBe("toomanyconn");
    expect(
      ask("421 mwinf5c79 ME Trop de connexions. Too many connections, slow down. OFR005_104 [104]"),
    ).toBe("toomanyconn");
    // The sending IP listed: Abusix (100), Spamhaus (101), Cloudmark (102), Orange itself (103).
    expect(ask("550 5.7.1 Service unavailable. OFR004_100 [100]")).toBe("blocked");
    expect(ask("550 5.7.1 Service unavailable; blocked using Spamhaus LPNAAA_101")).toBe("blocked");
    expect(ask("550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam. OFR006_102 Ref")).toBe(
      "blocked",
    );
    // 20x: an invalid HELO/EHLO name.
    expect(ask("421 mwinf5c10 ME Veuillez essayer plus tard. OFR004_201 [201]")).toBe("blocked");
    expect(ask("421 mwinf5c10 ME Veuillez essayer plus tard. OFR004_205 [205]")).toBe("blocked");
    // The sender's domain: 39x its SPF record in error, 401 and 519 the IP not allowed by it, 515 and
    // 517 DMARC failed, 405 no A or MX record, 425 on a blocklist.
    expect(ask("550 5.7.1 Emetteur invalide. Invalid Sender. OFR004_391 [391]")).toBe("authfailure");
    expect(ask("550 5.5.0 SPF: 192.0.2.1 is not allowed to send mail. LPN004_401")).toBe("authfailure");
    expect(ask("550 5.7.1 Emetteur invalide. Invalid Sender. OFR004_519 [519]")).toBe("authfailure");
    expect(ask("550 5.7.1 Message refuse, verification DMARC en echec. OFR004_515 [515]")).toBe(
      "authfailure",
    );
    expect(ask("571 5.7.1 Message refused, DMARC verification Failed. LPN007_517")).toBe("authfailure");
    expect(ask("501 5.1.0 Emetteur invalide. Invalid Sender. OFR004_405 [405]")).toBe("rejected");
    expect(ask("550 5.7.1 Emetteur invalide. Invalid Sender. OFR004_425 [425]")).toBe("rejected");
    // The recipient: no such user (416, also written bare "LPN416"), over quota, archived, blocked.
    expect(ask("550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. LPN416")).toBe(
      "userunknown",
    );
    expect(ask("550 5.1.1 Invalid recipient. OFR_416 [416]")).toBe("userunknown");
    expect(ask("552 5.1.1 Boite du destinataire pleine. Recipient overquota. OFR_417 [417]")).toBe(
      "mailboxfull",
    );
    expect(ask("550 5.5.0 Boite du destinataire archivee. Archived recipient. LPN007_420")).toBe("suspend");
    expect(ask("550 5.5.0 The recipient account is blocked. LPN007_426")).toBe("suspend");
    // The message: a system error, suspected spam.
    expect(ask("421 4.2.0 Service refuse. Service refused, please try later. OFR005_505 [505]")).toBe(
      "systemerror",
    );
    expect(ask("550 5.2.0 Mail rejete. Mail rejected. ofr_506 [506]")).toBe("spamdetected");
    // Letters and digits that only look like a code do not count.
    expect(ask("550 5.7.1 refused, see https://example.org/lpn416")).toBeUndefined();
    expect(ask("550 5.7.1 refused. OFR416")).toBeUndefined();
    expect(ask("550 5.7.1 refused. XOFR_999")).toBeUndefined();
  });

  it("reads Cox's, GoDaddy's, Spectrum's and I.UA's codes by what their error-code pages say", () => {
    // The sending host's reverse DNS.
    expect(
      ask("554 cox Connection refused - rejected - DNS check failure - try again later. AUP#CXDNS"),
    ).toBe("requireptr");
    expect(ask("421 Temporarily rejected. Reverse DNS for this IP failed. IB108")).toBe("requireptr");
    expect(ask("554 5.7.1 Your IP has an issue with the Domain Name System. AUP#In-1110")).toBe("requireptr");
    expect(ask("554 5.7.1 Rejected. AUP#In-1150")).toBe("requireptr");
    // The sender's domain failing SPF/DKIM; a From: header that breaks RFC 5322.
    expect(ask("550 5.1.0 <a@b.example> sender rejected. AUP#CXSNDR")).toBe("authfailure");
    expect(ask("550 a@b.example Blank From: addresses are not allowed. Provide a valid From. IB501")).toBe(
      "notcompliantrfc",
    );
    expect(ask("550 a@b.example IP addresses are not allowed as a From: Address. IB502")).toBe(
      "notcompliantrfc",
    );
    // Reputation, not a listing.
    expect(
      ask(
        "554 Connection refused. This IP has a poor reputation on Cloudmark Sender Intelligence (CSI). IB103",
      ),
    ).toBe("badreputation");
    // Limits over a period are rate limits; limits of one connection or one message stay toomanyconn.
    expect(ask("452 4.5.3 cox too many recipients. AUP#CXMXRT")).toBe("ratelimited");
    expect(ask("550 This IP has sent too many messages this hour. IB504")).toBe("ratelimited");
    expect(ask("421 Server temporarily unavailable. Try again later. IB101")).toBe("ratelimited");
    expect(ask("452 4.5.3 Too many recipients in a short period of time. AUP#In-1580")).toBe("ratelimited");
    expect(ask("550 Letter sending limit is exceeded. See http://mail.i.ua/err/5/")).toBe("ratelimited");
    expect(ask("421 cox too many sessions from 192.0.2.1 AUP#CXCNCT")).toBe("toomanyconn");
    expect(ask("550 This message has exceeded the max number of messages per session. IB510")).toBe(
      "toomanyconn",
    );
    expect(ask("452 This message contains too many recipients. IB605")).toBe("toomanyconn");
    expect(ask("550 5.7.1 Too many recipients in one message. AUP#In-1550")).toBe("toomanyconn");
  });

  it("reads Outlook.com's troubleshooting codes only right after their reply code", () => {
    const text = (code: string) =>
      `${code} (BAY004-MC1F57) Unfortunately, messages from 192.0.2.1 weren't sent.`;
    expect(ask(text("421 RP-001"))).toBe("badreputation");
    expect(ask(text("421 RP-003"))).toBe("badreputation");
    expect(ask(text("550 SC-001"))).toBe("blocked");
    expect(ask(text("550 SC-002"))).toBe("policyviolation");
    expect(ask(text("550 SC-003"))).toBe("blocked");
    expect(ask(text("550 SC-004"))).toBe("blocked");
    expect(ask(text("550 DY-001"))).toBe("blocked");
    expect(ask(text("550 DY-002"))).toBe("blocked");
    expect(ask(text("550 OU-001"))).toBe("blocked");
    expect(ask(text("550 OU-002"))).toBe("badreputation");
    expect(ask(text("550 RP-001"))).toBeUndefined();
    expect(ask(text("550 RP-009"))).toBeUndefined();
    expect(ask("550 5.7.1 see ticket SC-002 for details", { replyCode: "550" })).toBeUndefined();
  });

  it("reads Exchange Online's TLS, replication and per-period codes as Microsoft's NDR reference describes them", () => {
    const at = (status: string, text: string) => ask(`${status} ${text}`, { status });
    expect(at("4.7.323", "tlsa-invalid: The domain failed DANE validation")).toBe("failedstarttls");
    expect(at("5.7.322", "certificate-expired: Destination mail server's certificate is expired")).toBe(
      "failedstarttls",
    );
    expect(at("5.4.8", "MX hosts of example.com failed MTA-STS validation")).toBe("failedstarttls");
    expect(at("5.7.5", "Remote certificate failed MTA-STS validation. Reason: NameMismatch")).toBe(
      "failedstarttls",
    );
    expect(
      at(
        "5.7.515",
        "Access denied, sending domain EXAMPLE.JP doesn't meet the required authentication level",
      ),
    ).toBe("authfailure");
    expect(at("4.4.318", "Connection was closed abruptly (SuspiciousRemoteServerError)")).toBe("systemerror");
    expect(at("4.4.22", "Message failed to be replicated: no healthy peers found")).toBe("systemerror");
    expect(
      at(
        "4.4.4",
        "Mail received as unauthenticated, incoming to a recipient domain configured in a hosted tenant which has no mail-enabled subscriptions.",
      ),
    ).toBe("notaccept");
    expect(
      at(
        "5.1.90",
        "Your message can't be sent because you've reached your daily limit for message recipients",
      ),
    ).toBe("ratelimited");
    expect(at("5.2.2", "Submission quota exceeded")).toBe("ratelimited");
    expect(at("5.7.508", "Access denied, [2001:db8::1] has exceeded permitted limits within /64 range")).toBe(
      "ratelimited",
    );
    // Too many recipients in one message stays a limit of the message.
    expect(at("5.5.3", "Too many recipients")).toBe("toomanyconn");
  });

  it("reads Google's sender-requirement sentences by their cause, not by the rate limit they impose", () => {
    const at = (status: string, text: string) => ask(`${status} ${text}`, { status });
    expect(
      at(
        "4.7.27",
        "Your email has been rate limited because SPF authentication didn't pass for this message. Gmail requires all bulk email senders to authenticate their email with SPF.",
      ),
    ).toBe("authfailure");
    expect(
      at(
        "4.7.30",
        "Your email has been rate limited because DKIM authentication didn't pass for this message. Gmail requires all email bulk senders to authenticate their email with DKIM.",
      ),
    ).toBe("authfailure");
    expect(
      at(
        "5.7.32",
        "Your email was blocked because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain.",
      ),
    ).toBe("authfailure");
    expect(at("5.7.29", "Gmail requires all bulk email senders to use TLS/SSL for SMTP connections.")).toBe(
      "failedstarttls",
    );
    expect(at("4.7.0", "Connection expired, try reconnecting.")).toBe("expired");
    expect(
      at(
        "5.7.1",
        "Messages missing a valid address in the From: header, or having no From: header, are not accepted.",
      ),
    ).toBe("notcompliantrfc");
    expect(at("5.7.1", "Messages missing a valid Message-ID: header are not accepted.")).toBe(
      "notcompliantrfc",
    );
    expect(at("5.7.1", "The message contains a unicode character in a disallowed header.")).toBe(
      "notcompliantrfc",
    );
    expect(at("5.7.1", "Encoded-word syntax is not permitted in message header Subject.")).toBe(
      "notcompliantrfc",
    );
    expect(at("5.1.7", "The sender address <x@> is not a valid RFC 5321 address.")).toBe("notcompliantrfc");
    expect(at("5.4.5", "Daily SMTP relay limit exceeded for user.")).toBe("ratelimited");
  });

  it("reads Mimecast's further documented refusals with their reply codes", () => {
    const mc = (reply: string, text: string) => ask(`${reply} ${text}`, { replyCode: reply });
    expect(mc("451", "The incorrect hostname used for inbounds")).toBe("networkerror");
    expect(mc("550", "Submitter failed to authenticate")).toBe("securityerror");
    expect(mc("554", "Host network, not allowed")).toBe("policyviolation");
    expect(mc("550", "Journal messages past the expiration")).toBe("expired");
    expect(mc("421", "The incorrect hostname used for inbounds")).toBeUndefined();
  });

  it("takes a provider's sentence only together with the status code it comes with", () => {
    const banned = "550 5.7.606 Access denied, banned sending IP [192.0.2.1]";
    expect(ask(banned, { status: "5.7.606" })).toBe("blocked");
    expect(ask("550 Access denied, banned sending IP [192.0.2.1]", { status: "5.7.1" })).toBeUndefined();
    expect(
      ask("550 5.7.1 Access denied, banned sending IP [192.0.2.1]", { status: "5.7.1" }),
    ).toBeUndefined();
    // A gateway's own code around the provider's reply: the code quoted beside the sentence decides.
    expect(ask(banned, { status: "5.0.0" })).toBe("blocked");
    expect(
      ask(`5.1.0 - Unknown address error 550-'5.4.1 Recipient address rejected: Access denied'`, {
        status: "5.1.0",
      }),
    ).toBe("userunknown");
    expect(ask("Message expired", { status: "5.4.7" })).toBe("expired");
  });

  it("trusts a common sentence only from the provider that says it", () => {
    expect(ask("550 recipient rejected", { hosts: ["cox.net"] })).toBe("userunknown");
    expect(ask("550 recipient rejected", { hosts: ["example.org"] })).toBeUndefined();
    // Cox's page: a failing reverse DNS check, its systems unable to accept mail for now, a rate limit.
    const cox = ["cxr.mx.a.cox.net"];
    expect(ask("421 cox DNS Check failure - try again later", { hosts: cox })).toBe("requireptr");
    expect(ask("421 cox ESMTP server temporarily not available", { hosts: cox })).toBe("systemerror");
    expect(ask("451 cox Requested action aborted: try again later", { hosts: cox })).toBe("ratelimited");
    expect(ask("451 Requested action aborted: try again later", { hosts: ["example.org"] })).toBeUndefined();
    expect(
      ask("451 4.0.0 Upstream error, please try again later", { hosts: ["route1.mx.cloudflare.net"] }),
    ).toBe("systemerror");
    expect(
      ask("451 4.0.0 Upstream error, please try again later", { hosts: ["mx.example.org"] }),
    ).toBeUndefined();
  });

  it("gives the newer reasons where the old tables predate them", () => {
    const dmarc = "550 5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy";
    expect(ask(dmarc, { status: "5.7.26" })).toBe("authfailure");
  });
});

describe("mailbox providers' own sentences", () => {
  it("reads KDDI's au naming the address as an unknown mailbox, and only au", () => {
    const named = "550 <hanako@ezweb.ne.jp>: User unknown";
    expect(ask(named, { hosts: ["lsean.ezweb.ne.jp"] })).toBe("userunknown");
    expect(ask("550 : User unknown", { hosts: ["lsean.ezweb.ne.jp"] })).toBeUndefined();
    expect(ask(named.replace("ezweb.ne.jp", "example.jp"), { hosts: ["mx.example.jp"] })).toBeUndefined();
  });

  it("reads Yahoo's, Apple's and AOL's sentences when their hosts said them", () => {
    const yahoo = "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume";
    expect(ask(`${yahoo} or user complaints`, { hosts: ["mta7.am0.yahoodns.net"] })).toBe("badreputation");
    expect(ask("550 5.1.1 <a@icloud.com>: inactive email address", { hosts: ["icloud.com"] })).toBe(
      "userunknown",
    );
    expect(
      ask("550 5.1.1 <a@example.org>: inactive email address", { hosts: ["example.org"] }),
    ).toBeUndefined();
  });

  it("reads Zoho's and Symantec Email Security.cloud's (MessageLabs) refusals when their hosts said them", () => {
    const zoho = "554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.";
    expect(ask(zoho, { hosts: ["smtpin.zoho.com"] })).toBe("rejected");
    expect(ask("452 4.3.1 Temporary System Error", { hosts: ["mx.zoho.eu"] })).toBe("systemerror");
    expect(ask(zoho, { hosts: ["mx.example.org"] })).toBeUndefined();
    // MessageLabs reporting: its "No such user" with no SMTP step is the recipient that does not exist.
    const labs = ["server-0.bemta-0.messagelabs.com"];
    expect(ask("550 kunde@example.com... No such user", { hosts: labs })).toBe("userunknown");
    expect(
      ask(
        "550-Please turn on SMTP Authentication in your mail client. 550 mx is not permitted to relay through this server without authentication.",
        { hosts: labs },
      ),
    ).toBe("securityerror");
    expect(ask("553 Sorry, your email address has been blacklisted", { hosts: labs })).toBe("rejected");
    expect(ask("550 Requested action aborted [4]", { hosts: labs })).toBe("notcompliantrfc");
    expect(ask("550 Requested action aborted [4]", { hosts: ["mx.example.com"] })).toBeUndefined();
    expect(ask("550 kunde@example.com... No such user", { hosts: ["mx.example.com"] })).toBeUndefined();
  });
});
