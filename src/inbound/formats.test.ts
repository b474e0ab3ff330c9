// How the classifier reads the layouts of MTAs' notices: where the recipient and the words about it are.
// Each case pins one layout (fixtures in test/fixtures/bounces, written here in the MTA's documented shape).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type BounceReport, classifyBounce } from "./classify.js";
import { bareDsn } from "./reports.testkit.js";

const dir = path.resolve(import.meta.dirname, "../../test/fixtures/bounces");
const read = (f: string) => fs.readFileSync(path.join(dir, f));

/** recipient → "reason/hard|soft" */
function verdicts(r: BounceReport): Record<string, string> {
  return Object.fromEntries(
    r.recipients.map((x) => [x.recipient, `${x.reason}/${x.hard ? "hard" : "soft"}`]),
  );
}

describe("RFC 3464 fields", () => {
  it("reads a comment after the status code as the words when no Diagnostic-Code says anything", () => {
    // RFC 3464's own example C.2: "Status: 4.0.0 (hpnjld.njd.jp.com: host name lookup failure)".
    const r = classifyBounce(read("rfc3464-c2-multi-recipient.eml"));
    const delayed = r.recipients.find((x) => x.recipient === "johnh@hpnjld.njd.hp.com");
    expect(delayed).toMatchObject({ reason: "networkerror", action: "delayed", status: "4.0.0" });
    expect(delayed?.diagnostic).toBe("hpnjld.njd.jp.com: host name lookup failure");
    // A comment that only names the class ("5.0.0 (permanent failure)") is no words; the Diagnostic-Code decides.
    const failed = r.recipients.find((x) => x.recipient === "arathib@vnet.ibm.com");
    expect(failed?.diagnostic).toMatch(/^550 'arathib@vnet\.IBM\.COM' is not a registered gateway user/);
    expect(classifyBounce(bareDsn("5.0.0 (permanent failure)")).recipients[0].diagnostic).toBe("");
    expect(classifyBounce(bareDsn("5.1.1 (mailbox unknown)")).recipients[0]).toMatchObject({
      reason: "userunknown",
      diagnostic: "mailbox unknown",
    });
  });
});

describe("notices that name the recipient only elsewhere", () => {
  it("reads an SES notification whose long line a relaying Sendmail cut with '!' and a space", () => {
    const raw = read("amazonses-sns-sendmail-folded.eml").toString("latin1");
    expect(raw).toMatch(/!\n /);
    const r = classifyBounce(raw);
    expect(r.kind).toBe("bounce");
    expect(verdicts(r)).toEqual({ "lena.brandt@example.net": "userunknown/hard" });
    expect(r.recipients[0].status).toBe("5.1.1");
  });

  it("takes the returned message's one To when the notice names only the host it talked to", () => {
    const r = classifyBounce(read("sendmail-v5-deferred-no-address.eml"));
    expect(r.kind).toBe("bounce");
    expect(verdicts(r)).toEqual({ "empfang@praxis-nord.example": "expired/soft" });
    expect(r.recipients[0].diagnostic).toMatch(
      /^----- Transcript of session follows ----- 421 mx\.praxis-nord/,
    );
    // Sent to two: the notice does not say which one failed, so it names nobody.
    const two = read("sendmail-v5-deferred-no-address.eml")
      .toString("latin1")
      .replace(
        "To: empfang@praxis-nord.example",
        "To: empfang@praxis-nord.example, labor@praxis-nord.example",
      );
    expect(classifyBounce(two).recipients).toEqual([]);
    // Without a reply code the notice says nothing about a delivery: no recipient from the returned message.
    const silent = read("sendmail-v5-deferred-no-address.eml").toString("latin1").replace(/^421 /m, "");
    expect(classifyBounce(silent).recipients).toEqual([]);
  });

  it("takes a role address (postmaster@) for the recipient when the notice names no one else", () => {
    const r = classifyBounce(read("dma-role-recipient-rcpt.eml"));
    expect(verdicts(r)).toEqual({ "postmaster@praxis-sued.example": "userunknown/hard" });
    // Beside another address, a postmaster is still the one to contact, not the recipient.
    const other = read("dma-role-recipient-rcpt.eml")
      .toString("latin1")
      .replace(
        "Message headers follow.",
        "<anna.berg@praxis-sued.example>: 550 5.1.1 User unknown\n\nMessage headers follow.",
      );
    expect(Object.keys(verdicts(classifyBounce(other)))).toEqual(["anna.berg@praxis-sued.example"]);
    // The reporting system's own postmaster, named for help, is not the recipient: the returned message's To is.
    const contact = [
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
      "To: praxis@hausarzt-beispiel.de",
      "Subject: Undelivered Mail Returned to Sender",
      "",
      "Your message could not be delivered.",
      "550 5.1.1 Recipient unknown",
      "For help, please contact postmaster@example.net.",
      "",
      "--- Below this line is a copy of the message.",
      "",
      "From: praxis@hausarzt-beispiel.de",
      "To: k.weiss@example.net",
      "Subject: Termin",
      "",
      "Guten Tag.",
      "",
    ].join("\n");
    expect(Object.keys(verdicts(classifyBounce(contact)))).toEqual(["k.weiss@example.net"]);
  });
});

