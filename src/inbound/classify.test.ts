import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyFiles } from "../cli/bounces.js";
import { type BounceReport, classifyBounce } from "./classify.js";
import { isHard } from "./reasons.js";
import { arf, bareDsn } from "./reports.testkit.js";

const dir = path.resolve(import.meta.dirname, "../../test/fixtures/bounces");
const labels: Record<string, { recipient: string; reason: string; hard: boolean }> = JSON.parse(
  fs.readFileSync(path.join(dir, "labels.json"), "utf8"),
);
const files = Object.keys(labels);
const read = (f: string) => fs.readFileSync(path.join(dir, f));

function labelled(report: BounceReport, recipient: string) {
  return report.recipients.find((r) => r.recipient.toLowerCase() === recipient.toLowerCase());
}

/** The same bytes with other line endings. */
function withEndings(buf: Buffer, ending: "\r\n" | "\r"): Buffer {
  return Buffer.from(buf.toString("latin1").replace(/\r?\n/g, ending), "latin1");
}

describe("fixtures", () => {
  it("has a label for every fixture file and a file for every label", () => {
    const onDisk = fs.readdirSync(dir).filter((f) => f.endsWith(".eml"));
    expect(onDisk.sort()).toEqual([...files].sort());
  });

  it.each(files)("classifies %s as labelled", (file) => {
    const want = labels[file];
    const got = labelled(classifyBounce(read(file)), want.recipient);
    expect(got, `recipient ${want.recipient}`).toBeDefined();
    expect({ reason: got?.reason, hard: got?.hard }).toEqual({ reason: want.reason, hard: want.hard });
  });

  it.each(files)("gives the same result for %s with LF, CRLF and CR-only line endings", (file) => {
    const lf = classifyBounce(read(file));
    const strip = (r: BounceReport) => JSON.stringify(r);
    expect(strip(classifyBounce(withEndings(read(file), "\r\n")))).toBe(strip(lf));
    expect(strip(classifyBounce(withEndings(read(file), "\r")))).toBe(strip(lf));
  });

  it("accepts a string as well as bytes", () => {
    const buf = read("gmail-nosuchuser.eml");
    expect(classifyBounce(buf.toString("utf8"))).toEqual(classifyBounce(buf));
  });
});

