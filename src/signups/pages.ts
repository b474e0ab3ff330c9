// Pages of the double opt-in in German and English: the hosted sign-up form, "check your inbox", the
// confirmation question and its outcomes.
import { html, type Lang, page, type Safe } from "../tracking/html.js";
import type { SignupView } from "./service.js";

interface Texts {
  formTitle: (list: string) => string;
  email: string;
  firstName: string;
  lastName: string;
  optional: string;
  submit: string;
  wording: (list: string, sender: string) => string;
  badEmail: string;
  badName: string;
  noConsent: string;
  staleForm: string;
  checkTitle: string;
  check: (list: string) => string;
  confirmTitle: string;
  confirmAsk: (list: string | null) => string;
  confirmButton: string;
  confirmedTitle: string;
  confirmed: (list: string | null) => string;
  alreadyTitle: string;
  already: string;
  expiredTitle: string;
  expired: string;
  unknownTitle: string;
  unknown: string;
  noListTitle: string;
  noList: string;
  slowTitle: string;
  slow: string;
}

const listLabel = (l: string | null, de: boolean) => (l ? (de ? `„${l}“` : `“${l}”`) : "");

const texts: Record<Lang, Texts> = {
  de: {
    formTitle: (l) => `Anmeldung: ${l}`,
    email: "E-Mail-Adresse",
    firstName: "Vorname",
    lastName: "Nachname",
    optional: "(freiwillig)",
    submit: "Anmelden",
    wording: (l, s) =>
      `Ja, ich möchte E-Mails des Verteilers „${l}“ von ${s} erhalten. Diese Einwilligung kann ich jederzeit über den Abmeldelink in jeder E-Mail widerrufen.`,
    badEmail: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    badName: "Vor- und Nachname dürfen höchstens 100 Zeichen lang sein.",
    noConsent: "Bitte bestätigen Sie die Einwilligung, damit wir Ihnen E-Mails senden dürfen.",
    staleForm: "Das Formular war veraltet. Bitte senden Sie es noch einmal ab.",
    checkTitle: "Fast geschafft",
    check: (l) =>
      `Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre Anmeldung zum Verteiler ${listLabel(l, true)} über den Link darin. Ohne Bestätigung werden Sie nicht eingetragen.`,
    confirmTitle: "Anmeldung bestätigen",
    confirmAsk: (l) =>
      l
        ? `Bitte bestätigen Sie Ihre Anmeldung zum Verteiler ${listLabel(l, true)}.`
        : "Bitte bestätigen Sie Ihre Anmeldung.",
    confirmButton: "Anmeldung bestätigen",
    confirmedTitle: "Anmeldung bestätigt",
    confirmed: (l) =>
      l
        ? `Vielen Dank! Sie sind jetzt beim Verteiler ${listLabel(l, true)} angemeldet.`
        : "Vielen Dank! Sie sind jetzt angemeldet.",
    alreadyTitle: "Bereits bestätigt",
    already: "Diese Anmeldung ist bereits bestätigt. Es ist nichts weiter zu tun.",
    expiredTitle: "Link abgelaufen",
    expired:
      "Dieser Bestätigungslink ist abgelaufen. Es wurde nichts geändert. Bitte melden Sie sich erneut an, wenn Sie E-Mails erhalten möchten.",
    unknownTitle: "Link ungültig",
    unknown:
      "Dieser Bestätigungslink ist ungültig oder unvollständig. Bitte öffnen Sie den vollständigen Link aus der E-Mail. Es wurde nichts geändert.",
    noListTitle: "Nicht gefunden",
    noList: "Für diesen Verteiler ist keine Anmeldung möglich.",
    slowTitle: "Zu viele Anfragen",
    slow: "Von Ihrer Adresse kamen zu viele Anfragen. Bitte versuchen Sie es in einigen Minuten noch einmal.",
  },
  en: {
    formTitle: (l) => `Sign up: ${l}`,
    email: "E-mail address",
    firstName: "First name",
    lastName: "Last name",
    optional: "(optional)",
    submit: "Sign up",
    wording: (l, s) =>
      `Yes, I want to receive e-mails from the list “${l}” of ${s}. I can withdraw this consent at any time through the unsubscribe link in every e-mail.`,
    badEmail: "Please enter a valid e-mail address.",
    badName: "First and last name may be at most 100 characters long.",
    noConsent: "Please tick the consent so that we may send you e-mails.",
    staleForm: "The form was out of date. Please send it again.",
    checkTitle: "Almost done",
    check: (l) =>
      `We have sent you an e-mail. Please confirm your subscription to the list ${listLabel(l, false)} through the link in it. Without confirmation you will not be added.`,
    confirmTitle: "Confirm subscription",
    confirmAsk: (l) =>
      l
        ? `Please confirm your subscription to the list ${listLabel(l, false)}.`
        : "Please confirm your subscription.",
    confirmButton: "Confirm subscription",
    confirmedTitle: "Subscription confirmed",
    confirmed: (l) =>
      l
        ? `Thank you! You are now subscribed to the list ${listLabel(l, false)}.`
        : "Thank you! You are now subscribed.",
    alreadyTitle: "Already confirmed",
    already: "This subscription is already confirmed. There is nothing more to do.",
    expiredTitle: "Link expired",
    expired:
      "This confirmation link has expired. Nothing has been changed. Please sign up again if you want to receive e-mails.",
    unknownTitle: "Invalid link",
    unknown:
      "This confirmation link is invalid or incomplete. Please open the complete link from the e-mail. Nothing has been changed.",
    noListTitle: "Not found",
    noList: "Signing up for this list is not possible.",
    slowTitle: "Too many requests",
    slow: "Too many requests came from your address. Please try again in a few minutes.",
  },
};