describe("notices that say why only in the report they return", () => {
  const fixture = () => read("interscan-returned-report.eml").toString("latin1");

  it("reads the returned report's words about the same address when the notice says nothing", () => {
    const r = classifyBounce(fixture());
    expect(r.kind).toBe("bounce");
    expect(verdicts(r)).toEqual({ "leser.0815@web-mail.example": "userunknown/hard" });
    expect(r.recipients[0]).toMatchObject({ status: "5.1.1", action: "failed" });
    expect(r.recipients[0].diagnostic).toMatch(
      /^>>> RCPT To:<leser\.0815@web-mail\.example> 550 5\.1\.1 <leser\.0815@web-mail\.example>\.\.\. User unknown/,
    );
    // The original is still the message the notice returns.
    expect(r.original.message_id).toBe("<weiterleitung-0815@stadtbuecherei.example>");
  });

  it("takes nothing from a returned report about another address, or from a returned message that is no report", () => {
    const other = fixture().replaceAll("leser.0815@web-mail.example>...", "leser.0816@web-mail.example>...");
    expect(verdicts(classifyBounce(other))).toEqual({ "leser.0815@web-mail.example": "onhold/soft" });
    const plain = fixture()
      .replace(/The original message was received[\s\S]*?User unknown\n550 5\.1\.1 [^\n]*\n/, "Guten Tag.\n")
      .replace("Subject: Ihre Nachricht an", "Subject: Erinnerung an");
    expect(plain).not.toMatch(/User unknown/);
    expect(verdicts(classifyBounce(plain))).toEqual({ "leser.0815@web-mail.example": "onhold/soft" });
    // A returned message whose words about the address carry no status code (a mailing that says "delivery
    // failed" and names its recipient) is not taken for a report about it.
    const uncoded = fixture()
      .replace(/^(?:<<< )?550 5\.1\.1 /gm, "")
      .replace(" (reason: 550 5.1.1 User unknown)", "");
    expect(uncoded).not.toMatch(/5\.1\.1/);
    expect(verdicts(classifyBounce(uncoded))).toEqual({ "leser.0815@web-mail.example": "onhold/soft" });
  });

  it("keeps the notice's own words when they say why", () => {
    // "… Please check if address is correct." is InterScan's unknown-address wording; the returned report's
    // words about another reason are not read then.
    const own = fixture()
      .replace(
        "(and other recipients in the same domain).",
        "(and other recipients in the same domain). Please check if address is correct.",
      )
      .replaceAll("550 5.1.1", "552 5.2.2")
      .replaceAll("User unknown", "Mailbox full");
    const r = classifyBounce(own);
    expect(verdicts(r)).toEqual({ "leser.0815@web-mail.example": "userunknown/hard" });
    expect(r.recipients[0].diagnostic).toMatch(/^Reason: Unable to deliver message to/);
  });
});

