// The dashboard's dictionaries (web/src/i18n): English has every key German has, with the same kind of
// value, and every message status the server can derive has a label and an explanation in both.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { exclusionReasons } from "../../src/campaigns/exclusions.js";
import { eventSources } from "../../src/events/service.js";
import { messageStatuses } from "../../src/events/status.js";
import { failure } from "../../src/smtp/failure.js";
import { engagementDetail } from "../../src/webhooks/machine.js";
import { formatDateTime, parseDateTime } from "../../web/src/i18n/datetime.js";
import { de } from "../../web/src/i18n/de.js";
import { en } from "../../web/src/i18n/en.js";
import { eventLogDetail, sentenceParts } from "../../web/src/i18n/event-log.js";
import { eventDetail, syncFields, syncTasks } from "../../web/src/i18n/events.js";
import { listDicts } from "../../web/src/i18n/lists.js";
import { actionWord, activitySentence, processName, setByText } from "../../web/src/i18n/reasons.js";

type Tree = { [k: string]: unknown };

/** Every path to a leaf with the leaf's kind (string, function/arity, array length). */
function shape(v: unknown, prefix = ""): string[] {
  if (typeof v === "string") return [`${prefix}:string`];
  if (typeof v === "function") return [`${prefix}:fn/${v.length}`];
  if (Array.isArray(v)) return [`${prefix}:array/${v.length}`];
  return Object.entries(v as Tree).flatMap(([k, x]) => shape(x, prefix ? `${prefix}.${k}` : k));
}

describe("dashboard dictionaries", () => {
  it("have the same keys and kinds of value in German and English", () => {
    const a = shape(de).sort();
    const b = shape(en).sort();
    expect(
      b.filter((x) => !a.includes(x)),
      "in en.ts but not de.ts",
    ).toEqual([]);
    expect(
      a.filter((x) => !b.includes(x)),
      "in de.ts but not en.ts",
    ).toEqual([]);
  });

  it("name and explain every message status in both languages", () => {
    for (const dict of [de, en]) {
      for (const s of messageStatuses) {
        expect(dict.statuses[s]?.label, s).toBeTruthy();
        expect(dict.statuses[s]?.help, s).toBeTruthy();
      }
    }
    // The seed-000 words (DESIGN §2) are the German labels.
    expect(
      ["processed", "sent", "delivered", "opened", "soft_bounced", "hard_bounced", "blocked"].map(
        (s) => de.statuses[s].label,
      ),
    ).toEqual(["Bearbeitet", "Gesendet", "Zugestellt", "Geöffnet", "Soft Bounce", "Hard Bounce", "Geblockt"]);
  });

  it("differ where they should (no untranslated copy of a German label)", () => {
    expect(en.nav.activities).not.toBe(de.nav.activities);
    const same = shape(de)
      .filter((p) => p.endsWith(":string"))
      .map((p) => p.slice(0, -":string".length))
      .filter((p) => {
        const get = (d: unknown) => p.split(".").reduce<unknown>((o, k) => (o as Tree)[k], d);
        return get(de) === get(en);
      });
    // Words that are the same in both languages (product name, technical terms, language names).
    const allowed =
      /^(app\.name|app\.none|lang\.|statuses\.(soft|hard)_bounced\.label|message\.(messageId|returnPath)|settings\.(port|code))/;
    const cognates = new Set([
      "Details",
      "Administrator",
      "Status",
      "Import",
      "Webhook",
      "System",
      "Name",
      "Server",
      "Information",
      // Seed 003 calls a tool's one-off sending "Mailing" in German too.
      "Mailing",
      // Consent channels that are names.
      "SMS",
      "Viber",
    ]);
    const value = (p: string) => p.split(".").reduce<unknown>((o, k) => (o as Tree)[k], de);
    expect(same.filter((p) => !allowed.test(p) && !cognates.has(value(p) as string))).toEqual([]);
  });
});