export const hostedWording = (lang: Lang, listName: string, sender: string) =>
  texts[lang].wording(listName, sender);

const para = (s: string): Safe => html`<p>${s}</p>`;

export interface SignupFormInput {
  lang: Lang;
  listId: string;
  listName: string;
  description: string | null;
  wording: string;
  formToken: string;
  values?: { email?: string; first_name?: string; last_name?: string };
  error?: "badEmail" | "badName" | "noConsent" | "staleForm";
}

/** The hosted form: labelled fields, the consent wording on a required checkbox, the signed form token. */
export function signupFormPage(f: SignupFormInput): string {
  const t = texts[f.lang];
  const v = f.values ?? {};
  const error = f.error ? html`<p class="error" role="alert">${t[f.error]}</p>` : "";
  return page(
    f.lang,
    t.formTitle(f.listName),
    html`${f.description ? para(f.description) : ""}${error}<form method="post" action="/signup/${f.listId}">
<label for="email">${t.email}</label><input id="email" name="email" type="email" required autocomplete="email" maxlength="320" value="${v.email ?? ""}">
<label for="first_name">${t.firstName} ${t.optional}</label><input id="first_name" name="first_name" type="text" autocomplete="given-name" maxlength="100" value="${v.first_name ?? ""}">
<label for="last_name">${t.lastName} ${t.optional}</label><input id="last_name" name="last_name" type="text" autocomplete="family-name" maxlength="100" value="${v.last_name ?? ""}">
<div class="consent"><input id="consent" name="consent" type="checkbox" value="yes" required><label for="consent">${f.wording}</label></div>
<input type="hidden" name="wording" value="${f.wording}"><input type="hidden" name="lang" value="${f.lang}"><input type="hidden" name="form_token" value="${f.formToken}">
<button type="submit">${t.submit}</button></form>`,
  );
}

export function checkInboxPage(lang: Lang, listName: string): string {
  return page(lang, texts[lang].checkTitle, para(texts[lang].check(listName)));
}

export function listUnavailablePage(lang: Lang): string {
  return page(lang, texts[lang].noListTitle, para(texts[lang].noList));
}

export function tooManyRequestsPage(lang: Lang): string {
  return page(lang, texts[lang].slowTitle, para(texts[lang].slow));
}

/** GET /s/:token: a question and a button; the outcome pages for every other state. */
export function confirmQuestionPage(v: SignupView, token: string): string {
  if (v.state !== "open") return signupOutcomePage(v);
  const t = texts[v.lang];
  return page(
    v.lang,
    t.confirmTitle,
    html`${para(t.confirmAsk(v.listName))}<form method="post" action="/s/${token}"><button type="submit">${t.confirmButton}</button></form>`,
  );
}

export function signupOutcomePage(v: SignupView): string {
  const t = texts[v.lang];
  switch (v.state) {
    case "confirmed":
      return page(v.lang, t.confirmedTitle, para(t.confirmed(v.listName)));
    case "already_confirmed":
      return page(v.lang, t.alreadyTitle, para(t.already));
    case "expired":
      return page(v.lang, t.expiredTitle, para(t.expired));
    default:
      return page(v.lang, t.unknownTitle, para(t.unknown));
  }
}

/** HTTP status of a confirmation page: gone links are 410, unknown ones 404. */
export function signupStatus(v: SignupView): number {
  return v.state === "expired" ? 410 : v.state === "unknown" ? 404 : 200;
}