describe("what a report is", () => {
  it("reads a real Postfix DSN: status, diagnostic, remote MTA and the original's headers for matching", () => {
    const r = classifyBounce(read("postfix-remote-550-user-unknown.eml"));
    expect(r.kind).toBe("bounce");
    expect(r.recipients).toHaveLength(1);
    expect(r.recipients[0]).toMatchObject({
      recipient: "gone@remote.test",
      status: "5.1.1",
      action: "failed",
      remote_mta: "127.0.0.1",
    });
    expect(r.recipients[0].diagnostic).toMatch(/User unknown in virtual mailbox table/);
    expect(r.original).toMatchObject({
      message_id: "<fixture-3@poststelle.test>",
      envelope_id: "fixture-3",
      return_path: "bounce+fixture3@bounces.test",
      to: "gone@remote.test",
    });
    expect(r.original.x_headers?.["x-poststelle-message"]).toBe("msg_fixture_3");
  });

  it("tells bounces, delays, successes, receipts, complaints and auto-replies apart", () => {
    const kind = (f: string) => classifyBounce(read(f)).kind;
    expect(kind("rfc3464-c1-simple-dsn.eml")).toBe("bounce");
    expect(kind("rfc3464-c4-delayed.eml")).toBe("delay");
    expect(kind("postfix-relayed-success.eml")).toBe("relayed");
    expect(kind("rfc8098-mdn-displayed.eml")).toBe("mdn");
    expect(kind("rfc5965-arf-abuse.eml")).toBe("arf");
    expect(kind("autoreply-abwesenheitsnotiz.eml")).toBe("autoreply");
    expect(kind("exim-unrouteable-address.eml")).toBe("bounce");
  });

  it("knows an auto-reply by its subject in more languages, also in brackets", () => {
    const reply = (subject: string) =>
      classifyBounce(
        [
          "From: Anna Nowak <anna@example.pl>",
          "To: newsletter@example.org",
          `Subject: ${subject}`,
          "Precedence: junk",
          "",
          "Dziękuję za wiadomość. Odpowiem po powrocie.",
          "",
        ].join("\n"),
      ).kind;
    expect(reply("[Automatyczna =?iso-8859-2?Q?odpowied=BC?=] test")).toBe("autoreply");
    expect(reply("Resposta automática: Rezept")).toBe("autoreply");
    expect(reply("Automaattinen vastaus: Rezept")).toBe("autoreply");
    expect(reply("Automatická odpověď: Rezept")).toBe("autoreply");
    expect(reply("[Rezept] Termin morgen")).toBe("unknown");
  });

  it("never takes the envelope sender in Exim's 'after MAIL FROM:<…>' for a recipient", () => {
    const r = classifyBounce(read("exim-mail-from-verp-sender.eml"));
    expect(r.recipients.map((x) => x.recipient)).toEqual(["leserbrief@stadtanzeiger.example"]);
  });

  it("names only the recipients X-Failed-Recipients names, not the address one was expanded from", () => {
    const r = classifyBounce(read("exim-generated-from-failed-recipients.eml"));
    expect(r.recipients.map((x) => [x.recipient, x.reason])).toEqual([
      ["lena.franke@mail.example.net", "mailboxfull"],
    ]);
  });

  it("reads the server's quoted reply, not Sendmail's 'User unknown' for it, when the reply followed DATA", () => {
    // Pipelined: the server refused the recipient with SPF words, the reply arriving after ">>> DATA";
    // Sendmail then wrote its generic line for a refused RCPT (5.1.1 "User unknown").
    const notice = (reply: string) =>
      [
        "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>",
        "To: <newsletter@example.org>",
        "Subject: Returned mail: see transcript for details",
        "",
        "   ----- The following addresses had permanent fatal errors -----",
        "leser@example.com",
        `    (reason: ${reply})`,
        "",
        "   ----- Transcript of session follows -----",
        "... while talking to mx.example.com.:",
        ">>> DATA",
        `<<< ${reply}`,
        "550 5.1.1 leser@example.com... User unknown",
        "<<< 503 RCPT first (#5.5.1)",
        "",
      ].join("\n");
    const spf = classifyBounce(notice("553 Sender Policy Framework (SPF) fail")).recipients;
    expect(spf.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
      ["leser@example.com", "authfailure", false],
    ]);
    const full = classifyBounce(notice("552 Mailbox full")).recipients;
    expect(full.map((x) => [x.reason, x.hard])).toEqual([["mailboxfull", false]]);
    // Sendmail's "User unknown" line says the reply refused the RCPT, sent before DATA by pipelining (the
    // server's next reply says "no valid recipients"): a mailbox refused at RCPT, not a filter after DATA —
    // also when the report's fields name no step and the transcript is where the step is read.
    const reply = "550 5.7.1 <leser@example.com>: Recipient address rejected: User unknown";
    const report = [
      "From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>",
      "To: <newsletter@example.org>",
      "Subject: Returned mail: see transcript for details",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "   ----- Transcript of session follows -----",
      "... while talking to mx.example.com.:",
      ">>> DATA",
      `<<< ${reply}`,
      "550 5.1.1 <leser@example.com>... User unknown",
      "<<< 554 5.5.1 Error: no valid recipients",
      "--b",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; relay.example.net",
      "",
      "Final-Recipient: RFC822; leser@example.com",
      "Action: failed",
      "Status: 5.7.1",
      `Diagnostic-Code: SMTP; ${reply}`,
      "--b--",
      "",
    ].join("\n");
    const named = classifyBounce(report).recipients;
    expect(named.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
      ["leser@example.com", "userunknown", true],
    ]);
  });

  it("reads a notice written by the mail system as 'From: <>', with no subject and no report", () => {
    // An Exim filter's "fail" text, sent from the null reverse path (BounceParser's warning-5 sample).
    const notice = [
      "Return-Path: <>",
      "From: <>",
      "To: newsletter+abc@example.org",
      "Auto-Submitted: auto-replied",
      "",
      "You sent mail to sarah.muster@example.coop. That's not a valid user here.",
      "",
    ].join("\n");
    const r = classifyBounce(notice);
    expect(r.kind).toBe("bounce");
    expect(r.recipients.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
      ["sarah.muster@example.coop", "userunknown", true],
    ]);
    // A person's letter that merely names an address is still no report.
    const letter = notice
      .replace("From: <>", "From: Sarah <sarah@example.org>")
      .replace("Return-Path: <>", "");
    expect(classifyBounce(letter.replace("Auto-Submitted: auto-replied\n", "")).recipients).toEqual([]);
  });

  it("reads AOL's AIRmail notice: screen names below its sentence are addresses at its own domain", () => {
    const notice = [
      "Return-Path: <>",
      "from: Mail Delivery Subsystem <MAILER-DAEMON@aol.com>",
      "To: <newsletter@example.org>",
      "Subject: Mail Delivery Problem",
      "Mailer: AIRmail [v110.15]",
      "X-AOL-IP: 172.18.180.135",
      "",
      "",
      "Sorry newsletter@example.org. Your mail to the following recipients could not be delivered because they are not accepting mail with attachments or embedded images:",
      "\tErikaM123",
      "\tmax.muster",
      "",
    ].join("\n");
    for (const form of [notice, notice.replace(/\n/g, "\r\n"), notice.replace(/\n/g, "\r")]) {
      const r = classifyBounce(form).recipients;
      expect(r.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
        ["erikam123@aol.com", "filtered", false],
        ["max.muster@aol.com", "filtered", false],
      ]);
    }
    // Without the Mailer header it is some other notice: a bare word is never made an address.
    const other = classifyBounce(notice.replace("Mailer: AIRmail [v110.15]\n", "")).recipients;
    expect(other.map((x) => x.recipient)).not.toContain("erikam123@aol.com");
  });

  it("reads a notice whose human-readable part is labelled message/delivery-status as the prose it is", () => {
    // Cricket's SMS gateway labels both parts message/delivery-status; only the second holds fields.
    const report = [
      "From: Mail Administrator <Postmaster@sms.example.com>",
      "To: newsletter@example.org",
      "Subject: Mail System Error - Returned Mail",
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      "",
      "--b",
      "Content-Type: message/delivery-status;",
      "",
      "This Message was undeliverable due to the following reason:",
      "",
      "<kunde@sms.example.com> has restricted SMS e-mail",
      "",
      "--b",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mta.sms.example.com",
      "",
      "Final-Recipient: RFC822; <kunde@sms.example.com>",
      "Action: failed",
      "Status: 5.3.0",
      "--b--",
      "",
    ].join("\n");
    const r = classifyBounce(report).recipients;
    expect(r.map((x) => [x.recipient, x.reason, x.status])).toEqual([
      ["kunde@sms.example.com", "filtered", "5.3.0"],
    ]);
    expect(r[0].diagnostic).toContain("has restricted SMS e-mail");
  });

  it("takes a mail system's notice that names nobody for a bounce only when it says a delivery failed", () => {
    const notice = (subject: string, words: string) =>
      classifyBounce(
        [
          "From: Mail Delivery System <Mailer-Daemon@mx.example.org>",
          `Subject: ${subject}`,
          "",
          words,
          "",
        ].join("\n"),
      );
    const groupwise = notice(
      "Message status - undeliverable",
      "The message that you sent was undeliverable to the following:\n\tkundin (User account is expired)",
    );
    expect([groupwise.kind, groupwise.recipients, groupwise.notice_reason]).toEqual([
      "bounce",
      [],
      "suspend",
    ]);
    // Exim telling a local user about her own mailbox is no report about a message.
    const warning = notice("Your mailbox", "The size of your mailbox has exceeded a warning threshold.");
    expect([warning.kind, warning.notice]).toEqual(["unknown", undefined]);
  });

  it("never takes a quoted Message-ID for a recipient, even without a space after the colon", () => {
    const r = classifyBounce(read("notice-quoted-message-id-no-space.eml"));
    expect(r.recipients.map((x) => [x.recipient, x.reason])).toEqual([
      ["greta.lind@example.net", "userunknown"],
    ]);
    // A notice someone forwarded, every line quoted: its Message-Id is no recipient either.
    const forwarded = [
      "From: Praxis <praxis@example.org>",
      "To: it@example.org",
      "Subject: Fwd: Returned mail: see transcript for details",
      "",
      "Begin forwarded message:",
      "",
      "> From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>",
      "> To: <praxis@example.org>",
      "> Subject: Returned mail: see transcript for details",
      "> Message-Id: <200704060826.n888ba7x019999@mx.example.org>",
      ">",
      ">    ----- The following addresses had permanent fatal errors -----",
      "> <greta.lind@example.net>",
      ">     (reason: 550 5.1.1 Unknown user greta.lind@example.net)",
      "",
    ].join("\n");
    const r2 = classifyBounce(forwarded).recipients.map((x) => x.recipient);
    expect(r2).not.toContain("200704060826.n888ba7x019999@mx.example.org");
    expect(r2).toEqual(["greta.lind@example.net"]);
  });

  it("reads every recipient of a multi-recipient DSN with its own action", () => {
    const r = classifyBounce(read("rfc3464-c2-multi-recipient.eml"));
    expect(r.recipients.map((x) => [x.recipient, x.action, x.reason])).toEqual([
      ["arathib@vnet.ibm.com", "failed", "rejected"],
      // no Diagnostic-Code; the Status field's comment says why: "(hpnjld.njd.jp.com: host name lookup failure)"
      ["johnh@hpnjld.njd.hp.com", "delayed", "networkerror"],
      // "550 … is not a registered gateway user" with Status 5.0.0 and no command: filtered (decide.ts)
      ["wsnell@sdcc13.ucsd.edu", "failed", "filtered"],
    ]);
  });

  it("reads a report passed on inside a plain-text notice, unless the notice has words of its own", () => {
    const notice = classifyBounce(read("postfix-enclosed-in-plain-notice.eml"));
    expect(notice.recipients.map((x) => [x.recipient, x.reason, x.status])).toEqual([
      ["k.tanaka@isp-example.net", "userunknown", "5.1.1"],
    ]);
    expect(notice.original.message_id).toBe("<termin-20250317-0913.4411@praxis-example.de>");
    // A bounce of a bounce: qmail returns the first report inline; its own recipient is the one it names.
    const enclosed = read("postfix-enclosed-in-plain-notice.eml").toString("latin1").split("-----\n")[1];
    const qmail =
      "From: MAILER-DAEMON@mx.example.net\nTo: mailadm@isp-example.net\nSubject: failure notice\n\n" +
      "Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message " +
      "to the following addresses.\n\n<mailadm@isp-example.net>:\n192.0.2.9 does not like recipient.\n" +
      "Remote host said: 550 5.1.1 no such user\nGiving up on 192.0.2.9.\n\n" +
      `--- Below this line is a copy of the message.\n\n${enclosed}`;
    const r = classifyBounce(qmail);
    expect(r.recipients.map((x) => [x.recipient, x.reason])).toEqual([
      ["mailadm@isp-example.net", "userunknown"],
    ]);
  });

  it("returns the disposition of a read receipt and the feedback type of a complaint", () => {
    const mdn = classifyBounce(read("rfc8098-mdn-displayed.eml"));
    expect(mdn.disposition).toBe("displayed");
    expect(mdn.original.message_id).toBe("<199509192301.23456@example.org>");
    expect(classifyBounce(read("rfc5965-arf-abuse.eml")).feedback_type).toBe("abuse");
  });

  it("does not take an ordinary letter for a bounce", () => {
    const letter =
      "From: anna@example.com\nTo: praxis@example.org\nSubject: Termin\n\nHallo, passt Montag?\n";
    expect(classifyBounce(letter)).toMatchObject({ kind: "unknown", recipients: [] });
  });
});