describe("event details in German", () => {
  const smtpReply = "250 2.0.0 Ok: queued as 4XyZ1";
  // One of each sentence the server writes on a message's timeline, its status reason or a campaign
  // recipient, with evidence values in it; those built by the server's own functions come from them.
  const samples = [
    "Accepted for sending",
    "Accepted for sending (a deliberate resend of msg_01abc)",
    "Resent as msg_01def",
    "Captured in the local outbox",
    `Accepted by the relay: ${smtpReply}`,
    "Accepted by Mailgun for delivery",
    "Prepared for campaign 'Frühjahr 2027'",
    "Not sent: the address is on the blocklist (Kundenwunsch)",
    "Not sent: the contact was erased (DSGVO Art. 17)",
    "Not sent by Amazon SES: the address is suppressed (OnAccountSuppressionList)",
    "Not sent by Mailgun: the address is on its bounce suppression list",
    "Not sent by SendGrid: suppressed",
    "Amazon SES refused to send: Bad content",
    "The transport this message was to go through no longer exists.",
    "The transport this campaign was sent through no longer exists.",
    "The transport's configuration is unusable: host: Required",
    "The message could not be built: bad attachment",
    (failure({ name: "Error", code: "ECONNRESET", message: "socket hang up" }, "relay") as { detail: string })
      .detail,
    "brevo answered HTTP 401: Key not found",
    "Deferred (attempt 2): 451 4.7.1 Try again later",
    "Gave up after 5 attempts; last reply: 451 4.7.1 Try again later",
    "Mailgun will try again: 452 mailbox full",
    "The connection broke after the message was handed over: No reply from the relay (ECONNRESET): x",
    "The worker stopped during the SMTP transaction; not resent automatically",
    "Prepared for the campaign; its worker stopped before it recorded the relay's reply",
    "Delivered: the recipient's mail server accepted it (2.0.0 250 OK).",
    "Delivered: the recipient's mail server accepted it.",
    "Relayed: the receiving system passed it on to one that sends no delivery notifications.",
    "Delayed: the mail server keeps trying (4.4.7 timeout).",
    "Delivered (Postmark): accepted by the receiving server",
    "Delivered (Amazon SES): 250 2.6.0 Message received",
    "Hard bounce (userunknown, 5.1.1): 550 5.1.1 <x@example.org>: Recipient address rejected",
    "Soft bounce (Mailgun, mailboxfull): 452 mailbox full",
    "Hard bounce (Amazon SES Permanent/General, undefined): no diagnostic given",
    "Report about the archive copy (delivered): 2.0.0",
    "A copy of this message was found in the archive mailbox (Archiv, INBOX): it really left.",
    "Read receipt from erika@example.org: the message was displayed. A receipt proves little (see the note).",
    "Read receipt from erika@example.org with disposition 'deleted': it does not say the message was shown.",
    "Complaint: the recipient's mail provider reports that erika@example.org marked this message as spam (feedback type 'abuse'). Poststelle unsubscribes the address from its lists.",
    "Unsubscribe request: erika@example.org asked by mail not to receive such messages any more (feedback type 'opt-out'). Poststelle unsubscribes the address from its lists.",
    "The recipient reported the message as spam (Postmark)",
    "The recipient unsubscribed (SendGrid)",
    "The recipient subscribed again to the unsubscribe group (SendGrid)",
    "Automatic reply (e.g. out of office) from erika@example.org: Ich bin bis Montag nicht im Büro.",
    "Opened",
    "Opened by a machine (Apple Mail Privacy Protection)",
    engagementDetail("Mailgun", "Opened", { machine: true, machine_reason: "bot" }),
    engagementDetail("Postmark", "Opened", { machine: false, machine_reason: null }),
    "Clicked https://praxis.example/termin",
    "Clicked https://praxis.example/termin by a machine (link scanner)",
    engagementDetail("Mailgun", "Clicked https://praxis.example/termin", {
      machine: false,
      machine_reason: null,
    }),
    "Clicked a link",
    "Postmark SpamNotification: blocked",
    `Not sent: ${exclusionReasons.no_consent.en}`,
  ];

  it("words every sentence the server writes, keeping its evidence values as they were", () => {
    const untouched = samples.filter((s) => eventDetail(s, "de") === s);
    expect(untouched).toEqual([]);
    expect(eventDetail(`Accepted by the relay: ${smtpReply}`, "de")).toBe(
      `Vom Relay angenommen: ${smtpReply}`,
    );
    expect(eventDetail("Not sent: the address is on the blocklist (Kundenwunsch)", "de")).toBe(
      "Nicht gesendet: die Adresse steht auf der Sperrliste (Kundenwunsch)",
    );
    // English stays the server's sentence, but for a record named by its id alone (its kind is said before
    // it, see "names a record the timeline gives by id only"); an unknown sentence is shown as written.
    expect(samples.filter((s) => eventDetail(s, "en") !== s)).toEqual([
      "Accepted for sending (a deliberate resend of msg_01abc)",
      "Resent as msg_01def",
    ]);
    expect(eventDetail("Something new the server says", "de")).toBe("Something new the server says");
    expect(eventDetail(null, "de")).toBeNull();
  });

  it("gives a campaign's exclusion reasons the server's own German, with what they add in brackets", () => {
    for (const r of Object.values(exclusionReasons)) {
      expect(eventDetail(r.en, "de")).toBe(r.de);
      expect(eventDetail(`${r.en} (gesperrt seit 2026)`, "de")).toBe(`${r.de} (gesperrt seit 2026)`);
      expect(eventDetail(`Not sent: ${r.en}`, "de")).toBe(`Nicht gesendet: ${r.de}`);
    }
  });
});

