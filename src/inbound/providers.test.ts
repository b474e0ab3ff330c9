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
    expect(ask("550 5.7.1 Service refused, please try later. OFR_999 [999]")).toBe("blocked");
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
    expect(ask("550 kunde@example.com... No such user", { hosts: ["mx.example.com"] })).toBeUndefined();
  });
});