describe("deciding the reason", () => {
  const dsn = bareDsn;
  const reasonOf = (status: string, diagnostic: string) =>
    classifyBounce(dsn(status, diagnostic)).recipients[0].reason;

  it("lets specific words decide over a class-generic status code (X.0.0, X.5.x, X.6.x, X.7.1)", () => {
    // The code says only where the fault lies; the words say what it was (sisimai 5 reads them first).
    expect(reasonOf("5.6.3", "554 5.6.3 Spam Body rejected (in reply to end of DATA command)")).toBe(
      "spamdetected",
    );
    expect(reasonOf("5.6.1", "554 5.6.1 Spam Header rejected")).toBe("spamdetected");
    expect(
      reasonOf("5.5.2", "552 5.5.2 Message size (content filter) (in reply to end of DATA command)"),
    ).toBe("mesgtoobig");
    const invalid = classifyBounce(
      dsn(
        "5.7.1",
        "550 5.7.1 <kunde@example.com>: Recipient address rejected: User email address is marked as invalid (in reply to RCPT TO command)",
      ),
    ).recipients[0];
    expect([invalid.reason, invalid.hard]).toEqual(["userunknown", true]);
    expect(reasonOf("5.0.0", "550 user is locked.")).toBe("suspend");
    expect(reasonOf("5.0.0", "550 Requested action not taken: Local user only")).toBe("norelaying");
    expect(reasonOf("4.0.0", "421 mx.example.org comcast 192.0.2.7 Too many sessions opened")).toBe(
      "toomanyconn",
    );
    const senderDomain = classifyBounce(
      dsn("5.0.0", "550 SND-VFY Sender domain does not exist (in reply to MAIL FROM command)"),
    ).recipients[0];
    expect([senderDomain.reason, senderDomain.hard]).toEqual(["rejected", false]);
    expect(reasonOf("5.0.0", "550 Domain does not exist (in reply to RCPT TO command)")).toBe("hostunknown");
    // A specific code still decides, and generic words do not move a generic code.
    expect(reasonOf("5.3.4", "552 5.3.4 Message size exceeds fixed limit")).toBe("mesgtoobig");
    expect(reasonOf("5.6.0", "554 5.6.0 Message contains invalid header")).toBe("contenterror");
    expect(reasonOf("5.7.1", "550 5.7.1 Sender address is invalid (in reply to RCPT TO command)")).not.toBe(
      "userunknown",
    );
  });

  it("reads a reason by its families of words where no phrase and no specific code decided", () => {
    // Real replies of session 12's unseen batches (portal.iridis.uk mailRelay codes, GMX, Mimecast,
    // everycloud, a Chinese provider's reply list, onesystems.ch) that no exact phrase covered.
    expect(reasonOf("5.0.0", "550 Relay Prohibited (in reply to RCPT TO command)")).toBe("norelaying");
    // The quota written with a hyphen (a reply Exim's tests quote in a delay warning).
    expect(reasonOf("4.0.0", "451 Over-quota")).toBe("mailboxfull");
    expect(reasonOf("5.2.1", "550 5.2.1 <kunde@example.com>... User is inactive")).toBe("suspend");
    expect(
      reasonOf(
        "5.0.0",
        "550 MSG-EXT Blacklisted high risk file extension detected (in reply to end of DATA command)",
      ),
    ).toBe("policyviolation");
    expect(
      reasonOf(
        "4.0.0",
        "451 HST-RTE Hourly send rate exceeded, retry later. (in reply to MAIL FROM command)",
      ),
    ).toBe("ratelimited");
    expect(
      reasonOf(
        "5.0.0",
        "550 MSG-RFC Your message does not conform to RFC2822 standard (in reply to end of DATA command)",
      ),
    ).toBe("notcompliantrfc");
    expect(reasonOf("5.5.4", "554 5.5.4 Spam IP rejected (in reply to RCPT TO command)")).toBe("blocked");
    expect(reasonOf("5.0.0", "553 private list access denied. (in reply to RCPT TO command)")).toBe(
      "rejected",
    );
    expect(reasonOf("5.0.0", "550 Rejected by header based Anti-Spoofing policy: a@example.net")).toBe(
      "policyviolation",
    );
    expect(reasonOf("4.0.0", "451 qq trouble in home directory")).toBe("systemerror");
    // At the greeting only the connecting host has been named (ASSP's refusal, with a list-expansion code).
    expect(
      reasonOf(
        "5.7.2",
        "host mx.example.net[192.0.2.25] refused to talk to me: 554 5.7.2 Service denied, closing transmission channel",
      ),
    ).toBe("blocked");
    // An address refused for its form at RCPT (Exim's default ACL) does not exist as written: hard.
    const chars = classifyBounce(
      dsn("5.0.0", "550 Restricted characters in address (in reply to RCPT TO command)"),
    ).recipients[0];
    expect([chars.reason, chars.hard]).toEqual(["userunknown", true]);
    // The families never overrule a specific code or phrase, nor read a host name as a word.
    expect(reasonOf("5.1.1", "550 5.1.1 User unknown; the account is disabled")).toBe("userunknown");
    expect(reasonOf("4.0.0", "450 4.0.0 Temporary failure")).toBe("onhold");
    expect(reasonOf("5.0.0", "554 Blacklisted IP 192.0.2.25 (in reply to end of DATA command)")).toBe(
      "blocked",
    );
    expect(
      reasonOf("5.0.0", "550 Message refused by relay.example.net (in reply to end of DATA command)"),
    ).not.toBe("norelaying");
    expect(reasonOf("5.7.1", "550 5.7.1 Sender rejected (in reply to MAIL FROM command)")).toBe("rejected");
  });

  it("reads a name service's failure by its words, and a status code the table does not know as generic", () => {
    // Exchange Online's 5.4.312 is in no table: its class and subject say only "network or routing".
    expect(reasonOf("5.4.312", "550 5.4.312 Message expired, DNS query failed")).toBe("networkerror");
    expect(reasonOf("5.0.0", "554 Host name lookup failure for mx.example.com")).toBe("networkerror");
    // The lookup was answered: the host or domain does not exist (hard).
    const absent = classifyBounce(dsn("5.0.0", "554 DNS lookup failure: host mx.example.com not found"))
      .recipients[0];
    expect([absent.reason, absent.hard]).toEqual(["hostunknown", true]);
    // Google Workspace reports a name server's NXDOMAIN with Status 4.0.0: an answer the reporter does not
    // hold final is the lookup's failure for now (networkerror, soft), whatever words say "not found".
    const nxdomain = "DNS Error: 1234 DNS type 'mx' lookup of example.org responded with code NXDOMAIN";
    const later = classifyBounce(dsn("4.0.0", `${nxdomain} Domain name not found: example.org`))
      .recipients[0];
    expect([later.reason, later.hard]).toEqual(["networkerror", false]);
    const lookupLater = classifyBounce(dsn("4.4.0", "451 4.4.0 DNS lookup: domain example.org not found"))
      .recipients[0];
    expect([lookupLater.reason, lookupLater.hard]).toEqual(["networkerror", false]);
    // The same answer with a permanent status is final; a temporary status alone makes no lookup.
    const final = classifyBounce(dsn("5.0.0", `${nxdomain} Domain name not found: example.org`))
      .recipients[0];
    expect([final.reason, final.hard]).toEqual(["hostunknown", true]);
    expect(reasonOf("4.0.0", "450 4.0.0 Domain name not found")).not.toBe("networkerror");
    // A code the table knows still decides over the words, and a name server alone is no failure.
    expect(reasonOf("5.1.1", "550 5.1.1 Recipient unknown (DNS lookup failed)")).toBe("userunknown");
    expect(reasonOf("5.0.0", "550 Message refused by the name server policy of example.org")).not.toBe(
      "networkerror",
    );
    // Postfix's dns_lookup says "Malformed or unexpected name server reply" for any lookup that failed
    // in no way it names (a null MX has words of its own: "does not accept mail (nullMX)"): the network's
    // trouble, soft. Only AOL's outbound relay is known to answer a null MX so (sisimai's AOL table).
    const malformed = "Name service error for name=a.b.c type=MX: Malformed or unexpected name server reply";
    const postfix = classifyBounce(dsn("5.4.4", malformed).replace("smtp; ", "X-Postfix; ")).recipients[0];
    expect([postfix.reason, postfix.hard]).toEqual(["networkerror", false]);
    const aol = dsn("5.4.4", malformed)
      .replace("smtp; ", "X-Outbound-Mail-Relay; ")
      .replace("Reporting-MTA: dns; mx.example.org", "Reporting-MTA: dns; omr-m01.mx.aol.com");
    expect(classifyBounce(aol).recipients[0]).toMatchObject({ reason: "notaccept", hard: true });
    const nullMx = classifyBounce(dsn("5.1.0", "Domain example.com does not accept mail (nullMX)"))
      .recipients[0];
    expect([nullMx.reason, nullMx.hard]).toEqual(["notaccept", true]);
  });

  it("reads Japanese words of an unknown user, and no other Japanese text as them", () => {
    // Domino in Japanese, its own directory lookup in an X-Notes field: "user … is not found in the
    // Domino directory".
    const domino = classifyBounce(
      dsn("5.0.0", "ユーザー Kunde (kunde@example.com) は Domino ディレクトリには見つかりません。").replace(
        "Diagnostic-Code: smtp;",
        "Diagnostic-Code: X-Notes;",
      ),
    ).recipients[0];
    expect([domino.reason, domino.hard]).toEqual(["userunknown", true]);
    // The same words as Japanese MTAs write them: ISO-2022-JP, 7-bit, in a delivery-status part that has
    // no charset parameter.
    const jis =
      "\u001b$B%f!<%6!<\u001b(B Kunde (kunde@example.com) \u001b$B$O\u001b(B Domino " +
      "\u001b$B%G%#%l%/%H%j$K$O8+$D$+$j$^$;$s!#\u001b(B";
    const inJis = classifyBounce(
      Buffer.from(dsn("5.0.0", jis).replace("Diagnostic-Code: smtp;", "Diagnostic-Code: X-Notes;"), "latin1"),
    ).recipients[0];
    expect([inJis.reason, inJis.hard, inJis.diagnostic]).toEqual([
      "userunknown",
      true,
      "ユーザー Kunde (kunde@example.com) は Domino ディレクトリには見つかりません。",
    ]);
    expect(reasonOf("5.0.0", "550 宛先のメールアドレスが存在しません (in reply to RCPT TO command)")).toBe(
      "userunknown",
    );
    // Any other Japanese of the same length is no such phrase (the phrase automaton shares one column
    // for every character beyond Latin-1): m-FILTER's notice quoting a subject "にゃーん".
    expect(
      reasonOf(
        "5.4.1",
        "550 5.4.1 All recipient addresses rejected : Access denied -------SMTP command DATA Subject: にゃーん",
      ),
    ).not.toBe("filtered");
  });

  it("reads Lotus Notes' reason on the lines above each address in its Failure Reasons section", () => {
    // Lotus Notes' notice (the layout sisimai's Notes module reads): the reason first, then the address.
    const notes = (reasons: string, charset = "us-ascii") =>
      [
        "From: postmaster@notes.example.co.jp",
        "To: shironeko@example.jp",
        "Date: Thu, 29 Apr 2009 12:34:50 +0900",
        "Subject: Undeliverable message",
        "MIME-Version: 1.0",
        `Content-Type: text/plain; charset=${charset}`,
        "",
        "------- Failure Reasons  --------",
        "",
        reasons,
        "",
        "------- Returned Message --------",
        "Message-ID: <000000000.0000000000000.notes@example.jp>",
        "From: shironeko@example.jp",
        "To: kijitora@notes.example.co.jp",
        "Subject: Nyaaan",
        "",
        "Nyaaan",
        "",
      ].join("\n");
    const read = (text: string, charset?: string) =>
      classifyBounce(notes(text, charset)).recipients.map((r) => [
        r.recipient,
        r.reason,
        r.hard,
        r.diagnostic,
      ]);
    expect(read("User not listed in public Name & Address Book\nkijitora@notes.example.co.jp")).toEqual([
      ["kijitora@notes.example.co.jp", "userunknown", true, "User not listed in public Name & Address Book"],
    ]);
    // Two recipients, each with its own reason above it.
    expect(
      read(
        "User not listed in public Name & Address Book\nkijitora@notes.example.co.jp\n" +
          "Message has exceeded maximum hop count\nmikeneko@notes.example.co.jp",
      ),
    ).toEqual([
      ["kijitora@notes.example.co.jp", "userunknown", true, "User not listed in public Name & Address Book"],
      ["mikeneko@notes.example.co.jp", "networkerror", false, "Message has exceeded maximum hop count"],
    ]);
    // In Japanese ("not in the directory's list"); an error that names no cause is on hold, not undefined.
    expect(read("ディレクトリのリストにありません\nkijitora@notes.example.co.jp", "utf-8")).toEqual([
      ["kijitora@notes.example.co.jp", "userunknown", true, "ディレクトリのリストにありません"],
    ]);
    expect(read("エラー(テストメッセージとしての)\nkijitora@notes.example.co.jp", "utf-8")).toEqual([
      ["kijitora@notes.example.co.jp", "onhold", false, "エラー(テストメッセージとしての)"],
    ]);
  });

  it("reads Gmail's notice by the remote server's reply, and its '(state N)' as the step it answered", () => {
    // Gmail's older notice (the layout of sisimai's Gmail module and its set-of-emails); the preamble's
    // "rejected by the recipient domain" is Gmail's, said of every failure.
    const gmail = (reply: string) =>
      [
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "To: shironeko@gmail.com",
        "X-Failed-Recipients: kijitora@example.co.jp",
        "Subject: Delivery Status Notification (Failure)",
        "Date: Sun, 03 Oct 2010 22:49:32 +0000",
        "Content-Type: text/plain; charset=ISO-8859-1",
        "",
        "Delivery to the following recipient failed permanently:",
        "",
        "     kijitora@example.co.jp",
        "",
        "Technical details of permanent failure:",
        "Google tried to deliver your message, but it was rejected by the recipient domain. We recommend",
        "contacting the other email provider for further information about the cause of this error. The",
        `error that the other server returned was: ${reply}`,
        "",
        "----- Original message -----",
        "",
        "Message-Id: <CBA48452-0888-4AAC-AA4E-0F54D382117F@gmail.com>",
        "From: shironeko@gmail.com",
        "To: kijitora@example.co.jp",
        "Subject: Nyaan",
        "",
      ].join("\n");
    const read = (reply: string) =>
      classifyBounce(gmail(reply)).recipients.map((r) => [r.reason, r.hard, r.diagnostic]);
    // State 14 is the recipient step: "User unknown" there is the address, hard.
    expect(read("550 550 <kijitora@example.co.jp>: User unknown (state 14).")).toEqual([
      ["userunknown", true, "550 550 <kijitora@example.co.jp>: User unknown (state 14)."],
    ]);
    // 17 and 18 are the message step: the same words after DATA are a filter's (soft).
    expect(read("550 550 Unknown user kijitora@example.co.jp (state 18).")).toEqual([
      ["filtered", false, "550 550 Unknown user kijitora@example.co.jp (state 18)."],
    ]);
    expect(read("550 550 <kijitora@example.co.jp> No such user here (state 17).")[0].slice(0, 2)).toEqual([
      "filtered",
      false,
    ]);
    // The code decides where it is specific, whatever the state; the preamble is not the evidence.
    expect(read("550 550 5.2.2 <kijitora@example.co.jp>... Mailbox Full (state 14).")[0].slice(0, 2)).toEqual(
      ["mailboxfull", false],
    );
    expect(read("550 550 5.7.1 <kijitora@example.co.jp>... Access denied (state 13).")[0][0]).toBe(
      "securityerror",
    );
    expect(read("500 Remote server does not support TLS (state 6).")[0][0]).not.toBe("rejected");
  });

  it("reads au's (EZweb) notices by their sentences above the address, and its spam filter's X-SPASIGN", () => {
    // au's "Mail System Error - Returned Mail" (the layout of sisimai's EZweb module): the sentence says
    // why, the address follows.
    const au = (body: string, extra: string[] = []) =>
      [
        "From: Postmaster@ezweb.ne.jp",
        "To: shironeko@example.jp",
        "Subject: Mail System Error - Returned Mail",
        "Date: Thu, 29 Apr 2010 12:00:00 +0900",
        "Message-ID: <20100429120000.AAA00001@ezweb.ne.jp>",
        ...extra,
        "Content-Type: text/plain; charset=us-ascii",
        "",
        body,
        "",
        "-".repeat(50),
        "Message-ID: <x@example.jp>",
        "From: shironeko@example.jp",
        "To: kijitora@ezweb.ne.jp",
        "Subject: nyaan",
        "",
        "nyaan",
        "",
      ].join("\n");
    const read = (body: string, extra?: string[]) =>
      classifyBounce(au(body, extra)).recipients.map((r) => [r.recipient, r.reason, r.hard]);
    expect(read("The user(s) account is temporarily limited.\n\n<kijitora@ezweb.ne.jp>")).toEqual([
      ["kijitora@ezweb.ne.jp", "suspend", false],
    ]);
    expect(
      read(
        "Your message was not delivered within 0 days and 1 hours.\nRemote host is not responding.\n\n<kijitora@ezweb.ne.jp>",
      ),
    ).toEqual([["kijitora@ezweb.ne.jp", "expired", false]]);
    expect(read("The user(s) account is disabled.\n\n<kijitora@ezweb.ne.jp>")).toEqual([
      ["kijitora@ezweb.ne.jp", "suspend", false],
    ]);
    // Returned by au's spam filter: filtered, whatever the sentence.
    expect(read("The user(s) account is disabled.\n\n<kijitora@ezweb.ne.jp>", ["X-SPASIGN: NG"])).toEqual([
      ["kijitora@ezweb.ne.jp", "filtered", false],
    ]);
  });

  it("reads X.2.3, a message too long for the mailbox, as mesgtoobig (sisimai 5's emailtoolarge)", () => {
    expect(reasonOf("5.2.3", "552 5.2.3 Message length exceeds limit set by recipient")).toBe("mesgtoobig");
    expect(reasonOf("4.2.3", "452 4.2.3 Over the limit for this mailbox")).toBe("mesgtoobig");
  });

  it("reads a gateway's logged HELO= field as no step of the session", () => {
    // IMail quoting a URIBL refusal of the message: spam in the message, not the connecting host refused
    // at HELO (main read "HELO=[…]" as the command and the blacklist words as the host's).
    expect(
      reasonOf(
        "5.0.0",
        "550-REJECTED - Blacklisted URL in message. (example.com) in [black]. 550-H=mail.example.net [192.0.2.11] HELO=[mail.example.net] 550 F=[a@example.net] T=[kunde@example.com]",
      ),
    ).toBe("spamdetected");
  });

  it("reads a content filter's spam or virus verdict after DATA in words no phrase list has", () => {
    expect(reasonOf("5.7.1", "554 5.7.1 Refused: the attachment carries a virus")).toBe("virusdetected");
    expect(reasonOf("5.7.1", "550 5.7.1 Our content filter judged this message as SPAM, sorry")).toBe(
      "spamdetected",
    );
    expect(
      reasonOf("5.0.0", "554 Malware in attachment; delivery refused (in reply to end of DATA command)"),
    ).toBe("virusdetected");
    // Before DATA the server has not seen the message: the words are about the sender.
    expect(
      reasonOf("5.7.1", "550 5.7.1 Too much SPAM from your network, go away (in reply to RCPT TO command)"),
    ).not.toBe("spamdetected");
    // A temporary reply is no verdict; a blocklist named for spam is the sending host's listing.
    expect(reasonOf("4.7.1", "451 4.7.1 Virus scanner unavailable, try again later")).not.toBe(
      "virusdetected",
    );
    expect(reasonOf("5.7.1", "554 5.7.1 Your server is a spam source listed at dnsbl.example.net")).not.toBe(
      "spamdetected",
    );
  });

  it("knows the phrases of sisimai 5's reason lists it was missing", () => {
    expect(
      reasonOf(
        "5.0.0",
        "550 Due to extended inactivity new mail is not currently being accepted for this mailbox. (in reply to end of DATA command)",
      ),
    ).toBe("filtered");
    expect(reasonOf("5.7.1", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized")).toBe("filtered");
    expect(reasonOf("5.0.0", "552 Mail file size exceeds the maximum size allowed for mail delivery")).toBe(
      "mailboxfull",
    );
  });

  it("reads terse gateway replies by their words (session 12's batch 4, fix half)", () => {
    expect(reasonOf("5.0.0", "552 message is too long. (in reply to end of DATA command)")).toBe(
      "mesgtoobig",
    );
    expect(reasonOf("5.0.0", "554 attachment is too long. (in reply to end of DATA command)")).toBe(
      "mesgtoobig",
    );
    expect(reasonOf("5.0.0", "553 host denies relay. (in reply to RCPT TO command)")).toBe("norelaying");
    expect(reasonOf("5.0.0", "552 looping message. (in reply to end of DATA command)")).toBe("networkerror");
    expect(
      reasonOf(
        "5.0.0",
        "550 <news@sender.test>: Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner (in reply to MAIL FROM command)",
      ),
    ).toBe("authfailure");
  });

  it("reads a refusal of the greeting as the sending host's, also in a delay notice (batch 5, fix half)", () => {
    const delayed = (diagnostic: string) =>
      classifyBounce(dsn("4.0.0", diagnostic).replace("Action: failed", "Action: delayed")).recipients[0]
        .reason;
    expect(delayed("421 Block temporarily (Sender Filtering/Authentication)")).toBe("expired");
    expect(
      delayed(
        "host ddei.example.net[192.0.2.25] refused to talk to me: 421 Block temporarily (Sender Filtering/Authentication)",
      ),
    ).toBe("blocked");
    // No reply at all: the time ran out.
    expect(delayed("connect to mx.example.net[192.0.2.25]:25: Connection timed out")).toBe("expired");
    expect(reasonOf("5.0.0", "553 private list access denied. (in reply to end of DATA command)")).toBe(
      "rejected",
    );
  });

  it("maps the status codes as sisimai 5's table does when the words say nothing more", () => {
    expect(reasonOf("4.2.1", "450 4.2.1 <kunde@example.com>: Recipient temporarily unavailable")).toBe(
      "suspend",
    );
  });

  it("lets specific words win over a generic status code", () => {
    expect(
      reasonOf("5.0.0", "550 Requested action not taken: mailbox unavailable (in reply to RCPT TO command)"),
    ).toBe("userunknown");
    expect(reasonOf("5.7.1", "554 5.7.1 <kunde@example.com>: Relay access denied")).toBe("norelaying");
    expect(
      reasonOf("5.7.1", "550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org"),
    ).toBe("blocked");
    expect(reasonOf("5.0.0", "552 Quota exceeded for this mailbox")).toBe("mailboxfull");
    // sisimai 5 lists a bare "message too large" under ExceedLimit and "message too large for this " under
    // MesgTooBig; a 5.3.4 says the size outright.
    expect(reasonOf("5.0.0", "550 Message too large")).toBe("exceedlimit");
    expect(reasonOf("5.0.0", "550 Message too large for this recipient")).toBe("mesgtoobig");
    expect(reasonOf("5.3.4", "552 5.3.4 Message too large")).toBe("mesgtoobig");
    expect(reasonOf("5.7.1", "552 5.7.1 virus Win.Test.EICAR_HDB-1 detected by Zoho Mail")).toBe(
      "virusdetected",
    );
    expect(reasonOf("5.0.0", "550 Blocked")).toBe("blocked");
    expect(reasonOf("5.0.0", "554 5.7.1 blocked.")).toBe("blocked");
    expect(reasonOf("5.0.0", "550 Blocked by the recipient's own filter rules")).not.toBe("blocked");
    expect(
      reasonOf(
        "5.0.0",
        "550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.",
      ),
    ).toBe("mailboxfull");
    expect(
      reasonOf("5.7.1", "550 5.7.1 Our system has detected that this message is likely unsolicited mail"),
    ).toBe("spamdetected");
    expect(reasonOf("5.7.1", "550 5.7.1 Client host rejected: cannot find your hostname")).toBe("requireptr");
    expect(reasonOf("5.0.0", "550 Mailbox disabled for this recipient")).toBe("suspend");
    expect(reasonOf("4.0.0", "451 Please try again slower")).toBe("speeding");
  });

  it("reads 'user unknown' quoted without its SMTP command and without a 5.1.x status as filtered", () => {
    // The open rule of decide.ts (isUnknownAfterAcceptance): refused after acceptance, not at RCPT.
    expect(reasonOf("5.0.0", "550 : User unknown")).toBe("filtered");
    expect(reasonOf("5.0.0", "550 Requested action not taken: mailbox unavailable")).toBe("filtered");
    expect(reasonOf("5.0.0", "550 Empfänger unbekannt")).toBe("filtered");
    expect(reasonOf("5.0.0", "The email account that you tried to reach does not exist.")).toBe("filtered");
    // … but a 5.1.1, an X.1.10 with those words, or the RCPT command say the mailbox does not exist.
    expect(reasonOf("5.1.1", "550 : User unknown")).toBe("userunknown");
    expect(reasonOf("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found")).toBe("userunknown");
    expect(reasonOf("5.0.0", "550 : User unknown (in reply to RCPT TO command)")).toBe("userunknown");
    const hard = classifyBounce(dsn("5.0.0", "550 : User unknown")).recipients[0].hard;
    expect(hard).toBe(false);
    // Exchange Online's own X.1.351 before the remote's reply: a reply naming the address as unknown says
    // the mailbox does not exist (hard); the remote's bare ": User unknown" stays filtered.
    const exo = "550 5.1.351 Remote server returned unknown recipient or mailbox unavailable -> 550";
    const named = classifyBounce(dsn("5.1.351", `${exo} Unknown user kunde@example.com`)).recipients[0];
    expect([named.reason, named.hard]).toEqual(["userunknown", true]);
    expect(reasonOf("5.1.351", `${exo} <kunde@example.com>: User unknown`)).toBe("userunknown");
    expect(reasonOf("5.1.351", `${exo} : User unknown`)).toBe("filtered");
    // A reply whose only words are an address and "Rejected" echoes RCPT TO's argument (Symantec Email
    // Security.cloud quoting "542 x@y Rejected"): the address itself was refused, as a bare refusal at RCPT.
    const echoed = classifyBounce(dsn("5.0.0", "542 kunde@example.com Rejected")).recipients[0];
    expect([echoed.reason, echoed.hard]).toEqual(["userunknown", true]);
    expect(reasonOf("5.0.0", "550 <kunde@example.com>: Recipient address rejected.")).toBe("userunknown");
    // Words after "rejected", a temporary reply or a specific code say more and decide.
    expect(reasonOf("5.0.0", "550 kunde@example.com rejected: spam content")).not.toBe("userunknown");
    expect(reasonOf("4.0.0", "450 kunde@example.com Rejected")).not.toBe("userunknown");
    // The envelope sender's address echoed is MAIL FROM refused, never a hard verdict on the recipient.
    expect(reasonOf("5.0.0", "553 <bounce@sender.example> Rejected")).not.toBe("userunknown");
    expect(reasonOf("5.2.2", "552 kunde@example.com Rejected")).toBe("mailboxfull");
    // A code the table knows, or one of another subject, is not the address's status.
    expect(reasonOf("5.7.1", "550 5.7.1 550 User Unknown: kunde@example.com")).toBe("filtered");
    expect(reasonOf("5.4.351", `${exo} Unknown user kunde@example.com`)).not.toBe("userunknown");
  });

  it("falls back to the status code when the words say nothing specific", () => {
    expect(reasonOf("5.1.1", "550 Rejected")).toBe("userunknown");
    expect(reasonOf("5.2.2", "552 Sorry")).toBe("mailboxfull");
    expect(reasonOf("5.7.26", "550 Rejected")).toBe("authfailure");
    expect(reasonOf("4.4.7", "Delivery failed")).toBe("expired");
    expect(reasonOf("5.4.4", "")).toBe("hostunknown");
    expect(reasonOf("5.7.1", "550 Rejected")).toBe("securityerror");
  });

  it("reads a multi-line reply quoted on one line as one sentence", () => {
    const gmail =
      "550-5.2.1 The user you are trying to contact is receiving mail at a rate that 550-5.2.1 prevents " +
      "additional messages from being delivered. For more 550-5.2.1 information, please visit 550 5.2.1 " +
      "https://support.google.com/mail/?p=ReceivingRatePerm - gsmtp";
    expect(reasonOf("5.2.1", gmail)).toBe("speeding");
  });

  it("tells a domain that does not exist from a mailbox that does not exist, also in German", () => {
    expect(reasonOf("5.0.0", "550 Domain does not exist.")).toBe("hostunknown");
    expect(reasonOf("5.0.0", "550 Die Domain existiert nicht")).toBe("hostunknown");
    const atRcpt = " (in reply to RCPT TO command)";
    expect(reasonOf("5.0.0", `550 Die E-Mail-Adresse existiert nicht${atRcpt}`)).toBe("userunknown");
    expect(reasonOf("5.0.0", `550 Empfänger unbekannt${atRcpt}`)).toBe("userunknown");
    expect(reasonOf("5.0.0", "552 Das Postfach ist voll")).toBe("mailboxfull");
    // Spanish and Italian servers say it in their own words.
    const es = "550 <x@example.com>: Destinatario desconocido o mailbox lleno";
    expect(reasonOf("5.0.0", `${es}${atRcpt}`)).toBe("userunknown");
    expect(reasonOf("5.0.0", `550 Utente sconosciuto${atRcpt}`)).toBe("userunknown");
  });

  it("judges hard and soft as sisimai does", () => {
    expect(isHard("userunknown", "4.1.1")).toBe(true);
    expect(isHard("hostunknown", undefined)).toBe(true);
    expect(isHard("hasmoved", "5.1.6")).toBe(true);
    expect(isHard("notaccept", "5.3.2")).toBe(true);
    expect(isHard("notaccept", "4.3.2")).toBe(false);
    for (const r of [
      "mailboxfull",
      "blocked",
      "spamdetected",
      "suspend",
      "expired",
      "vacation",
      "feedback",
    ] as const)
      expect(isHard(r, "5.0.0"), r).toBe(false);
  });
});

describe("Amazon SES notifications by mail", () => {
  const sns = (notification: object) =>
    [
      "From: AWS Notifications <no-reply@sns.amazonaws.com>",
      "To: bounces@praxis.example",
      "Subject: AWS Notification Message",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      JSON.stringify(notification),
      "",
      "--",
      "If you wish to stop receiving notifications from this topic, please click or visit the link below.",
      "",
    ].join("\r\n");
  const mail = {
    messageId: "0102017f-1111",
    source: "praxis@praxis.example",
    destination: ["a@example.com"],
  };

  it("reads a bounce, a complaint, a delivery and a delay", () => {
    const bounce = classifyBounce(
      sns({
        notificationType: "Bounce",
        mail,
        bounce: {
          bounceType: "Permanent",
          bounceSubType: "General",
          bouncedRecipients: [
            {
              emailAddress: "a@example.com",
              status: "5.1.1",
              diagnosticCode: "smtp; 550 5.1.1 user unknown",
            },
          ],
        },
      }),
    );
    expect(bounce.kind).toBe("bounce");
    expect(bounce.recipients[0]).toMatchObject({
      recipient: "a@example.com",
      reason: "userunknown",
      hard: true,
    });
    const full = classifyBounce(
      sns({
        eventType: "Bounce",
        mail,
        bounce: {
          bounceType: "Transient",
          bounceSubType: "MailboxFull",
          bouncedRecipients: [{ emailAddress: "b@example.com" }],
        },
      }),
    );
    expect(full.recipients[0]).toMatchObject({
      recipient: "b@example.com",
      reason: "mailboxfull",
      hard: false,
    });
    const complaint = classifyBounce(
      sns({
        notificationType: "Complaint",
        mail,
        complaint: { complainedRecipients: [{ emailAddress: "c@example.com" }] },
      }),
    );
    expect(complaint).toMatchObject({
      kind: "arf",
      recipients: [{ recipient: "c@example.com", reason: "feedback" }],
    });
    const delivery = classifyBounce(
      sns({
        notificationType: "Delivery",
        mail,
        delivery: { recipients: ["d@example.com"], smtpResponse: "250 2.6.0 Message received" },
      }),
    );
    expect(delivery).toMatchObject({
      kind: "delivered",
      recipients: [{ recipient: "d@example.com", reason: "delivered" }],
    });
    const delay = classifyBounce(
      sns({
        eventType: "DeliveryDelay",
        mail,
        deliveryDelay: {
          delayedRecipients: [
            { emailAddress: "e@example.com", status: "4.4.1", diagnosticCode: "smtp; 421 4.4.1 timed out" },
          ],
        },
      }),
    );
    expect(delay.kind).toBe("delay");
    expect(delay.recipients[0]).toMatchObject({ recipient: "e@example.com", hard: false, action: "delayed" });
  });

  it("reads the notification inside an SNS envelope, and ignores JSON that is no notification", () => {
    const inner = {
      notificationType: "Bounce",
      mail,
      bounce: {
        bounceType: "Permanent",
        bounceSubType: "NoEmail",
        bouncedRecipients: [{ emailAddress: "f@example.com" }],
      },
    };
    const wrapped = classifyBounce(sns({ Type: "Notification", Message: JSON.stringify(inner) }));
    expect(wrapped.recipients[0]).toMatchObject({
      recipient: "f@example.com",
      reason: "userunknown",
      hard: true,
    });
    expect(classifyBounce(sns({ hello: "world" })).kind).toBe("unknown");
  });
});

describe("garbage in", () => {
  const samples = files.map(read);

  it("never throws on truncated, bit-flipped or random input, and always answers in shape", () => {
    const shapeOk = (r: BounceReport) =>
      typeof r.kind === "string" &&
      Array.isArray(r.recipients) &&
      r.recipients.every(
        (x) => typeof x.recipient === "string" && typeof x.reason === "string" && typeof x.hard === "boolean",
      );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        (i, cut, flips) => {
          const buf = Buffer.from(samples[i].subarray(0, Math.floor(samples[i].length * cut)));
          for (const [at, byte] of flips) if (buf.length) buf[at % buf.length] = byte;
          return shapeOk(classifyBounce(buf));
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => shapeOk(classifyBounce(Buffer.from(bytes)))),
      { numRuns: 1000 },
    );
  });

  it("survives MIME that lies: endless nesting, missing boundaries, bad encodings", () => {
    const nested = `${'Content-Type: multipart/mixed; boundary="x"\n\n--x\n'.repeat(500)}text\n`;
    const broken =
      'Content-Type: multipart/report; boundary="never"\nContent-Transfer-Encoding: base64\n\n%%%%\n=?utf-8?B?!!!?=\n';
    for (const m of [nested, broken, "", "\n\n\n", ":", "From: a@b\n\n".repeat(10000)]) {
      expect(() => classifyBounce(m)).not.toThrow();
    }
  });

  it("finishes on a 50 MB message", () => {
    const head = read("postfix-remote-550-user-unknown.eml");
    const big = Buffer.concat([head, Buffer.alloc(50 * 1024 * 1024, "A")]);
    const r = classifyBounce(big);
    expect(r.recipients[0]?.reason).toBe("userunknown");
  });
});

describe("poststelle bounces classify", () => {
  it("prints one tab-separated line per recipient and goes on after unreadable files", () => {
    const out: string[] = [];
    const err: string[] = [];
    const failed = classifyFiles(
      [
        path.join(dir, "rfc3464-c2-multi-recipient.eml"),
        "/nonexistent/file.eml",
        path.join(dir, "qmail-no-mailbox.eml"),
      ],
      {},
      (l) => out.push(l),
      (l) => err.push(l),
    );
    expect(failed).toBe(1);
    expect(err[0]).toMatch(/\/nonexistent\/file\.eml: cannot read/);
    expect(out).toHaveLength(4);
    expect(out[0].split("\t")).toEqual([
      path.join(dir, "rfc3464-c2-multi-recipient.eml"),
      "arathib@vnet.ibm.com",
      "rejected",
      "soft",
      "5.0.0",
    ]);
    expect(out[3].split("\t").slice(1)).toEqual(["peter.wolf@example.net", "userunknown", "hard", "5.1.1"]);
  });

  it("reads every file under a directory, in name order, leaving out dot files and walking a looping link once", () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-classify-"));
    try {
      fs.mkdirSync(path.join(tree, "b-sub"));
      fs.copyFileSync(path.join(dir, "gmail-nosuchuser.eml"), path.join(tree, "a.eml"));
      fs.copyFileSync(path.join(dir, "qmail-no-mailbox.eml"), path.join(tree, "b-sub", "x.eml"));
      fs.copyFileSync(path.join(dir, "gmail-nosuchuser.eml"), path.join(tree, "c.eml"));
      fs.writeFileSync(path.join(tree, ".DS_Store"), "not a message");
      fs.symlinkSync(tree, path.join(tree, "b-sub", "loop"));
      const out: string[] = [];
      const err: string[] = [];
      const failed = classifyFiles(
        [tree],
        {},
        (l) => out.push(l),
        (l) => err.push(l),
      );
      expect(failed).toBe(0);
      expect(err).toEqual([]);
      expect(out.map((l) => l.split("\t").slice(0, 3))).toEqual([
        [path.join(tree, "a.eml"), "kunde.mueller@gmail.com", "userunknown"],
        [path.join(tree, "b-sub", "x.eml"), "peter.wolf@example.net", "userunknown"],
        [path.join(tree, "c.eml"), "kunde.mueller@gmail.com", "userunknown"],
      ]);
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });

  it("writes JSON lines with --json", () => {
    const out: string[] = [];
    classifyFiles(
      [path.join(dir, "gmail-nosuchuser.eml")],
      { json: true },
      (l) => out.push(l),
      () => {},
    );
    expect(JSON.parse(out[0])).toMatchObject({
      recipient: "kunde.mueller@gmail.com",
      reason: "userunknown",
      hard: true,
      status: "5.1.1",
    });
  });
});

describe("Exim's expanded addresses", () => {
  it("gives each original address of a DSN the words under the address it was expanded to", () => {
    const r = classifyBounce(read("exim-aliases-generated-from-dsn.eml"));
    expect(r.recipients.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
      ["anna.schmidt@verein.example", "hostunknown", true],
      ["bert.meier@verein.example", "mailboxfull", false],
    ]);
    expect(r.recipients[1].diagnostic).toContain("452 4.2.2 Mailbox full");
  });
});