describe("a list member's event log in German", () => {
  it("words the sync's sentences with the workbench's own words for fields and tasks", () => {
    const samples: [string, string][] = [
      [
        'A subscription for the address "erika@example.org" was found.',
        "Für die Adresse „erika@example.org“ wurde eine Anmeldung gefunden.",
      ],
      [
        "The first name differs — here: Erika, in the tool: (empty).",
        "Vorname weicht ab — hier: Erika, im Tool: (leer).",
      ],
      [
        '"update name" not transmitted: 400 Invalid email',
        "„Name aktualisieren“ nicht übermittelt: 400 Invalid email",
      ],
      [
        '"transmit member" transmitted for erika@example.org.',
        "„Teilnehmer übermitteln“ übermittelt für erika@example.org.",
      ],
      [
        '"delete" transmitted for erika@example.org; the subscription was removed here.',
        "„Löschen“ übermittelt für erika@example.org; die Anmeldung wurde hier entfernt.",
      ],
    ];
    for (const [en, de] of samples) expect(eventDetail(en, "de")).toBe(de);
    for (const s of [
      'A subscription for the address "x@example.org" was found; its data differ from the tool\'s.',
      '"x@example.org" is subscribed in the tool; the known contact was added to the list (new in list).',
      '"x@example.org" is subscribed in the tool and was unknown here; a contact was created (new contact).',
      '"x@example.org" is subscribed here but not in the tool (not in tool).',
      "The fetch broke off.",
      'x@example.org was put on the blocklist; "set unsubscribed" is proposed so the tool stops mailing it.',
    ])
      expect(eventDetail(s, "de"), s).not.toBe(s);
    // The same words as the workbench's task and field labels.
    const tasks = listDicts.de.tasks as Record<string, string>;
    expect(Object.values(syncTasks).sort()).toEqual(Object.values(tasks).sort());
    expect(Object.values(syncFields).sort()).toEqual(Object.values(listDicts.de.fields).sort());
  });
});

