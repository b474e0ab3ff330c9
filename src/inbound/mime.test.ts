import fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeCharset,
  decodeQuotedPrintable,
  flattenParts,
  header,
  MESSAGE_FIELDS,
  normaliseLineEndings,
  parseHeaders,
  parseMime,
  readFields,
} from "./mime.js";

const HEAD = [
  "Received: from mx.example.net (mx.example.net [192.0.2.1])",
  "\tby mail.example.org with ESMTP id 1;",
  "\tThu, 29 Apr 2017 23:34:45 +0900",
  "DKIM-Signature: v=1; a=rsa-sha256;",
  " d=example.net; b=abc",
  "Subject: Undelivered",
  " Mail Returned",
  "ARC-Seal: i=1; a=rsa-sha256",
  "From: MAILER-DAEMON@example.net",
  "X-Failed-Recipients: kijitora@example.jp",
].join("\n");

describe("parseHeaders", () => {
  it("keeps every field unless asked to pass over the unread ones", () => {
    const all = parseHeaders(HEAD);
    expect(all.get("received")).toEqual([
      "from mx.example.net (mx.example.net [192.0.2.1]) by mail.example.org with ESMTP id 1; Thu, 29 Apr 2017 23:34:45 +0900",
    ]);
    expect(all.get("dkim-signature")).toEqual(["v=1; a=rsa-sha256; d=example.net; b=abc"]);
    expect(all.has("arc-seal")).toBe(true);
  });

  it("passes over Received, DKIM and ARC fields and their folded lines, the fields between them intact", () => {
    const read = parseHeaders(HEAD, true);
    expect([...read.keys()]).toEqual(["subject", "from", "x-failed-recipients"]);
    expect(read.get("subject")).toEqual(["Undelivered Mail Returned"]);
    expect(read.get("from")).toEqual(["MAILER-DAEMON@example.net"]);
    expect(read.get("x-failed-recipients")).toEqual(["kijitora@example.jp"]);
  });

  it("reads the message's own header block that way, in any case of the names", () => {
    const root = parseMime("RECEIVED: from a\n\tby b\nSubject: x\n\nbody\n");
    expect([...root.headers.keys()]).toEqual(["subject"]);
    expect(root.text).toBe("body\n");
  });
});

describe("readFields", () => {
  // Folded lines (one of them blank), a line that starts no field, a repeated field, names in any case, a
  // name too long to be one, X- fields after passed-over ones.
  const TRICKY = [
    "Received: from a",
    "\tby b",
    "CONTENT-type: multipart/mixed;",
    '\tboundary="b1"',
    " ",
    "  charset=us-ascii  ",
    "X-One: first",
    "not a field line",
    "content-Type: text/plain",
    "X-one: second",
    "X-Two:",
    "  folded two",
    `X-${"a".repeat(75)}: too long a name`,
    "Subject:   spaced   ",
    "x-Three: 3",
  ].join("\n");

  it("gives the first values parseHeaders' map gives, without the map", () => {
    const map = parseHeaders(TRICKY, true);
    const names = ["content-type", "subject", "to"];
    expect(readFields(TRICKY, names)).toEqual(names.map((n) => header(map, n)));
    expect(readFields(TRICKY, names)).toEqual([
      'multipart/mixed; boundary="b1"  charset=us-ascii',
      "spaced",
      undefined,
    ]);
  });

  it("collects the first X- fields in the map's order, first values, up to the number asked", () => {
    const all: Record<string, string> = {};
    readFields(TRICKY, ["subject"], 30, all);
    // The 77-character name starts no field: its line belongs to X-Two.
    expect(all).toEqual({
      "x-one": "first not a field line",
      "x-two": `folded two X-${"a".repeat(75)}: too long a name`,
      "x-three": "3",
    });
    const map = parseHeaders(TRICKY, true);
    expect(Object.entries(all)).toEqual(
      [...map].filter(([n]) => n.startsWith("x-")).map(([n, v]) => [n, v[0]]),
    );
    const two: Record<string, string> = {};
    readFields(TRICKY, [], 2, two);
    expect(Object.keys(two)).toEqual(["x-one", "x-two"]);
  });

  it("names every message field the classifier reads in the fields read from one walk", () => {
    // A name missing from MESSAGE_FIELDS makes every message build its whole header map (X-SPASIGN did:
    // ~8 % of the classifier's time over sisimai's corpus).
    const asked = new Set<string>();
    for (const file of ["classify.ts", "parse.ts"]) {
      const source = fs.readFileSync(new URL(`./${file}`, import.meta.url), "utf8");
      for (const m of source.matchAll(/\bheaders\.(?:get|has)\("([^"]+)"\)|header\(m\.headers, "([^"]+)"\)/g))
        asked.add(m[1] ?? m[2]);
    }
    expect(asked.size).toBeGreaterThan(5);
    expect([...asked].filter((name) => !MESSAGE_FIELDS.includes(name))).toEqual([]);
  });

  it("leaves a part's header map to be built when asked, with every field the block has", () => {
    const root = parseMime(
      'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\nX-Note: kept\nReceived: x\n\nhello\n--b1--\n',
    );
    const part = flattenParts(root)[1];
    expect(part.type).toBe("text/plain");
    expect(part.text).toBe("hello");
    expect([...part.headers.keys()]).toEqual(["content-type", "x-note"]);
    expect(part.headers).toBe(part.headers);
  });
});

