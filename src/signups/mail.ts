// The double opt-in confirmation mail in German or English: whom it is from, what it is for, the link,
// until when it works, and that doing nothing means not being signed up.
import { html, type Lang } from "../tracking/html.js";

export interface ConfirmationMailInput {
  lang: Lang;
  listName: string;
  senderName: string;
  /** The contact's letter salutation ("Sehr geehrte Frau Muster,"), or null for a neutral greeting. */
  greeting: string | null;
  url: string;
  expiresAt: Date;
}

const dateFormat: Record<Lang, Intl.DateTimeFormat> = {
  de: new Intl.DateTimeFormat("de-DE", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Berlin" }),
  en: new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Berlin" }),
};

interface Wording {
  subject: string;
  greeting: string;
  ask: string;
  button: string;
  validUntil: string;
  ignore: string;
}

/** A list name goes into the Subject header: line breaks and control characters become spaces. */
function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced.
  return s.replace(/[\x00-\x1f\x7f]+/g, " ");
}

function wording(input: ConfirmationMailInput): Wording {
  const m = { ...input, listName: oneLine(input.listName), senderName: oneLine(input.senderName) };
  const until = dateFormat[m.lang].format(m.expiresAt);
  return m.lang === "en"
    ? {
        subject: `Please confirm your subscription: ${m.listName}`,
        greeting: m.greeting ?? "Hello,",
        ask: `please confirm that you want to receive e-mails from the list “${m.listName}” of ${m.senderName}:`,
        button: "Confirm subscription",
        validUntil: `The link is valid until ${until} (Central European time).`,
        ignore:
          "If you did not sign up, simply ignore this e-mail: without your confirmation you will not be added.",
      }
    : {
        subject: `Bitte bestätigen Sie Ihre Anmeldung: ${m.listName}`,
        greeting: m.greeting ?? "Guten Tag,",
        ask: `bitte bestätigen Sie, dass Sie E-Mails des Verteilers „${m.listName}“ von ${m.senderName} erhalten möchten:`,
        button: "Anmeldung bestätigen",
        validUntil: `Der Link ist gültig bis ${until} Uhr.`,
        ignore:
          "Wenn Sie sich nicht angemeldet haben, ignorieren Sie diese E-Mail einfach: Ohne Ihre Bestätigung werden Sie nicht eingetragen.",
      };
}

export function confirmationMail(m: ConfirmationMailInput): { subject: string; text: string; html: string } {
  const w = wording(m);
  const text = `${w.greeting}\n\n${w.ask}\n\n${m.url}\n\n${w.validUntil}\n\n${w.ignore}\n`;
  const body = html`<!doctype html><html lang="${m.lang}"><head><meta charset="utf-8"><title>${w.subject}</title></head><body style="font-family:sans-serif;line-height:1.5"><p>${w.greeting}</p><p>${w.ask}</p><p><a href="${m.url}" style="display:inline-block;padding:10px 18px;background:#1d4f91;color:#ffffff;text-decoration:none;border-radius:4px">${w.button}</a></p><p style="font-size:90%">${m.url}</p><p>${w.validUntil}</p><p>${w.ignore}</p></body></html>`;
  return { subject: w.subject, text, html: body.value };
}