describe("event-log entries in German", () => {
  // One of each sentence the server's processes write into the event log (src/campaigns, src/delivery,
  // src/inbound, src/signups, src/users, src/webhooks, src/sync), with evidence values in it.
  const samples = [
    "Campaign 'Frühjahr 2027': 1200 recipient(s) loaded; it is ready.",
    "The rate limit of transport 'Relay' (500 messages per 3600 s) is reached; sending continues at 2027-03-01T09:00:00.000Z.",
    "The rate limit of transport 'Relay' (500 messages per 3600 s) and the rate limit of sender domain 'praxis.example' (100 messages per 60 s) is reached; sending continues at 2027-03-01T09:00:00.000Z.",
    "Campaign 'Frühjahr 2027' continues sending.",
    "Campaign 'Frühjahr 2027' completed: 1180 sent, 20 excluded",
    "Campaign 'Frühjahr 2027' sent incompletely: 1170 sent, 20 excluded, 8 error, 2 unknown",
    "Campaign 'Frühjahr 2027' failed: 12 error",
    `3 recipient(s): The worker stopped during the SMTP transaction; not resent automatically. Check the relay's log; resend them deliberately with POST /v1/campaigns/cmp_01/send {"include_unknown": true} if needed.`,
    "2 recipient(s) could not be sent (smtp_rejected ×2); first: Rejected by the relay: 550 5.1.1 unknown user",
    "4 recipient(s) deferred by the relay and retried later (smtp_temporary ×4); first: Deferred (attempt 1): 451 4.7.1 Try again later",
    "Scheduled sending of campaign cmp_01 could not start: the template no longer exists",
    "Campaign 'Mahnung': pdf generated sorted by postal_code: 40 created, 2 excluded",
    "Campaign 'Mahnung': labels generated sorted by name: 0 created; the PDF failed: font missing",
    "The worker stopped during the SMTP transaction; not resent automatically. Check the recipient's mailbox or the relay's log, then resend deliberately if needed (POST /v1/messages/msg_01/resend).",
    "Purged the content of 12 message(s) created before 2026-05-01T00:00:00.000Z (retention period 180 days); their timelines are kept.",
    "3 unconfirmed sign-up(s) expired; 2 pending subscription(s) removed, 1 set back to their earlier status.",
    "5 failed logins for chefin@example.org within 15 minutes; further attempts are refused for up to 15 minutes.",
    "Polling IMAP mailbox 'Rückläufer' (imap.example.org:993, INBOX) failed: AUTHENTICATIONFAILED",
    "IMAP mailbox 'Rückläufer' works again.",
    "Took in 4 message(s) from IMAP mailbox 'Archiv' (archive).",
    "Inbound mail inb_01 is stored but could not be processed (bad MIME); it will be tried again.",
    "Complaint (spam report) from erika@example.org about message msg_01; unsubscribed from 2 list(s).",
    "Blocked erika@example.org after a hard bounce of message msg_01 (userunknown). An admin can lift the block.",
    "Blocked erika@example.org after repeated soft bounces of message msg_01 (mailboxfull). An admin can lift the block.",
    "2 mailgun event(s) name no message of this workspace; they were not stored.",
    "Amazon SNS reports that the subscription to arn:aws:sns:eu-central-1:1:ses was ended.",
    "Complaint (spam report, Postmark) from erika@example.org about message msg_01; unsubscribed and e-mail marketing consent withdrawn.",
    "Complaint (spam report, Postmark) from erika@example.org about message msg_01; no contact has this address, nothing to unsubscribe.",
    "Scheduled fetch skipped: 7 decided task(s) have not been transmitted and a fetch would clear them. Transmit them (or fetch by hand).",
    "The listmonk bounce for erika@example.org matches no recipient of this mailing and no subscription of its list.",
    "permanent bounce of erika@example.org reported by listmonk for mailing 'Newsletter März' (hard).",
    "Mailchimp: erika@example.org is now 'unsubscribed' (2027-03-01T09:00:00.000Z); the subscription follows.",
    "Mailchimp: erika@example.org was deleted (archived) in the tool; the subscription here is kept until you decide.",
    "Mailchimp: erika@example.org changed the address to erika.m@example.org; the contact follows (no duplicate, no 'not in tool').",
    "Mailchimp reports campaign 'abc123' (no subject): sent.",
    "Mailchimp set erika@example.org to 'unsubscribed' at 2027-03-01T09:00:00.000Z, but the status here ('subscribed', set 2027-03-02T10:00:00.000Z) is newer: nothing changed; the next fetch shows the conflict.",
    "Mailchimp: erika@example.org changed the name to 'Erika Muster' (2027-03-01T09:00:00.000Z); here it is 'Erika Mustermann'. Decide with the next reconcile.",
    "Mailchimp: erika@example.org is now 'subscribed' in the tool; the address is not on the list here, it arrives with the next fetch.",
    "Mailchimp: erika@example.org was deleted in the tool; the address is not on the list here, it arrives with the next fetch.",
    "Mailchimp: erika@example.org changed the profile; the address is not on the list here, it arrives with the next fetch.",
    "Mailchimp: erika@example.org changed the address to erika.m@example.org; the address is not on the list here, it arrives with the next fetch.",
    "A Mailchimp call for audience 'a1' reached the URL of audience 'b2'; ignored.",
    // Shared with a message's timeline: worded by eventDetail.
    "Gave up after 5 attempts; last reply: 451 4.7.1 Try again later",
  ];
  const date = (iso: string) => `[${iso}]`;

  it("words every entry the server's processes write, keeping names, counts and addresses", () => {
    expect(samples.filter((s) => eventLogDetail(s, "de", date) === s)).toEqual([]);
    // English stays the server's sentence, but for the API calls in it (see "API calls in the server's sentences").
    expect(samples.filter((s) => eventLogDetail(s, "en", date) !== s).map((s) => s.slice(0, 40))).toEqual([
      "3 recipient(s): The worker stopped durin",
      "The worker stopped during the SMTP trans",
    ]);
    expect(eventLogDetail(samples[0], "de")).toBe(
      "Serienkorrespondenz „Frühjahr 2027“: 1200 Empfänger geladen; sie ist bereit.",
    );
    expect(eventLogDetail(samples[2], "de", date)).toBe(
      "Das Sendelimit des Versandwegs „Relay“ (500 Nachrichten je 3600 s) und das Sendelimit der Absenderdomain „praxis.example“ (100 Nachrichten je 60 s) sind erreicht; der Versand geht am [2027-03-01T09:00:00.000Z] weiter.",
    );
    expect(eventLogDetail(samples[5], "de")).toBe(
      "Serienkorrespondenz „Frühjahr 2027“ unvollständig versendet: 1170 versendet, 20 ausgeschlossen, 8 Fehler, 2 Ergebnis unbekannt",
    );
    // A sentence inside a sentence is worded too.
    expect(eventLogDetail(samples[9], "de")).toContain("der erste: Zurückgestellt (Versuch 1): 451 4.7.1");
    expect(
      eventLogDetail(
        "Mailchimp: erika@example.org is now 'subscribed' in the tool; the address is not on the list here, it arrives with the next fetch.",
        "de",
      ),
    ).toBe(
      "Mailchimp: erika@example.org ist im Tool jetzt „subscribed“; die Adresse ist hier nicht im Verteiler, sie kommt mit dem nächsten Abruf.",
    );
    expect(eventLogDetail("Something new a process says", "de")).toBe("Something new a process says");
  });

  it("names every process the server logs under, in both languages", () => {
    const processes = ["campaign", "sending", "retention", "inbound", "imap", "signup-expiry", "login"];
    for (const p of [...processes, "provider_webhook", "email_tool", "sync", "sync:schedule"]) {
      expect(de.eventLog.processes[p], p).toBeTruthy();
      expect(en.eventLog.processes[p], p).toBeTruthy();
    }
  });
});