describe("complaints (RFC 5965) and opt-outs", () => {
  const report = (recipient: string | null, alsoTo?: string[]) =>
    classifyBounce(
      arf({
        to: "fbl@bounces.localhost",
        recipient,
        alsoTo,
        originalMessageId: "<m1@example.org>",
        returnPath: "b+m1@bounces.localhost",
      }),
    );

  it("is one complaint per Original-Rcpt-To field (the field repeats, one per recipient)", () => {
    const r = report("kijitora@example.com", ["<sabatora@example.net>", "kijitora@example.com"]);
    expect(r.kind).toBe("arf");
    expect(r.recipients.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
      ["kijitora@example.com", "feedback", false],
      ["sabatora@example.net", "feedback", false],
    ]);
  });

  it("is still one complaint when the report names no recipient (redacted feedback loops)", () => {
    const r = report(null);
    expect(r.kind).toBe("arf");
    expect(r.feedback_type).toBe("abuse");
    expect(r.recipients).toHaveLength(1);
    expect(r.recipients[0]).toMatchObject({ recipient: "", reason: "feedback", hard: false });
    expect(r.original.message_id).toBe("<m1@example.org>");
  });

  it("reads Apple Mail's unsubscribe mail as an opt-out of its sender, not as an auto-reply", () => {
    const mail = [
      "From: erika@icloud.example",
      "To: opt-out-1234@news.example.org",
      "Subject: unsubscribe",
      "Message-ID: <A1@icloud.example>",
      "Auto-Submitted: auto-replied",
      "X-Apple-Unsubscribe: true",
      "Content-Type: text/plain; charset=UTF-8",
      "",
      "Apple Mail sent this email to unsubscribe from the message “Unser Angebot”.",
      "",
    ].join("\r\n");
    const r = classifyBounce(mail);
    expect(r.kind).toBe("arf");
    expect(r.feedback_type).toBe("opt-out");
    expect(r.recipients.map((x) => [x.recipient, x.reason, x.hard])).toEqual([
      ["erika@icloud.example", "feedback", false],
    ]);
    // Without the header it is what Auto-Submitted says: an automatic reply.
    expect(classifyBounce(mail.replace("X-Apple-Unsubscribe: true\r\n", "")).kind).toBe("autoreply");
  });
});