describe("Sendmail", () => {
  it("reads each recipient from Sendmail's own error line in the transcript, with the exchange before it", () => {
    const r = classifyBounce(read("sendmail-transcript-error-lines.eml"));
    expect(verdicts(r)).toEqual({
      "anmeldung@praxis-ost.example": "hostunknown/hard",
      "labor@praxis-west.example": "norelaying/soft",
      "empfang@praxis-nord.example": "userunknown/hard",
    });
    const words = Object.fromEntries(r.recipients.map((x) => [x.recipient, x.diagnostic]));
    expect(words["labor@praxis-west.example"]).toBe(
      ">>> MAIL From:<praxis@hausarzt-beispiel.de> 550 Insecure Mail Relay 554 <labor@praxis-west.example>... Remote protocol error",
    );
    expect(words["anmeldung@praxis-ost.example"]).toMatch(
      /550 Host unknown \(Authoritative answer from name server\)$/,
    );
  });

  it("reads the error line about a program an address was expanded to as that address's words", () => {
    const r = classifyBounce(read("sendmail-pipe-expanded-from.eml"));
    expect(verdicts(r)).toEqual({ "kassenwart@mail.verein.example": "mailererror/soft" });
    expect(r.recipients[0].diagnostic).toBe(
      '554 5.3.0 "|/usr/bin/procmail -f- -a kassenwart"... Service unavailable',
    );
    // Without the DSN part, the "(expanded from: <address>)" line names the recipient of that error line.
    const text = read("sendmail-pipe-expanded-from.eml")
      .toString("latin1")
      .replace(
        /Content-Type: message\/delivery-status[\s\S]*?(?=--2AO7u3kP004417[^\n]*\nContent-Type: message\/rfc822)/,
        "\n",
      );
    expect(text).not.toMatch(/Final-Recipient/);
    const t = classifyBounce(text);
    expect(t.recipients.map((x) => [x.recipient, x.diagnostic])).toEqual([
      [
        "kassenwart@verein.example",
        '554 5.3.0 "|/usr/bin/procmail -f- -a kassenwart"... Service unavailable',
      ],
    ]);
  });

  it("keeps a local delivery agent's words in the transcript with the error line that follows them", () => {
    const r = classifyBounce(read("sendmail-mail-local-unknown-user.eml"));
    expect(r.recipients[0].diagnostic).toBe(
      "mail.local: unknown user: schriftfuehrer 554 5.3.0 <schriftfuehrer@verein.example>... Service unavailable",
    );
    expect(verdicts(r)).toEqual({ "schriftfuehrer@verein.example": "userunknown/hard" });
  });

  it("reads an error line only inside the transcript, not a quoted reply in another notice's prose", () => {
    const notice = [
      "From: MAILER-DAEMON@mx.example.org",
      "To: praxis@hausarzt-beispiel.de",
      "Subject: failure notice",
      "",
      "Sorry, we were unable to deliver your message to the following address.",
      "",
      "<kunde@example.com>:",
      "Remote host said: 550 5.2.2 <kunde@example.com>... Mailbox Full",
      "[RCPT_TO]",
      "",
    ].join("\n");
    const r = classifyBounce(notice);
    expect(r.recipients).toHaveLength(1);
    expect(r.recipients[0].diagnostic).toMatch(/^Remote host said: .* \[RCPT_TO\]$/);
  });
});