describe("activity sentences", () => {
  // As GET /v1/activities returns them (changes abridged).
  const created = (changes: Record<string, { before: unknown; after: unknown }>) => ({
    kind: "contact",
    action: "created",
    changes,
    data: null,
  });

  it("name a contact by its person, else by its first address", () => {
    const person = created({
      first_name: { before: null, after: "Erika" },
      last_name: { before: null, after: "Muster" },
      emails: { before: null, after: ["erika@example.com", "e.muster@example.org"] },
    });
    expect(activitySentence(person, "de", de)).toBe("Kontakt „Erika Muster“ erstellt");
    expect(activitySentence(person, "en", en)).toBe("Contact 'Erika Muster' created");
    const onlyAddress = created({
      first_name: { before: null, after: null },
      last_name: { before: null, after: "" },
      emails: { before: null, after: ["info@firma.example"] },
    });
    expect(activitySentence(onlyAddress, "de", de)).toBe("Kontakt „info@firma.example“ erstellt");
    const deleted = { ...person, action: "deleted", changes: null, data: { first_name: "Erika" } };
    expect(activitySentence(deleted, "de", de)).toBe("Kontakt „Erika“ gelöscht");
  });
});

describe("an activity's action", () => {
  it("is worded in both languages for every action the server records", () => {
    const src = path.resolve(import.meta.dirname, "../../src");
    const actions = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".ts") && !p.endsWith(".test.ts") && !p.includes("testkit")) {
          const text = fs.readFileSync(p, "utf8");
          // Only calls that record an activity (recordActivity / entryActivity / activity(...)).
          if (!/recordActivit|entryActivity|activity\(/.test(text)) continue;
          for (const m of text.matchAll(/\baction: "([a-z_]+)",/g)) actions.add(m[1]);
        }
      }
    };
    walk(src);
    expect(actions.size).toBeGreaterThan(15);
    // German words every one; English may keep a plain word ("created"), never a code ("send_started").
    expect(
      [...actions].filter((a) => actionWord(a, "de", de) === a || actionWord(a, "en", en).includes("_")),
    ).toEqual([]);
  });
});

