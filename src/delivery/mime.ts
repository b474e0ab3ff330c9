// Building the MIME message (RFC 5322 / RFC 2045) exactly once per message with Nodemailer's MailComposer.
// The bytes are stored (messages.raw_mime) and handed to the transport unchanged, so what
// GET /v1/messages/{id}/raw returns is what left.
import MailComposer from "nodemailer/lib/mail-composer";

export interface StoredAttachment {
  filename: string;
  content_type?: string | null;
  content_base64: string;
}

export interface MimeInput {
  message_id_header: string;
  from_address: string;
  from_name: string | null;
  to_address: string;
  reply_to: string | null;
  subject: string | null;
  text_body: string | null;
  html_body: string | null;
  attachments: StoredAttachment[];
  read_receipt: boolean;
}

export async function buildMime(m: MimeInput, date: Date): Promise<Buffer> {
  const headers: Record<string, string> = {};
  // RFC 8098 §2.1: the read receipt goes to the sender (or whoever the sender says replies go to).
  if (m.read_receipt) headers["Disposition-Notification-To"] = m.reply_to ?? m.from_address;
  const composer = new MailComposer({
    from: m.from_name ? { name: m.from_name, address: m.from_address } : m.from_address,
    to: m.to_address,
    replyTo: m.reply_to ?? undefined,
    subject: m.subject ?? "",
    messageId: m.message_id_header,
    date,
    text: m.text_body ?? undefined,
    html: m.html_body ?? undefined,
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.content_type ?? undefined,
      content: a.content_base64,
      encoding: "base64",
    })),
    headers,
    // Content comes only from the API as strings; never let it name a file or URL to read.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}
