// The server's sentences tell integrators what to call next ("… resend deliberately if needed
// (POST /v1/messages/msg_…/resend)"); office staff read the dashboard, where the same step is a button on a
// page. Each call the server names is said here as that button and page, in the user's language; a call
// the dashboard has no words for is said as "through the API" rather than shown as a method and a path.

type Lang = "de" | "en";

/** A call as the server writes it: method, path, and an optional JSON body ({"include_unknown": true}). */
const CALL = /(?:\b(GET|POST|PUT|PATCH|DELETE) )?(\/v1\/[^\s)"',;:]*[^\s)"',;:.])( \{[^}]*\})?/g;

type Words = Record<Lang, string>;

/** What the dashboard calls each step, by method and path (ids as `*`). */
const steps: Array<[RegExp, (body: string) => Words]> = [
  [
    /^POST \/v1\/messages\/[^/]+\/resend$/,
    () => ({
      de: "mit „Erneut senden“ auf der Seite der Nachricht",
      en: "with “Resend” on the message's page",
    }),
  ],
  [
    /^POST \/v1\/campaigns\/[^/]+\/(send|resend)$/,
    (body) =>
      body.includes('"include_unknown": true')
        ? {
            de: "mit „Auch Empfänger mit unbekanntem Ergebnis erneut senden“ und „Erneut senden“ auf der Seite der Serienkorrespondenz",
            en: "with “Also resend recipients whose outcome is unknown” and “Send again” on the campaign's page",
          }
        : {
            de: "mit „Senden“ auf der Seite der Serienkorrespondenz",
            en: "with “Send” on the campaign's page",
          },
  ],
  [
    /^POST \/v1\/campaigns\/[^/]+\/generate$/,
    () => ({
      de: "mit „Briefe erzeugen“ auf der Seite der Serienkorrespondenz",
      en: "with “Generate letters” on the campaign's page",
    }),
  ],
  [
    /^POST \/v1\/imports\/[^/]+\/resume$/,
    // The wizard offers it while it shows the import; later (no list of past imports yet) the operator can.
    () => ({
      de: "mit „Import fortsetzen“ im CSV-Import (oder durch den Betreiber: „poststelle import resume“)",
      en: "with “Resume import” in the CSV import (or by the operator: “poststelle import resume”)",
    }),
  ],
  [
    /^PATCH \/v1\/workspace$/,
    () => ({ de: "unter Einstellungen › Arbeitsbereich", en: "under Settings › Workspace" }),
  ],
  [
    /^PATCH \/v1\/lists\/[^/]+$/,
    () => ({ de: "in den Angaben des Verteilers", en: "in the list's details" }),
  ],
  [
    /^PATCH \/v1\/lists\/[^/]+\/subscriptions\/[^/]+$/,
    () => ({ de: "beim Mitglied auf der Seite des Verteilers", en: "at the member on the list's page" }),
  ],
  [
    /^(POST \/v1\/lists\/[^/]+\/link\/detach|DELETE \/v1\/lists\/[^/]+\/link)$/,
    () => ({
      de: "mit „Verknüpfung lösen“ auf der Seite des Verteilers",
      en: "with “Detach” on the list's page",
    }),
  ],
  [
    /^POST \/v1\/lists\/[^/]+\/(link|webhook)$/,
    () => ({
      de: "im Abgleich auf der Seite des Verteilers",
      en: "in the sync section of the list's page",
    }),
  ],
  [
    /^PUT \/v1\/lists\/[^/]+\/sync\/members\/[^/]+\/task$/,
    () => ({
      de: "als Abgleichsaufgabe beim Mitglied im Abgleich des Verteilers",
      en: "as the member's sync task in the list's sync",
    }),
  ],
  [
    /^(\w+ )?\/v1\/email-tools$/,
    () => ({ de: "unter Einstellungen › E-Mail-Tools", en: "under Settings › E-mail tools" }),
  ],
  [
    /^(POST \/v1\/sender-domains(\/[^/]+\/verify)?)$/,
    () => ({ de: "unter Einstellungen › Absender-Domains", en: "under Settings › Sender domains" }),
  ],
];

const viaApi: Words = { de: "über die Schnittstelle (API)", en: "through the API" };

/** One call in words: the button and page that do it, else "through the API". */
function callWords(method: string | undefined, path: string, body: string | undefined, lang: Lang): string {
  const call = `${method ? `${method} ` : ""}${path}`;
  for (const [re, words] of steps) if (re.test(call)) return words(body ?? "")[lang];
  return viaApi[lang];
}

/** The sentence with every API call in it said as the dashboard's button and page. */
export function apiCallsInWords(text: string, lang: Lang): string {
  if (!text.includes("/v1/")) return text;
  return text
    .replace(CALL, (_all, method: string | undefined, path: string, body: string | undefined) =>
      callWords(method, path, body, lang),
    )
    .replace(/\b(with|mit) (with|mit) /g, "$2 ");
}