describe("a campaign sent again", () => {
  it("says that it went to those not yet sent, not that sending started", () => {
    const again = {
      action: "send_started",
      kind: "campaign",
      changes: { name: { before: "Frühjahr", after: "Frühjahr" }, run_count: { before: 1, after: 2 } },
      data: null,
    };
    expect(activitySentence(again, "de", de)).toBe(
      "Serienkorrespondenz „Frühjahr“ erneut an die noch nicht Versendeten gesendet",
    );
    expect(activitySentence(again, "en", en)).toMatch(/sent again to those not yet sent$/);
    const first = { ...again, changes: { run_count: { before: 0, after: 1 } } };
    expect(activitySentence(first, "de", de)).toBe("Serienkorrespondenz Versand gestartet");
  });

  it("names a changed tracking switch in words, not as the field `tracking`", () => {
    const changed = {
      action: "updated",
      kind: "campaign",
      changes: { tracking: { before: true, after: false } },
      data: null,
    };
    expect(activitySentence(changed, "de", de)).toBe(
      "Serienkorrespondenz aktualisiert: Öffnungen und Klicks erfassen",
    );
    expect(activitySentence(changed, "en", en)).toMatch(/: tracking opens and clicks$/);
  });
});

describe("who set a subscription's status", () => {
  it("is named, or its process worded, never shown as a bare id", () => {
    expect(setByText("user:usr_1", "Anna Chefin", "de", de)).toBe("Anna Chefin (Benutzer)");
    expect(setByText("api_key:key_1", "Buchungssystem", "en", en)).toBe("Buchungssystem (API key)");
    expect(setByText("system:sync:mailchimp", null, "de", de)).toBe("Abgleich mit Mailchimp");
    expect(setByText("system:sync:listmonk", null, "en", en)).toBe("Sync with listmonk");
    expect(setByText("email_tool:mailchimp", null, "de", de)).toBe("E-Mail-Tool Mailchimp");
    expect(setByText("bounces", null, "de", de)).toBe("Bounce-Verarbeitung");
    expect(setByText("system:bounces", null, "en", en)).toBe("Bounce processing");
    expect(setByText("recipient:con_1", null, "de", de)).toBe("Empfänger (Link in der E-Mail)");
    expect(setByText("system:campaign worker", null, "de", de)).toBe("Versand der Serienkorrespondenz");
    // A process the dashboard does not know: named as the server wrote it.
    expect(setByText("system:nightly cleanup", null, "de", de)).toBe("System (nightly cleanup)");
    // A key without a name: its kind, not its id (which no page shows a person).
    expect(setByText("api_key:key_1", null, "de", de)).toBe("API-Schlüssel ohne Namen");
    expect(setByText("api_key:key_1", null, "en", en)).toBe("API key without a name");
    expect(setByText(null, null, "de", de)).toBe(de.app.none);
  });
});