describe("Exim", () => {
  it("reads the lines under a failed local part that only X-Failed-Recipients names in full", () => {
    // "  lukas.hahn" / "    SMTP error from remote mail server after MAIL FROM:<…>:" / "    host …: 550 5.7.1 …"
    const r = classifyBounce(read("exim-bare-local-part.eml"));
    expect(r.recipients).toHaveLength(1);
    expect(r.recipients[0]).toMatchObject({
      recipient: "lukas.hahn@example.net",
      reason: "blocked",
      status: "5.7.1",
    });
    expect(r.recipients[0].diagnostic).toBe(
      "SMTP error from remote mail server after MAIL FROM:<praxis@example.org> SIZE=2210: host mx.example.net [192.0.2.77]: 550 5.7.1 <praxis@example.org>... Please use the smtp server of your ISP.",
    );
  });
});

describe("Exim's notice about a malformed address", () => {
  it("reads the address as written, display part and all, as one recipient named by its first address", () => {
    // "  m.keller@example.net <monika.keller@example.org>: malformed address: <…> may not follow m.keller@…"
    const r = classifyBounce(read("exim-malformed-address.eml"));
    expect(verdicts(r)).toEqual({ "m.keller@example.net": "syntaxerror/soft" });
    expect(r.recipients[0].diagnostic).toMatch(
      /malformed address: monika\.keller@example\.org may not follow/,
    );
  });
});

describe("mbox files", () => {
  it("reads every message of an mbox file, each after its 'From ' line and an empty line", () => {
    const r = classifyBounce(read("mbox-two-postfix-bounces.eml"));
    expect(r.kind).toBe("bounce");
    expect(verdicts(r)).toEqual({
      "m.keller@example.net": "userunknown/hard",
      "j.otto@example.org": "mailboxfull/soft",
    });
    // The first message's original is the report's.
    expect(r.original.message_id).toBe("<erinnerung-17@hausarzt-beispiel.de>");
  });

  it("does not split at a 'From ' line that is no mbox separator", () => {
    const mbox = read("mbox-two-postfix-bounces.eml").toString("latin1");
    const second = mbox.indexOf("\nFrom MAILER-DAEMON", 10) + 1;
    // Not after the closing boundary and an empty line, or without the date in ctime's form: the first message's text.
    for (const changed of [
      `${mbox.slice(0, second - 1)}x\n${mbox.slice(second)}`,
      mbox.replace("From MAILER-DAEMON  Tue Nov 17 08:14:15 2026", "From MAILER-DAEMON on Tuesday"),
    ]) {
      expect(Object.keys(verdicts(classifyBounce(changed)))).toEqual(["m.keller@example.net"]);
    }
  });

  it("reads at most 20 messages of an mbox file", () => {
    // 15 copies of the file: 30 messages, m.keller's and j.otto<i>'s bounces in turn.
    const one = read("mbox-two-postfix-bounces.eml").toString("latin1");
    const many = Array.from({ length: 15 }, (_, i) => one.replaceAll("j.otto@", `j.otto${i}@`)).join("\n");
    const got = classifyBounce(many).recipients.map((x) => x.recipient);
    // The first 20 messages: m.keller (the same verdict ten times, once) and j.otto0 … j.otto9.
    expect(got).toEqual([
      "m.keller@example.net",
      ...Array.from({ length: 10 }, (_, i) => `j.otto${i}@example.org`),
    ]);
  });

  it("reads a 'From ' line right after a closing boundary line, no empty line between, as the next message", () => {
    const mbox = read("mbox-two-postfix-bounces.eml").toString("latin1");
    const joined = mbox.replace("--\n\nFrom MAILER-DAEMON", "--\nFrom MAILER-DAEMON");
    expect(joined).not.toBe(mbox);
    expect(verdicts(classifyBounce(joined))).toEqual({
      "m.keller@example.net": "userunknown/hard",
      "j.otto@example.org": "mailboxfull/soft",
    });
  });

  it("counts each notice about the same recipient once, and a copy of a notice not again", () => {
    const two = read("mbox-same-recipient-no-blank-line.eml");
    const got = classifyBounce(two).recipients;
    expect(got.map((x) => `${x.recipient} ${x.reason}`)).toEqual([
      "m.keller@example.net userunknown",
      "m.keller@example.net userunknown",
    ]);
    // The second message with the first one's Message-ID is a copy of it: the failure is counted once.
    const copy = two
      .toString("latin1")
      .replace(
        "<20261124081340.B7F01C2D55@mail.hausarzt-beispiel.de>",
        "<20261117081332.4C1D22E0A7@mail.hausarzt-beispiel.de>",
      );
    expect(classifyBounce(copy).recipients.map((x) => x.recipient)).toEqual(["m.keller@example.net"]);
  });

  it("takes no 'From ' line inside a message for the next one: a returned original in mbox form", () => {
    const mbox = read("mbox-two-postfix-bounces.eml").toString("latin1");
    const second = mbox.indexOf("\nFrom MAILER-DAEMON", 10) + 1;
    // A qmail notice (no MIME) that returns a bounce it received, mbox line and all.
    const qmail = [
      "From: MAILER-DAEMON@mx.example.org",
      "To: praxis@hausarzt-beispiel.de",
      "Subject: failure notice",
      "",
      "Hi. This is the qmail-send program at mx.example.org.",
      "",
      "<r.lang@example.org>:",
      "Sorry, no mailbox here by that name. (#5.1.1)",
      "",
      "--- Below this line is a copy of the message.",
      "",
      mbox.slice(second),
    ].join("\n");
    expect(verdicts(classifyBounce(qmail))).toEqual({ "r.lang@example.org": "userunknown/hard" });
  });
});

