// SendGrid's and Postmark's send APIs take a message as JSON fields, not as MIME. The worker builds one
// MIME message for every transport (what is stored is what was sent), so for these two the built message is
// read back into its parts: addresses, subject, text, HTML, attachments and the headers that carry meaning
// (Message-ID for matching replies and DSNs, List-Unsubscribe, the read-receipt request …).
import { type AddressObject, type HeaderLines, simpleParser } from "mailparser";

export interface MailAddress {
  email: string;
  name?: string;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  contentBase64: string;
  /** Set for inline parts referenced from the HTML (cid:…). */
  contentId?: string;
}

export interface MailParts {
  from: MailAddress;
  replyTo?: MailAddress;
  subject: string;
  text?: string;
  html?: string;
  attachments: MailAttachment[];
  /** Headers to pass on, unfolded, in their original order. */
  headers: Array<{ name: string; value: string }>;
}

/** Headers the APIs set themselves (or refuse): everything else a message carries is passed on. */
const OWN_HEADERS = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "reply-to",
  "subject",
  "date",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "content-disposition",
  "content-id",
  "dkim-signature",
  "received",
  "return-path",
]);

function firstAddress(a: AddressObject | AddressObject[] | undefined): MailAddress | undefined {
  const list = Array.isArray(a) ? a.flatMap((x) => x.value) : (a?.value ?? []);
  const first = list.find((v) => v.address);
  if (!first?.address) return undefined;
  return first.name ? { email: first.address, name: first.name } : { email: first.address };
}

function passedHeaders(lines: HeaderLines): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const { key, line } of lines) {
    if (OWN_HEADERS.has(key)) continue;
    const colon = line.indexOf(":");
    if (colon < 1) continue;
    out.push({
      name: line.slice(0, colon).trim(),
      value: line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, " ")
        .trim(),
    });
  }
  return out;
}

/** Reads a built MIME message back into the fields a JSON send API wants. */
export async function mailParts(raw: Buffer): Promise<MailParts> {
  const m = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const from = firstAddress(m.from);
  if (!from) throw new Error("the message has no From address");
  return {
    from,
    replyTo: firstAddress(m.replyTo),
    subject: m.subject ?? "",
    text: m.text || undefined,
    html: typeof m.html === "string" && m.html ? m.html : undefined,
    attachments: m.attachments.map((a) => ({
      filename: a.filename ?? "attachment",
      contentType: a.contentType || "application/octet-stream",
      contentBase64: a.content.toString("base64"),
      ...(a.contentDisposition === "inline" && a.cid ? { contentId: a.cid } : {}),
    })),
    headers: passedHeaders(m.headerLines),
  };
}

/** "Name <address>" with the name quoted when it needs to be (RFC 5322 §3.4). */
export function formatAddress(a: MailAddress): string {
  if (!a.name) return a.email;
  const safe = /^[\w .!#$%&'*+/=?^`{|}~-]*$/.test(a.name)
    ? a.name
    : `"${a.name.replace(/(["\\])/g, "\\$1")}"`;
  return `${safe} <${a.email}>`;
}
