// Builders of inbound reports for tests, in the shapes the RFCs give: RFC 3464 DSNs (failed, delayed,
// delivered), RFC 8098 read receipts, RFC 5965 complaint reports and RFC 3834 auto-replies.
const CRLF = "\r\n";

let counter = 0;
const uniqueId = (host: string) => `<report.${Date.now()}.${++counter}@${host}>`;

export interface DsnInput {
  /** Envelope sender of the original = where the DSN is addressed (the VERP return path). */
  to: string;
  recipient: string;
  action: "failed" | "delayed" | "delivered" | "relayed";
  status: string;
  diagnostic?: string;
  envelopeId?: string;
  /** Message-ID header of the original (with angle brackets). */
  originalMessageId?: string;
  /** The DSN's own Message-ID; fixed ids make "the same report twice". */
  messageId?: string;
  reportingMta?: string;
}

export function dsn(d: DsnInput): string {
  const mta = d.reportingMta ?? "mx.example.net";
  const boundary = `dsn-${++counter}`;
  const subject =
    d.action === "failed"
      ? "Undelivered Mail Returned to Sender"
      : d.action === "delayed"
        ? "Delayed Mail (still being retried)"
        : "Successful Mail Delivery Report";
  const perMessage = [
    `Reporting-MTA: dns; ${mta}`,
    ...(d.envelopeId ? [`Original-Envelope-Id: ${d.envelopeId}`] : []),
  ];
  const perRecipient = [
    `Final-Recipient: rfc822; ${d.recipient}`,
    `Action: ${d.action}`,
    `Status: ${d.status}`,
    ...(d.diagnostic ? [`Diagnostic-Code: smtp; ${d.diagnostic}`] : []),
  ];
  return [
    `From: Mail Delivery System <MAILER-DAEMON@${mta}>`,
    `To: ${d.to}`,
    `Subject: ${subject}`,
    `Message-ID: ${d.messageId ?? uniqueId(mta)}`,
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    `This is the mail system at host ${mta}.`,
    "",
    `<${d.recipient}>: ${d.diagnostic ?? d.action}`,
    "",
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    ...perMessage,
    "",
    ...perRecipient,
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    `Return-Path: <${d.to}>`,
    "From: Praxis <praxis@example.org>",
    `To: ${d.recipient}`,
    "Subject: Ihr Termin",
    ...(d.originalMessageId ? [`Message-ID: ${d.originalMessageId}`] : []),
    "",
    `--${boundary}--`,
    "",
  ].join(CRLF);
}

export function mdn(v: {
  from: string;
  to: string;
  originalMessageId: string;
  disposition?: string;
  messageId?: string;
}): string {
  const boundary = `mdn-${++counter}`;
  return [
    `From: ${v.from}`,
    `To: ${v.to}`,
    "Subject: Gelesen: Ihre Rechnung",
    `Message-ID: ${v.messageId ?? uniqueId("client.example.com")}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Die Nachricht wurde angezeigt. This is no guarantee that the message has been read or understood.",
    "",
    `--${boundary}`,
    "Content-Type: message/disposition-notification",
    "",
    "Reporting-UA: client.example.com; Mailprogramm 1.0",
    `Final-Recipient: rfc822; ${v.from}`,
    `Original-Message-ID: ${v.originalMessageId}`,
    `Disposition: manual-action/MDN-sent-manually; ${v.disposition ?? "displayed"}`,
    "",
    `--${boundary}--`,
    "",
  ].join(CRLF);
}

export function arf(v: {
  to: string;
  /** null: a redacted report that names no recipient (Original-Rcpt-To left out, the original's To hidden) */
  recipient: string | null;
  /** further recipients of the reported message, each in an Original-Rcpt-To field of its own */
  alsoTo?: string[];
  originalMessageId: string;
  returnPath: string;
}): string {
  const boundary = `arf-${++counter}`;
  return [
    "From: Feedback Loop <fbl@provider.example>",
    `To: ${v.to}`,
    "Subject: Abuse report",
    `Message-ID: ${uniqueId("provider.example")}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "This is an email abuse report for an email message received from IP 192.0.2.1.",
    "",
    `--${boundary}`,
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "User-Agent: SomeGenerator/1.0",
    "Version: 1",
    `Original-Mail-From: <${v.returnPath}>`,
    ...(v.recipient === null ? [] : [`Original-Rcpt-To: <${v.recipient}>`]),
    ...(v.alsoTo ?? []).map((a) => `Original-Rcpt-To: ${a}`),
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    `Return-Path: <${v.returnPath}>`,
    "From: Newsletter <news@example.org>",
    `To: ${v.recipient ?? "undisclosed-recipients:;"}`,
    "Subject: Unser Angebot",
    `Message-ID: ${v.originalMessageId}`,
    "",
    `--${boundary}--`,
    "",
  ].join(CRLF);
}

export function autoReply(v: { from: string; to: string; inReplyTo: string }): string {
  return [
    `From: ${v.from}`,
    `To: ${v.to}`,
    "Subject: Abwesenheitsnotiz: Ihr Termin",
    `Message-ID: ${uniqueId("example.com")}`,
    `In-Reply-To: ${v.inReplyTo}`,
    `References: ${v.inReplyTo}`,
    "Auto-Submitted: auto-replied",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Ich bin bis zum 3. Dezember nicht im Büro und lese meine E-Mails nicht.",
    "",
  ].join(CRLF);
}

/** The barest RFC 3464 report for one failed recipient (kunde@example.com), LF line ends: a Status field and,
 * when given, a Diagnostic-Code — for tests of what the classifier reads from those two fields alone. */
export function bareDsn(status: string, diagnostic?: string): string {
  return [
    "From: MAILER-DAEMON@mx.example.org",
    "Subject: Undelivered Mail Returned to Sender",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    "",
    "--b",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.org",
    "",
    "Final-Recipient: rfc822; kunde@example.com",
    "Action: failed",
    `Status: ${status}`,
    ...(diagnostic === undefined ? [] : [`Diagnostic-Code: smtp; ${diagnostic}`]),
    "--b--",
    "",
  ].join("\n");
}
