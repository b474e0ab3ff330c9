// The words the dashboard shows for who acted when it was not a person or an API key: a server process
// ("campaign worker", "sync:mailchimp", "webhook:ses", "bounces") and the kind of actor ("System",
// "Benutzer"). One table for both sides: the dashboard words the activity log and the event log with it
// (web/src/i18n), and the activity log's "Wer" filter (GET /v1/activities?actor_contains=) finds an entry
// by the words the user reads there, in German or English. No imports: the dashboard's build loads it too.

export type ActorLang = "de" | "en";

/** The processes that write to the event log (its "Prozess" column and filter). */
const eventLogProcesses: Record<ActorLang, Record<string, string>> = {
  de: {
    campaign: "Serienkorrespondenz",
    sending: "Versand",
    retention: "Aufbewahrung",
    inbound: "Eingang (Rückläufer, Bestätigungen)",
    imap: "IMAP-Abruf",
    "signup-expiry": "Ablauf von Anmeldungen",
    login: "Anmeldung am Dashboard",
    provider_webhook: "Meldungen der Versanddienste",
    email_tool: "E-Mail-Tool",
    sync: "Abgleich",
    "sync:schedule": "Geplanter Abgleich",
    "sync:listmonk": "Abgleich mit listmonk",
    "sync:mailchimp": "Abgleich mit Mailchimp",
  },
  en: {
    campaign: "Serial correspondence",
    sending: "Sending",
    retention: "Retention",
    inbound: "Inbound (bounces, notifications)",
    imap: "IMAP polling",
    "signup-expiry": "Sign-up expiry",
    login: "Dashboard login",
    provider_webhook: "Sending services' reports",
    email_tool: "E-mail tool",
    sync: "Sync",
    "sync:schedule": "Scheduled sync",
    "sync:listmonk": "Sync with listmonk",
    "sync:mailchimp": "Sync with Mailchimp",
  },
};

/** Other processes that change records (the activity log's "Wer"). */
const otherProcesses: Record<ActorLang, Record<string, string>> = {
  de: {
    "campaign worker": "Versand der Serienkorrespondenz",
    cli: "Kommandozeile",
    "cli import": "Import über die Kommandozeile",
    public: "Öffentliche Seite (Anmeldung, Abmeldung)",
    "mailchimp-webhook": "Meldung von Mailchimp",
    bounces: "Bounce-Verarbeitung",
  },
  en: {
    "campaign worker": "Sending of serial correspondence",
    cli: "Command line",
    "cli import": "Import on the command line",
    public: "Public page (sign-up, unsubscribe)",
    "mailchimp-webhook": "Report from Mailchimp",
    bounces: "Bounce processing",
  },
};

export const providerNames: Record<string, string> = {
  sendgrid: "SendGrid",
  mailgun: "Mailgun",
  postmark: "Postmark",
  ses: "Amazon SES",
  brevo: "Brevo",
};

const providerReport: Record<ActorLang, (name: string) => string> = {
  de: (name) => `Meldung des Versanddienstes ${name}`,
  en: (name) => `Report from the sending service ${name}`,
};

/** "System (name)" for a process without words of its own. */
const unnamedProcess = (name: string) => `System (${name})`;

/** The kinds of actor, as the activity log shows them after the name ("Anna · Benutzer"). */
export const actorTypeWords: Record<ActorLang, Record<string, string>> = {
  de: { user: "Benutzer", api_key: "API-Schlüssel", system: "System", operator: "Betreiber" },
  en: { user: "User", api_key: "API key", system: "System", operator: "Operator" },
};

export const actorWords = {
  de: { eventLogProcesses: eventLogProcesses.de, actorTypes: actorTypeWords.de },
  en: { eventLogProcesses: eventLogProcesses.en, actorTypes: actorTypeWords.en },
};

/** A server process ("inbound", "campaign worker", "webhook:ses") in words; an unknown one as "System (name)". */
export function processName(name: string, lang: ActorLang): string {
  if (name.startsWith("webhook:")) {
    const provider = name.slice("webhook:".length);
    return providerReport[lang](providerNames[provider] ?? provider);
  }
  return eventLogProcesses[lang][name] ?? otherProcesses[lang][name] ?? unnamedProcess(name);
}

/** Every process name the server acts under that has words of its own. */
function namedProcesses(): string[] {
  return [
    ...new Set([
      ...Object.keys(eventLogProcesses.de),
      ...Object.keys(otherProcesses.de),
      ...Object.keys(providerNames).map((p) => `webhook:${p}`),
    ]),
  ];
}

/**
 * What a piece of "Wer" text means beyond a recorded name: the processes whose words in German or English
 * contain it, and the kinds of actor whose word does ("system", "benutzer"); any case.
 */
export function actorsWorded(text: string): { processes: string[]; types: string[] } {
  const needle = text.toLocaleLowerCase();
  const has = (words: string) => words.toLocaleLowerCase().includes(needle);
  const langs: ActorLang[] = ["de", "en"];
  const processes = namedProcesses().filter((p) => langs.some((l) => has(processName(p, l))));
  const types = Object.keys(actorTypeWords.de).filter((k) => langs.some((l) => has(actorTypeWords[l][k])));
  return { processes, types };
}
