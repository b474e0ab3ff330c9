import { describe, expect, it } from "vitest";
import { familyReading, replyWords } from "./families.js";

const read = (text: string, command?: "CONN" | "MAIL" | "RCPT" | "DATA") =>
  familyReading({ text: text.toLowerCase(), command, replyCode: /^\d{3}/.exec(text)?.[0] });

describe("the word families of a reply", () => {
  it("blanks addresses and host names and reads from the reply code on", () => {
    expect(
      replyWords("host relay.sender.example[192.0.2.25] said: 550 no mail from <a@sender.example>"),
    ).toBe("550 no mail from  _ ");
    // A host named "relay…" or a domain named "sender…" is no word of a family.
    expect(read("550 Delivery to relay.example.net was refused", "DATA")).toBeUndefined();
    expect(read("550 Access denied for mail.sender.example", "RCPT")).toBeUndefined();
  });

  it("reads sisimai's wordings of a reason by their families (sisimai 5's Reason lists)", () => {
    // RequirePTR: "access denied. ip name lookup failed", "client host rejected: cannot find your hostname"
    expect(read("550 Access denied - IP name lookup failed", "RCPT")).toBe("requireptr");
    expect(read("450 Rejected: cannot find your hostname", "RCPT")).toBe("requireptr");
    // Blocked: "is not allowed to send mail from" (the host, for the domain it sends for)
    expect(read("550 192.0.2.25 is not allowed to send mail from example.org", "RCPT")).toBe("blocked");
    // HostUnknown: "recipient address rejected: unknown domain name"
    expect(read("550 Rejected: unknown domain name", "RCPT")).toBe("hostunknown");
    // Rejected: "your email address has been blacklisted" (the sender's, not the host's)
    expect(read("550 Your email address is blacklisted here", "RCPT")).toBe("rejected");
  });

  it("reads storage, size, route and content wordings by their families (sisimai 5's Reason lists)", () => {
    expect(read("552 User has exceeded quota, bouncing mail", "RCPT")).toBe("mailboxfull");
    expect(read("452 Recipient mailbox would exceed maximum allowed storage", "RCPT")).toBe("mailboxfull");
    expect(read("452 Insufficient system storage", "RCPT")).toBe("systemfull");
    expect(read("552 Max message size exceeded", "DATA")).toBe("mesgtoobig");
    expect(read("554 Too many hops, message dropped", "DATA")).toBe("networkerror");
    expect(read("554 This message contains invalid MIME headers", "DATA")).toBe("contenterror");
    expect(read("550 Mail appears to be unsolicited", "DATA")).toBe("spamdetected");
    // The sender's sending quota is a rate, a message queued too long is no size, a delay is no verdict.
    expect(read("550 Sender quota exceeded", "RCPT")).not.toBe("mailboxfull");
    expect(read("451 Message has been in the queue too long", "DATA")).not.toBe("mesgtoobig");
    expect(read("451 Unsolicited mail suspected, try again later", "DATA")).not.toBe("spamdetected");
  });

  it("reads a name service's answer: a failed lookup is the network's, a non-existent host is hostunknown", () => {
    expect(read("550 5.4.312 Message expired, DNS query failed")).toBe("networkerror");
    expect(read("451 Temporary failure: name server timeout", "RCPT")).toBe("networkerror");
    expect(read("DNS lookup failure: host mx.example.com not found")).toBe("hostunknown");
    expect(read("451 4.4.0 DNS lookup of example.com: NXDOMAIN", "RCPT")).toBe("networkerror");
    // A failed lookup of the sender's domain is about the sender, not the network.
    expect(read("550 Sender domain DNS lookup failed", "RCPT")).not.toBe("networkerror");
    // "domain" alone is no name service, and a host name such as dns.example.net is no word.
    expect(read("550 Domain of sender not found", "RCPT")).not.toBe("networkerror");
    expect(read("550 Message from dns.example.net failed content checks", "DATA")).not.toBe("networkerror");
  });

  it("keeps the step a word family belongs to", () => {
    expect(read("550 Relay Prohibited", "RCPT")).toBe("norelaying");
    expect(read("550 Relay Prohibited", "CONN")).toBe("blocked");
    expect(read("550 Blacklisted high risk file extension detected", "DATA")).toBe("policyviolation");
    expect(read("550 Blacklisted high risk file extension detected", "RCPT")).toBe("blocked");
    // The recipient's domain or mailbox only at RCPT (hard verdicts), never for the sender's words.
    expect(read("550 Unknown domain name", "DATA")).toBeUndefined();
    expect(read("550 Sender domain unknown", "RCPT")).toBe("rejected");
    expect(read("550 Recipient not valid", "RCPT")).toBe("userunknown");
    expect(read("550 Recipient not valid", "DATA")).toBeUndefined();
  });
});