describe("the message's header map", () => {
  const SOURCE = [
    "Received: from a",
    "X-Failed-Recipients: a@example.jp",
    "subject: Undelivered",
    " Mail",
    "X-Other: kept",
    "X-FAILED-RECIPIENTS: b@example.jp,",
    "\tc@example.jp",
    "",
    "body",
  ].join("\n");

  it("answers the fields read by name with every value, as parseHeaders' map does", () => {
    const map = parseHeaders(SOURCE.slice(0, SOURCE.indexOf("\n\n")), true);
    const h = parseMime(SOURCE).headers;
    expect(h.get("x-failed-recipients")).toEqual(["a@example.jp", "b@example.jp, c@example.jp"]);
    expect(h.get("x-failed-recipients")).toEqual(map.get("x-failed-recipients"));
    expect(h.get("subject")).toEqual(["Undelivered Mail"]);
    expect(h.has("to")).toBe(false);
    expect(h.get("received")).toBeUndefined();
  });

  it("still holds every field for a name not read by the classifier and for a walk over it", () => {
    const map = parseHeaders(SOURCE.slice(0, SOURCE.indexOf("\n\n")), true);
    expect(parseMime(SOURCE).headers.get("x-other")).toEqual(["kept"]);
    expect(parseMime(SOURCE).headers.size).toBe(3);
    expect([...parseMime(SOURCE).headers]).toEqual([...map]);
    const h = parseMime(SOURCE).headers;
    expect([...h.keys()]).toEqual(["x-failed-recipients", "subject", "x-other"]);
    expect(h.get("subject")).toEqual(["Undelivered Mail"]);
  });
});

describe("decodeQuotedPrintable", () => {
  it("removes soft line breaks first, then decodes escapes leftmost first", () => {
    expect(decodeQuotedPrintable("caf=C3=A9 =3D=\nx")).toBe("caf\u00c3\u00a9 =x");
    // An escape made whole by a removed soft break is decoded; a broken one stays as written.
    expect(decodeQuotedPrintable("=4=\n1")).toBe("A");
    expect(decodeQuotedPrintable("==\n3D")).toBe("=");
    expect(decodeQuotedPrintable("=XY=41=4")).toBe("=XYA=4");
    expect(decodeQuotedPrintable("end=")).toBe("end=");
  });
});

describe("decodeCharset", () => {
  const jis = "\u001b$B%f!<%6!<\u001b(B Neko \u001b$B$O\u001b(B Domino";
  it("reads 7-bit text with ISO-2022-JP's escapes as ISO-2022-JP, whatever the label, even none", () => {
    for (const label of [undefined, "", "us-ascii", "utf-8", "ISO-2022-JP"]) {
      expect(decodeCharset(jis, label)).toBe("ユーザー Neko は Domino");
    }
  });

  it("leaves other text with an escape character as it is", () => {
    expect(decodeCharset("colour \u001b[31mred\u001b[0m", undefined)).toBe("colour \u001b[31mred\u001b[0m");
    expect(decodeCharset("plain", "us-ascii")).toBe("plain");
  });
});

describe("normaliseLineEndings", () => {
  it("turns CRLF and lone CRs into LF", () => {
    expect(normaliseLineEndings("a\r\nb\rc\r\r\nd\n")).toBe("a\nb\nc\n\nd\n");
    expect(normaliseLineEndings("plain\n")).toBe("plain\n");
  });
});
