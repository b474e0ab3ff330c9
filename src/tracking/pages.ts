// The unsubscribe pages in German and English (issue 4 item 6): confirm, done, already done, invalid link.
import { html, type Lang, page, type Safe } from "./html.js";
import type { UnsubscribeView } from "./service.js";

interface Texts {
  confirmTitle: string;
  fromList: (list: string | null) => string;
  fromAll: (sender: string | null) => string;
  alsoConsent: string;
  button: string;
  doneTitle: string;
  doneList: (list: string | null) => string;
  doneAll: string;
  doneConsent: string;
  alreadyTitle: string;
  already: string;
  goneTitle: string;
  gone: string;
  invalidTitle: string;
  invalid: string;
  oneClick: string;
}

const texts: Record<Lang, Texts> = {
  de: {
    confirmTitle: "Abmelden",
    fromList: (l) => (l ? `Möchten Sie sich vom Verteiler „${l}“ abmelden?` : "Möchten Sie sich abmelden?"),
    fromAll: (s) =>
      s
        ? `Möchten Sie keine E-Mails mehr von ${s} erhalten?`
        : "Möchten Sie sich von allen Verteilern abmelden?",
    alsoConsent: "Damit widerrufen Sie auch Ihre Einwilligung in E-Mail-Werbung.",
    button: "Abmeldung bestätigen",
    doneTitle: "Sie sind abgemeldet",
    doneList: (l) => (l ? `Sie wurden vom Verteiler „${l}“ abgemeldet.` : "Sie sind abgemeldet."),
    doneAll: "Sie wurden von allen Verteilern abgemeldet.",
    doneConsent: "Ihre Einwilligung in E-Mail-Werbung ist widerrufen.",
    alreadyTitle: "Bereits abgemeldet",
    already: "Sie sind bereits abgemeldet. Es ist nichts weiter zu tun.",
    goneTitle: "Abgemeldet",
    gone: "Diese Adresse ist bei uns nicht mehr gespeichert; Sie erhalten keine E-Mails mehr von uns.",
    invalidTitle: "Link ungültig",
    invalid:
      "Dieser Abmeldelink ist ungültig oder unvollständig. Bitte öffnen Sie den vollständigen Link aus der E-Mail. Es wurde nichts geändert.",
    oneClick: "Abgemeldet.",
  },
  en: {
    confirmTitle: "Unsubscribe",
    fromList: (l) => (l ? `Do you want to unsubscribe from the list “${l}”?` : "Do you want to unsubscribe?"),
    fromAll: (s) =>
      s ? `Do you want to stop receiving e-mails from ${s}?` : "Do you want to unsubscribe from all lists?",
    alsoConsent: "This also withdraws your consent to marketing e-mails.",
    button: "Confirm unsubscribe",
    doneTitle: "You are unsubscribed",
    doneList: (l) => (l ? `You have been unsubscribed from the list “${l}”.` : "You are unsubscribed."),
    doneAll: "You have been unsubscribed from all lists.",
    doneConsent: "Your consent to marketing e-mails is withdrawn.",
    alreadyTitle: "Already unsubscribed",
    already: "You are already unsubscribed. There is nothing more to do.",
    goneTitle: "Unsubscribed",
    gone: "This address is no longer stored with us; you will receive no more e-mails from us.",
    invalidTitle: "Invalid link",
    invalid:
      "This unsubscribe link is invalid or incomplete. Please open the complete link from the e-mail. Nothing has been changed.",
    oneClick: "Unsubscribed.",
  },
};

const para = (s: string): Safe => html`<p>${s}</p>`;

/** The page a GET shows: a question and a button that POSTs back to the same link. */
export function confirmPage(v: UnsubscribeView, token: string, withdrawConsent: boolean): string {
  const t = texts[v.lang];
  if (!v.found) return page(v.lang, t.goneTitle, para(t.gone));
  if (v.done) return page(v.lang, t.alreadyTitle, para(t.already));
  const question = v.scope === "list" ? t.fromList(v.listName) : t.fromAll(v.workspaceName);
  return page(
    v.lang,
    t.confirmTitle,
    html`${para(question)}${withdrawConsent ? para(t.alsoConsent) : ""}<form method="post" action="/u/${token}"><input type="hidden" name="confirm" value="yes"><button type="submit">${t.button}</button></form>`,
  );
}

/** The page after the POST, also on a repeat (the result is the same: unsubscribed). */
export function donePage(v: UnsubscribeView, consentWithdrawn: boolean): string {
  const t = texts[v.lang];
  if (!v.found) return page(v.lang, t.goneTitle, para(t.gone));
  return page(
    v.lang,
    t.doneTitle,
    html`${para(v.scope === "list" ? t.doneList(v.listName) : t.doneAll)}${consentWithdrawn ? para(t.doneConsent) : ""}`,
  );
}

export function invalidLinkPage(lang: Lang): string {
  return page(lang, texts[lang].invalidTitle, para(texts[lang].invalid));
}

export function oneClickText(lang: Lang): string {
  return texts[lang].oneClick;
}
