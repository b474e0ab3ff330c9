import fc from "fast-check";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { buildMime, type MimeInput, mimeDigest } from "./mime.js";

const date = new Date("2025-03-03T08:15:00Z");

function input(over: Partial<MimeInput> = {}): MimeInput {
  return {
    message_id_header: "<msg_01abc@scholz.example>",
    from_address: "praxis@scholz.example",
    from_name: "Praxis Dr. Scholz",
    to_address: "erika@muster.example",
    reply_to: null,
    subject: "Ihr Termin",
    text_body: "Guten Tag,\nbis Montag.\n",
    html_body: null,
    attachments: [],
    read_receipt: false,
    ...over,
  };
}

/** Line breaks as mailparser hands them back. */
const lf = (s: string) => s.replace(/\r\n|\r/g, "\n");

/** Text that can stand in a header: no control characters (the API refuses them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API refuses control characters in headers.
const CONTROL = /[\x00-\x1f\x7f]/g;
const headerString = fc
  .string({ unit: "binary", maxLength: 120 })
  .map((s) => s.replace(CONTROL, "").trim().replace(/\s+/g, " "));

describe("buildMime", () => {
  it("survives a round trip through a MIME parser for any text, names and attachments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          subject: headerString,
          from_name: fc.option(headerString.filter((s) => s.length > 0)),
          text: fc.option(fc.string({ unit: "binary", maxLength: 400 })),
          html: fc.option(fc.string({ unit: "binary", maxLength: 400 }).map((s) => `<p>${s}</p>`)),
          attachments: fc.array(
            fc.record({
              filename: headerString.filter((s) => s.length > 0),
              bytes: fc.uint8Array({ maxLength: 300 }),
            }),
            { maxLength: 2 },
          ),
        }),
        async (r) => {
          const raw = buildMime(
            input({
              subject: r.subject,
              from_name: r.from_name,
              text_body: r.text,
              html_body: r.html,
              attachments: r.attachments.map((a) => ({
                filename: a.filename,
                content_base64: Buffer.from(a.bytes).toString("base64"),
              })),
            }),
            date,
          );
          const text = raw.toString("utf8");
          // RFC 5322 §2.1.1: no line longer than 998 characters; our folding keeps header lines short.
          for (const l of text.split("\r\n")) expect(l.length).toBeLessThanOrEqual(998);
          expect(text).not.toMatch(/[^\r]\n/);
          const p = await simpleParser(raw);
          expect(p.subject ?? "").toBe(r.subject);
          expect(p.from?.value[0].address).toBe("praxis@scholz.example");
          expect(p.from?.value[0].name ?? "").toBe(r.from_name ?? "");
          // A single-part message ends with the line break SMTP requires; a parser counts it as content.
          const same = (got: string, want: string) => expect([want, `${want}\n`]).toContain(lf(got));
          if (r.text !== null) same(p.text ?? "", lf(r.text));
          if (r.html !== null) same(String(p.html), lf(r.html));
          expect(p.attachments.map((a) => a.filename)).toEqual(r.attachments.map((a) => a.filename));
          p.attachments.forEach((a, i) => {
            expect(Buffer.compare(a.content, Buffer.from(r.attachments[i].bytes))).toBe(0);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("writes the headers a relay and a recipient expect", async () => {
    const raw = buildMime(
      input({
        reply_to: "buchhaltung@scholz.example",
        read_receipt: true,
        from_name: "Praxis für Zahnheilkunde",
      }),
      date,
    ).toString("utf8");
    expect(raw).toMatch(/^From: =\?UTF-8\?Q\?Praxis_f=C3=BCr_Zahnheilkunde\?= <praxis@scholz\.example>\r$/m);
    expect(raw).toMatch(/^To: erika@muster\.example\r$/m);
    expect(raw).toMatch(/^Reply-To: buchhaltung@scholz\.example\r$/m);
    expect(raw).toMatch(/^Date: Mon, 03 Mar 2025 08:15:00 \+0000\r$/m);
    expect(raw).toMatch(/^Message-ID: <msg_01abc@scholz\.example>\r$/m);
    expect(raw).toMatch(/^Disposition-Notification-To: buchhaltung@scholz\.example\r$/m);
    expect(raw).toMatch(/^MIME-Version: 1\.0\r$/m);
    expect(raw).toMatch(
      /^Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nGuten Tag,\r\nbis Montag\.\r\n$/m,
    );
    expect(raw).not.toMatch(/^Bcc:/im);
  });

  it("quotes a display name with specials and encodes a non-ASCII one", async () => {
    const quoted = buildMime(input({ from_name: 'Scholz, Dr. "Praxis"' }), date);
    expect((await simpleParser(quoted)).from?.value[0].name).toBe('Scholz, Dr. "Praxis"');
    expect(quoted.toString()).toMatch(/^From: "Scholz, Dr\. \\"Praxis\\"" <praxis@scholz\.example>\r$/m);
  });

  it("builds text and HTML as alternatives, with attachments around them", async () => {
    const raw = buildMime(
      input({
        text_body: "Grüße",
        html_body: "<p>Grüße</p>",
        attachments: [
          { filename: "Rechnung März.pdf", content_base64: Buffer.from("%PDF").toString("base64") },
        ],
      }),
      date,
    );
    const text = raw.toString();
    expect(text).toMatch(/^Content-Type: multipart\/mixed;(\r\n)? boundary="=_ps_[0-9a-f]{24}"\r$/m);
    expect(text).toMatch(/^Content-Type: multipart\/alternative;(\r\n)? boundary="=_ps_[0-9a-f]{24}"\r$/m);
    expect(text).toMatch(/^Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe/m);
    const p = await simpleParser(raw);
    expect(p.text?.trim()).toBe("Grüße");
    expect(p.html).toBe("<p>Grüße</p>");
    expect(p.attachments[0]).toMatchObject({ filename: "Rechnung März.pdf", contentType: "application/pdf" });
  });

  it("builds the same bytes from the same message and Date, with boundaries of its own per message", () => {
    const m = input({
      text_body: "Grüße",
      html_body: "<p>Grüße</p>",
      attachments: [{ filename: "a.pdf", content_base64: Buffer.from("%PDF").toString("base64") }],
    });
    const once = buildMime(m, date);
    expect(buildMime(m, date).equals(once)).toBe(true);
    const boundaries = (b: Buffer) => [...b.toString().matchAll(/boundary="([^"]+)"/g)].map((x) => x[1]);
    expect(new Set(boundaries(once)).size).toBe(2);
    const other = buildMime({ ...m, message_id_header: "<msg_02xyz@scholz.example>" }, date);
    expect(boundaries(other).some((b) => boundaries(once).includes(b))).toBe(false);
    expect(mimeDigest(other)).not.toBe(mimeDigest(once));
  });
});