describe("fml mailing-list notices", () => {
  it("reads the list's address and the kind of notice from an fml notice that has no DSN and no reply code", () => {
    expect(verdicts(classifyBounce(read("fml-not-member.eml")))).toEqual({
      "kreis@aerzteverbund-beispiel.de": "rejected/soft",
    });
    const loop = classifyBounce(read("fml-duplicated-message-id.eml"));
    expect(loop.kind).toBe("bounce");
    expect(verdicts(loop)).toEqual({ "kreis@aerzteverbund-beispiel.de": "notcompliantrfc/soft" });
    expect(loop.recipients[0].diagnostic).toBe("Duplicated Message-ID in <kreis@aerzteverbund-beispiel.de>.");
  });

  it("takes only fml's notices: the same words without the X-MLServer mark are no report", () => {
    const raw = read("fml-not-member.eml").toString("latin1");
    expect(classifyBounce(raw.replace(/^X-MLServer: .*\n/m, "")).recipients).toEqual([]);
    // A notice of fml's with no address closing a sentence names no recipient.
    expect(classifyBounce(raw.replace("<kreis@aerzteverbund-beispiel.de>.", "kreis.")).recipients).toEqual(
      [],
    );
  });
});

describe("T-Online's list of failed addresses", () => {
  it("reads every address of the list, not only the one X-Failed-Recipients names", () => {
    const r = classifyBounce(read("tonline-failed-addresses-list.eml"));
    expect(verdicts(r)).toEqual({
      "h.wagner@t-online.de": "mailboxfull/soft",
      "e.schmidt@t-online.de": "userunknown/hard",
    });
    expect(r.recipients[0].diagnostic).toBe(
      "552 5.2.2 <h.wagner@t-online.de> Quota exceeded (mailbox for user is full)",
    );
  });

  it("ends the words at T-Online's '|---- Message header follows: ----|' line, where the returned header begins", () => {
    const r = classifyBounce(read("tonline-failed-addresses-list.eml"));
    expect(r.recipients[1].diagnostic).toBe("550 5.1.1 <e.schmidt@t-online.de> unknown user");
    expect(r.original.message_id).toBe("<termin-4471@hausarzt-beispiel.de>");
  });

  it("keeps to the header's addresses where no such list stands in the notice", () => {
    const raw = read("tonline-failed-addresses-list.eml").toString("latin1");
    const untitled = raw.replace("Failed addresses follow:", "Addresses:");
    expect(Object.keys(verdicts(classifyBounce(untitled)))).toEqual(["h.wagner@t-online.de"]);
  });
});
