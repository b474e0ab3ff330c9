// Labels of the transport and mailbox forms in Einstellungen (add, edit, delete), kept apart from de.ts/en.ts
// like the campaign and list blocks. Configuration fields are named by their API key.
import { useI18n } from "./index";

const de = {
  kinds: {
    smtp: "SMTP-Relay",
    capture: "Lokaler Postausgang",
    sendgrid: "SendGrid",
    mailgun: "Mailgun",
    postmark: "Postmark",
    ses: "Amazon SES",
  } as Record<string, string>,
  config: {
    host: "Server",
    port: "Port",
    user: "Benutzername",
    pass: "Passwort",
    api_key: "API-Schlüssel",
    base_url: "API-Adresse (leer = Standard)",
    domain: "Versanddomain",
    region: "Region",
    server_token: "Server-Token",
    message_stream: "Message Stream",
    access_key_id: "Access Key ID",
    secret_access_key: "Secret Access Key",
    configuration_set: "Configuration Set",
  } as Record<string, string>,
  keepSecret:
    "Leer lassen, um den gespeicherten Wert zu behalten. Gespeicherte Zugangsdaten werden nie angezeigt.",
  addTransport: "Versandweg anlegen",
  editTransport: (name: string) => `Versandweg ${name} bearbeiten`,
  deleteTransport: "Versandweg löschen",
  deleteTransportQuestion: (name: string) =>
    `Den Versandweg ${name} wirklich löschen? Nachrichten, die ihn nennen, können dann nicht mehr über ihn versendet werden.`,
  transportDeleted: "Der Versandweg wurde gelöscht.",
  makeDefault: "Standard-Versandweg",
  rateCount: "Sendelimit: Nachrichten",
  rateWindow: "Sendelimit: je Sekunden",
  concurrency: "Gleichzeitige Verbindungen",
  addMailbox: "Postfach anlegen",
  editMailbox: (name: string) => `Postfach ${name} bearbeiten`,
  deleteMailbox: "Postfach löschen",
  deleteMailboxQuestion: (name: string) =>
    `Das Postfach ${name} wirklich löschen? Es wird nicht mehr abgerufen und seine Zugangsdaten werden vergessen; bereits übernommene Nachrichten bleiben.`,
  mailboxDeleted: "Das Postfach wurde gelöscht.",
  mailboxName: "Bezeichnung",
  tls: "TLS von Anfang an (IMAPS, meist Port 993)",
  folder: "Ordner",
  purpose: "Zweck",
  purposes: { bounce: "Rückläufer", archive: "Archiv" } as Record<string, string>,
  after: "Nach der Übernahme",
  afters: { flag: "markieren", move: "verschieben" } as Record<string, string>,
  moveTo: "Verschieben in Ordner",
  pollSeconds: "Abruf alle … Sekunden",
  enabled: "Abruf eingeschaltet",
  lastPolled: "Zuletzt abgerufen",
  lastError: "Letzter Fehler",
};

type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { [K in keyof T]: Widen<T[K]> };

const en: Widen<typeof de> = {
  kinds: {
    smtp: "SMTP relay",
    capture: "Local outbox",
    sendgrid: "SendGrid",
    mailgun: "Mailgun",
    postmark: "Postmark",
    ses: "Amazon SES",
  },
  config: {
    host: "Server",
    port: "Port",
    user: "User name",
    pass: "Password",
    api_key: "API key",
    base_url: "API address (empty = default)",
    domain: "Sending domain",
    region: "Region",
    server_token: "Server token",
    message_stream: "Message stream",
    access_key_id: "Access key ID",
    secret_access_key: "Secret access key",
    configuration_set: "Configuration set",
  },
  keepSecret: "Leave empty to keep the stored value. Stored credentials are never shown.",
  addTransport: "Add transport",
  editTransport: (name: string) => `Edit transport ${name}`,
  deleteTransport: "Delete transport",
  deleteTransportQuestion: (name: string) =>
    `Really delete the transport ${name}? Messages that name it can no longer be sent through it.`,
  transportDeleted: "The transport was deleted.",
  makeDefault: "Default transport",
  rateCount: "Sending limit: messages",
  rateWindow: "Sending limit: per seconds",
  concurrency: "Concurrent connections",
  addMailbox: "Add mailbox",
  editMailbox: (name: string) => `Edit mailbox ${name}`,
  deleteMailbox: "Delete mailbox",
  deleteMailboxQuestion: (name: string) =>
    `Really delete the mailbox ${name}? It is no longer polled and its credentials are forgotten; mail already taken in stays.`,
  mailboxDeleted: "The mailbox was deleted.",
  mailboxName: "Name",
  tls: "TLS from the start (IMAPS, usually port 993)",
  folder: "Folder",
  purpose: "Purpose",
  purposes: { bounce: "Bounces", archive: "Archive" },
  after: "Once taken in",
  afters: { flag: "flag", move: "move" },
  moveTo: "Move to folder",
  pollSeconds: "Poll every … seconds",
  enabled: "Polling on",
  lastPolled: "Last polled",
  lastError: "Last error",
};

export const settingsDicts = { de, en };

export function useSettingsLabels() {
  return settingsDicts[useI18n().lang];
}