describe("a server process that did something", () => {
  it("is named in words in both languages, never by its bare name", () => {
    expect(processName("inbound", "de")).toBe("Eingang (Rückläufer, Bestätigungen)");
    expect(processName("inbound", "en")).toBe("Inbound (bounces, notifications)");
    expect(processName("campaign worker", "de")).toBe("Versand der Serienkorrespondenz");
    expect(processName("webhook:ses", "de")).toBe("Meldung des Versanddienstes Amazon SES");
    expect(processName("bounces", "en")).toBe("Bounce processing");
    expect(processName("public", "en")).toBe("Public page (sign-up, unsubscribe)");
    // Every process the event log names, and every one the server acts as (src: systemActor(...)).
    for (const name of [
      "sending",
      "retention",
      "imap",
      "signup-expiry",
      "sync:schedule",
      "cli",
      "cli import",
    ]) {
      expect(processName(name, "de"), name).not.toMatch(/^System \(/);
      expect(processName(name, "en"), name).not.toMatch(/^System \(/);
    }
  });
});

describe("a timeline event's source", () => {
  it("is worded for every source the server records, differently in each language", () => {
    for (const source of eventSources) {
      expect(de.message.sources[source], source).toBeTruthy();
      expect(en.message.sources[source], source).toBeTruthy();
      expect(de.message.sources[source], source).not.toBe(source);
    }
    expect(de.message.sources.capture).toBe("Lokaler Postausgang");
  });
});

describe("record ids inside event-log sentences", () => {
  const msg = "msg_01kb2x3y4z5a6b7c8d9e0f1g2h";
  const cmp = "cmp_01kb2x3y4z5a6b7c8d9e0f1g2h";
  it("takes each id out and lets the word before it name the record", () => {
    const de = eventLogDetail(
      `Blocked niemand@example.org after a hard bounce of message ${msg} (550 5.1.1 unknown). An admin can lift the block.`,
      "de",
    );
    expect(sentenceParts(de)).toEqual([
      "niemand@example.org gesperrt nach einem Hard Bounce der ",
      { id: msg, kind: "message", word: "Nachricht" },
      " (550 5.1.1 unknown). Ein Administrator kann die Sperre aufheben.",
    ]);
    expect(
      sentenceParts(
        `Complaint (spam report) from a@example.org about message ${msg}; unsubscribed from 1 list(s).`,
      ),
    ).toEqual([
      "Complaint (spam report) from a@example.org about ",
      { id: msg, kind: "message", word: "message" },
      "; unsubscribed from 1 list(s).",
    ]);
    // A sentence that names no kind before the id: the record's kind words it (in the page).
    expect(sentenceParts(`Siehe ${cmp}.`)).toEqual([
      "Siehe ",
      { id: cmp, kind: "campaign", word: null },
      ".",
    ]);
  });

  it("leaves ids inside an API path, and sentences without ids, as they are", () => {
    const hint = `Resend deliberately (POST /v1/campaigns/${cmp}/resend).`;
    expect(sentenceParts(hint)).toEqual([hint]);
    expect(sentenceParts("Nichts zu tun.")).toEqual(["Nichts zu tun."]);
    expect(sentenceParts("")).toEqual([]);
  });
});

describe("API calls in the server's sentences", () => {
  const msg = "msg_01kb2x3y4z5a6b7c8d9e0f1g2h";
  const cmp = "cmp_01kb2x3y4z5a6b7c8d9e0f1g2h";
  // Sentences the server writes into the event log and a message's timeline that name a call.
  const sentences = [
    `The worker stopped during the SMTP transaction; not resent automatically. Check the recipient's mailbox or the relay's log, then resend deliberately if needed (POST /v1/messages/${msg}/resend).`,
    `3 recipient(s): The worker stopped during the SMTP transaction; not resent automatically. Check the relay's log; resend them deliberately with POST /v1/campaigns/${cmp}/send {"include_unknown": true} if needed.`,
    `Scheduled sending of campaign ${cmp} could not start: Campaign 'Brief' is a serial letter; generate it (POST /v1/campaigns/${cmp}/generate).`,
    `The import stopped without finishing (its process ended) after 20 rows. Resume it with POST /v1/imports/imp_01kb2x3y4z5a6b7c8d9e0f1g2h/resume: it goes on after the last committed row, nothing twice.`,
    "Nothing to see at GET /v1/something/new/abc.",
  ];
  it("says each as the button and page that do it, in German and English, never as a method and path", () => {
    for (const lang of ["de", "en"] as const) {
      for (const s of sentences) {
        for (const worded of [eventLogDetail(s, lang), eventDetail(s, lang)]) {
          expect(worded, `${lang}: ${s}`).not.toMatch(/\/v1\/|\b(GET|POST|PUT|PATCH|DELETE) /);
          expect(worded, `${lang}: ${s}`).not.toMatch(/\{"include_unknown"/);
        }
      }
    }
    expect(eventLogDetail(sentences[0], "de")).toBe(
      "Der Versandprozess endete während der SMTP-Übergabe; nicht automatisch erneut gesendet. Prüfen Sie das Postfach des Empfängers oder das Protokoll des Relays und senden Sie bei Bedarf bewusst erneut, mit „Erneut senden“ auf der Seite der Nachricht.",
    );
    expect(eventLogDetail(sentences[0], "en")).toBe(
      "The worker stopped during the SMTP transaction; not resent automatically. Check the recipient's mailbox or the relay's log, then resend deliberately if needed (with “Resend” on the message's page).",
    );
    expect(eventLogDetail(sentences[1], "de")).toMatch(
      /bewusst erneut, mit „Auch Empfänger mit unbekanntem Ergebnis erneut senden“ und „Erneut senden“ auf der Seite der Serienkorrespondenz\.$/,
    );
    expect(eventLogDetail(sentences[1], "en")).toMatch(
      /resend them deliberately with “Also resend recipients whose outcome is unknown” and “Send again” on the campaign's page if needed\.$/,
    );
    expect(eventLogDetail(sentences[2], "en")).toMatch(
      /generate it \(with “Generate letters” on the campaign's page\)\.$/,
    );
    expect(eventLogDetail(sentences[4], "de")).toBe("Nothing to see at über die Schnittstelle (API).");
    // The labels named are the dashboard's own.
    expect(eventLogDetail(sentences[0], "de")).toContain(`„${de.message.resend}“`);
    expect(eventLogDetail(sentences[0], "en")).toContain(`“${en.message.resend}”`);
  });

  it("names a record the timeline gives by id only by its kind, so the page shows a word, not the id", () => {
    expect(sentenceParts(eventDetail(`Resent as ${msg}`, "de"))).toEqual([
      "Erneut gesendet als neue ",
      { id: msg, kind: "message", word: "Nachricht" },
    ]);
    expect(sentenceParts(eventDetail(`Resent as ${msg}`, "en"))).toEqual([
      "Resent as new ",
      { id: msg, kind: "message", word: "message" },
    ]);
    expect(sentenceParts(eventDetail(`Accepted for sending (a deliberate resend of ${msg})`, "de"))).toEqual([
      "Zum Versand angenommen (bewusst erneut gesendet; Original: ",
      { id: msg, kind: "message", word: "Nachricht" },
      ")",
    ]);
  });
});

describe("date-time filters typed in the user's language", () => {
  it("reads German dates in German and ISO or British ones in English, and refuses what is no date", () => {
    expect(parseDateTime("25.11.2026 14:30", "de")).toBe("2026-11-25T14:30");
    expect(parseDateTime(" 1.2.2026 8.05 ", "de")).toBe("2026-02-01T08:05");
    expect(parseDateTime("1.2.2026", "de")).toBe("2026-02-01T00:00");
    expect(parseDateTime("2026-11-25 14:30", "de")).toBeNull();
    expect(parseDateTime("31.02.2026", "de")).toBeNull();
    expect(parseDateTime("25.11.2026 24:00", "de")).toBeNull();
    expect(parseDateTime("2026-11-25 14:30", "en")).toBe("2026-11-25T14:30");
    expect(parseDateTime("2026-11-25T14:30", "en")).toBe("2026-11-25T14:30");
    expect(parseDateTime("25/11/2026 14:30", "en")).toBe("2026-11-25T14:30");
    expect(parseDateTime("11/25/2026", "en")).toBeNull();
    expect(formatDateTime("2026-02-01T08:05", "de")).toBe("01.02.2026 08:05");
    expect(formatDateTime("2026-02-01T08:05", "en")).toBe("2026-02-01 08:05");
    expect(formatDateTime("", "de")).toBe("");
    expect(formatDateTime("kaputt", "de")).toBe("kaputt");
  });
});
