// Serial correspondence in a real browser (issue 7 item 6, seed 004): create a serial e-mail from a list
// through the form, send it and watch its progress reach the end, with each recipient's status and reason;
// the template editor shows a merge-field error at its line and previews for a chosen contact; the
// statistics page shows what the run did; a serial letter's PDF is shown in the page and downloads as a PDF;
// a viewer sees no write button; the scheduled time is typed in the app's language. axe on every page.
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requirePeer } from "../peers/require.js";
import {
  axeProblems,
  downloadBy,
  logIn,
  openSettled,
  overflowOnPhone,
  queryRefusals,
  shot,
  sidewaysOverflow,
  switchLanguage,
  WAIT,
} from "./browser.js";
import { buildDashboardIfStale, call, type E2EServer, startServer } from "./server.js";

const ADMIN = { email: "chefin@physio-rhein.example", password: "Massage-Termin-2026" };
const VIEWER = { email: "praktikant@physio-rhein.example", password: "Nur-Lesen-2026!" };
const STEP = 120_000;
const PEOPLE = 12;
/** The last two have no marketing consent: they end excluded with that reason. */
const CONSENTING = 10;

let server: E2EServer;
let browser: Browser;
let page: Page;
let key: string;
let templateId: string;
let campaignId: string;

async function expectNoSeriousAxeViolations(p: Page) {
  // The template preview frame shows the user's own e-mail HTML (sandboxed, scripts off, so axe cannot
  // run inside it either): it is content, not the dashboard.
  expect((await axeProblems(p, [".preview-frame"])).join("\n")).toBe("");
}

requirePeer("chromium")("serial correspondence in Chromium", () => {
  beforeAll(async () => {
    buildDashboardIfStale();
    server = await startServer();
    const op = server.operatorKey;
    const ws = await call<{ id: string }>(server, op, "POST", "/v1/workspaces", {
      name: "Physiotherapie am Rhein",
      settings: { default_from: "praxis@physio-rhein.example" },
    });
    key = (
      await call<{ key: string }>(server, op, "POST", `/v1/workspaces/${ws.id}/api-keys`, { role: "admin" })
    ).key;
    for (const [who, role] of [
      [ADMIN, "admin"],
      [VIEWER, "viewer"],
    ] as const) {
      await call(server, op, "POST", `/v1/workspaces/${ws.id}/users`, { ...who, role, name: role });
    }
    const list = await call<{ id: string }>(server, key, "POST", "/v1/lists", {
      name: "Patientenbrief Herbst",
      sender_email: "praxis@physio-rhein.example",
      sender_name: "Physio am Rhein",
    });
    for (let i = 1; i <= PEOPLE; i++) {
      const c = await call<{ id: string }>(server, key, "POST", "/v1/contacts", {
        salutation: i % 2 ? "Frau" : "Herr",
        first_name: `Vorname${i}`,
        last_name: `Patient${i}`,
        emails: [`patient${i}@example.org`],
      });
      if (i <= CONSENTING) {
        await call(server, key, "POST", `/v1/contacts/${c.id}/consents`, {
          channel: "email",
          purpose: "marketing",
          status: "granted",
          source: "Anmeldeformular",
        });
      }
      await call(server, key, "POST", `/v1/lists/${list.id}/subscriptions`, {
        contact_id: c.id,
        status: "subscribed",
      });
    }
    templateId = (
      await call<{ id: string }>(server, key, "POST", "/v1/templates", {
        name: "Herbstgruß",
        subject: "Neue Kurse für {{ contact.first_name }}",
        html: "<p>{{ contact.letter_salutation }},</p>\n<p>ab Oktober gibt es Rückenkurse.</p>",
      })
    ).id;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    page = await ctx.newPage();
    await logIn(page, server, ADMIN);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  it(
    "creates a serial e-mail from a list, sends it and watches the progress reach the end",
    async () => {
      await page.goto(`${server.url}/campaigns`);
      await page.getByText("Noch keine Serienkorrespondenz").waitFor();
      await expectNoSeriousAxeViolations(page);
      await page.getByRole("link", { name: "Neue Serienkorrespondenz" }).click();
      await page.getByLabel("Bezeichnung").fill("Herbstkurse 2026");
      await page.getByLabel("Patientenbrief Herbst").check();
      await page.getByLabel("Vorlage").selectOption({ label: "Herbstgruß" });
      // The template's subject is offered as the campaign's.
      await expect
        .poll(() => page.getByLabel("Betreff").inputValue())
        .toBe("Neue Kurse für {{ contact.first_name }}");
      await page.getByLabel("Absenderadresse").fill("praxis@physio-rhein.example");
      // The workspace does not track opens and clicks: the campaign's box says where to switch it on.
      const tracking = page.getByLabel("Öffnungen und Klicks erfassen");
      expect(await tracking.isDisabled()).toBe(true);
      expect(await tracking.isChecked()).toBe(false);
      await page
        .getByText("In den Einstellungen ist das Erfassen von Öffnungen und Klicks ausgeschaltet.")
        .waitFor();
      await expectNoSeriousAxeViolations(page);
      await page.getByRole("button", { name: "Anlegen" }).click();

      await page.waitForURL(/\/campaigns\/cmp_/);
      campaignId = page.url().split("/").pop() ?? "";
      await page.getByText("Nein – in den Einstellungen ausgeschaltet").waitFor();
      // Recipients load in the background; the page polls until the campaign is ready.
      await page.locator(".state-chip", { hasText: "Bereit" }).waitFor({ timeout: 60_000 });
      await page.getByRole("button", { name: "Senden", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Senden" }).click();

      const bar = page.getByRole("progressbar", { name: "Fortschritt" });
      await expect
        .poll(() => bar.getAttribute("aria-valuetext"), { timeout: 90_000, interval: 500 })
        .toBe(`${PEOPLE} von ${PEOPLE} bearbeitet`);
      await page.locator(".state-chip", { hasText: "Unvollständig versendet" }).waitFor({ timeout: 30_000 });
      const progress = page.locator("section", {
        has: page.getByRole("progressbar", { name: "Fortschritt" }),
      });
      expect(await progress.getByText(`Versendet: ${CONSENTING}`).count()).toBe(1);
      expect(await progress.getByText(`Ausgeschlossen: ${PEOPLE - CONSENTING}`).count()).toBe(1);

      // Each recipient with its processing status and reason; the sent ones link to their message.
      await page.getByLabel("Bearbeitungsstatus").selectOption({ label: "Ausgeschlossen" });
      await expect
        .poll(() => page.getByRole("cell", { name: "Keine Einwilligung für diesen Zweck" }).count())
        .toBe(PEOPLE - CONSENTING);
      await page.getByLabel("Bearbeitungsstatus").selectOption({ label: "Versendet" });
      await expect.poll(() => page.getByRole("link", { name: "Nachricht öffnen" }).count()).toBe(CONSENTING);
      // Named in words, not by the message's id.
      expect(await page.getByRole("link", { name: /^msg_/ }).count()).toBe(0);
      // Sending again is offered for the ones not yet sent; the API agrees on the counts.
      expect(await page.getByRole("button", { name: /Erneut senden/ }).count()).toBe(1);
      const api = await call<{ progress: { counts: Record<string, number> } }>(
        server,
        key,
        "GET",
        `/v1/campaigns/${campaignId}`,
      );
      expect(api.progress.counts).toMatchObject({ sent: CONSENTING, excluded: PEOPLE - CONSENTING });
      // The campaign's event log says, in German, that its recipients were loaded and how it ended.
      const log = page.getByRole("region", { name: "Ereignisprotokoll dieser Serienkorrespondenz" });
      await log
        .getByText(`Serienkorrespondenz „Herbstkurse 2026“: ${PEOPLE} Empfänger geladen; sie ist bereit.`)
        .waitFor({ timeout: 30_000 });
      await log
        .getByText(
          `Serienkorrespondenz „Herbstkurse 2026“ unvollständig versendet: ${CONSENTING} versendet, ${PEOPLE - CONSENTING} ausgeschlossen`,
        )
        .waitFor({ timeout: 30_000 });
      await expectNoSeriousAxeViolations(page);
      await shot(page, "campaign-sent");

      // Meldungen › Ereignisprotokoll: the same entries among all processes', filtered by process and type,
      // and ticked as checked by whoever looked at them.
      await page.getByRole("link", { name: "Ereignisprotokoll", exact: true }).click();
      await page.waitForURL(/\/event-log/);
      await page.getByLabel("Prozess").selectOption({ label: "Serienkorrespondenz" });
      await page.getByLabel("Typ").selectOption({ label: "Warnung" });
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(/process=campaign/);
      const row = page.locator("tr.event-log-entry", { hasText: "unvollständig versendet" });
      await row.waitFor({ timeout: 30_000 });
      // The filtered list replaces the whole one: wait for it rather than read the rows in between.
      await expect.poll(() => page.locator("tr.event-log-entry").count()).toBe(1);
      const open = row.getByRole("link", { name: "Serienkorrespondenz öffnen" });
      expect(await open.getAttribute("href")).toBe(`/campaigns/${campaignId}`);
      expect(await row.textContent()).not.toContain(campaignId);
      await row.getByRole("checkbox", { name: "Als geprüft markieren" }).check();
      await row.getByText("geprüft von").waitFor();
      const entries = await call<{ items: Array<{ checked: boolean; severity: string }> }>(
        server,
        key,
        "GET",
        `/v1/event-log?record_id=${campaignId}&checked=true`,
      );
      expect(entries.items).toMatchObject([{ checked: true, severity: "warning" }]);
      await expectNoSeriousAxeViolations(page);
      await shot(page, "event-log");
    },
    STEP * 2,
  );

  it(
    "shows a merge-field error at its line and previews the template for a chosen contact",
    async () => {
      await page.goto(`${server.url}/campaigns/templates/${templateId}`);
      const frame = page.frameLocator("iframe[title='Vorschau']");
      await frame.getByText("Sehr geehrte Frau Mustermann,").waitFor({ timeout: 30_000 });
      await page.getByLabel("Vorschau für Kontakt", { exact: true }).first().fill("Patient3");
      const option = page.locator("select[aria-label='Vorschau für Kontakt'] option", {
        hasText: "Vorname3 Patient3",
      });
      await option.waitFor({ state: "attached", timeout: 30_000 });
      await page
        .getByRole("combobox", { name: "Vorschau für Kontakt" })
        .selectOption((await option.getAttribute("value")) ?? "");
      await frame.getByText("Sehr geehrte Frau Patient3,").waitFor({ timeout: 30_000 });
      await page
        .getByLabel("HTML", { exact: true })
        .fill("<p>Hallo</p>\n<p>{{ contact.lieblingsfarbe }}</p>");
      // At its line, in German: the part by its name and the field that does not exist.
      await page
        .getByText(
          /^HTML-Teil, Zeile 2, Spalte \d+: Unbekanntes Seriendruckfeld „contact\.lieblingsfarbe“\. (Meinten Sie|Bekannt sind)/,
        )
        .waitFor({ timeout: 30_000 });
      await expectNoSeriousAxeViolations(page);
      await shot(page, "template-editor");
    },
    STEP,
  );

  it(
    "shows the run in the statistics with charts that have a table behind them",
    async () => {
      await page.goto(`${server.url}/statistics?campaign_id=${campaignId}`);
      const sent = page.locator(".stat", { hasText: "Versendet" }).locator(".value");
      await expect.poll(() => sent.textContent(), { timeout: 30_000 }).toBe(String(CONSENTING));
      expect(await page.getByRole("img", { name: "Zustelltrichter" }).count()).toBe(1);
      await page.getByText("Als Tabelle").first().click();
      expect(await page.getByRole("cell", { name: "Versendet" }).count()).toBeGreaterThan(0);
      await expectNoSeriousAxeViolations(page);
      await shot(page, "statistics");
    },
    STEP,
  );

  it(
    "sends again to those not yet sent, then completes the campaign, which freezes it",
    async () => {
      await page.goto(`${server.url}/campaigns/${campaignId}`);
      await page.locator(".state-chip", { hasText: "Unvollständig versendet" }).waitFor();
      const before = await call<{ run_count: number }>(server, key, "GET", `/v1/campaigns/${campaignId}`);
      await page.getByRole("button", { name: "Erneut senden (nur noch nicht Versendete)" }).click();
      await page
        .getByRole("dialog")
        .getByRole("button", { name: "Erneut senden (nur noch nicht Versendete)" })
        .click();
      await page.getByText("Der Versand wurde gestartet.").waitFor();
      // The two without consent stay excluded: nobody is sent twice, the run ends as before. (The chip
      // still shows the previous run's end at first: wait for the new run to have ended.)
      type Campaign = { run_count: number; state: string; progress: { counts: Record<string, number> } };
      const ended = () => call<Campaign>(server, key, "GET", `/v1/campaigns/${campaignId}`);
      await expect
        .poll(
          async () => {
            const c = await ended();
            return c.run_count === before.run_count + 1 && c.state === "incomplete_sent";
          },
          { timeout: 60_000 },
        )
        .toBe(true);
      await page.locator(".state-chip", { hasText: "Unvollständig versendet" }).waitFor({ timeout: 60_000 });
      const after = await ended();
      expect(after.run_count).toBe(before.run_count + 1);
      expect(after.progress.counts).toMatchObject({ sent: CONSENTING, excluded: PEOPLE - CONSENTING });
      // The activity log says what happened in words.
      await page.goto(`${server.url}/activities`);
      await page
        .getByText("erneut an die noch nicht Versendeten gesendet", { exact: false })
        .first()
        .waitFor();
      // Completed after asking: frozen, nothing to send or change any more.
      await page.goto(`${server.url}/campaigns/${campaignId}`);
      await page.getByRole("button", { name: "Abschließen" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Abschließen" }).click();
      await page.locator(".state-chip", { hasText: "Abgeschlossen" }).waitFor();
      await page
        .getByText("Abgeschlossen: diese Serienkorrespondenz kann nicht mehr geändert werden.")
        .waitFor();
      for (const name of [/Senden/, /Abschließen/, /Löschen/]) {
        expect(await page.getByRole("button", { name }).count()).toBe(0);
      }
      await expectNoSeriousAxeViolations(page);
    },
    STEP,
  );

  it(
    "creates a serial e-mail for contacts chosen by their details instead of a list",
    async () => {
      await page.goto(`${server.url}/campaigns/new`);
      await page.getByLabel("Bezeichnung").fill("Nachsorge Patient1x");
      await page.getByLabel("Auch Kontakte nach Merkmalen").check();
      await page.getByLabel("Name enthält").fill("Patient1");
      await page.getByLabel("Nur Kontakte mit Einwilligung in Werbung per E-Mail").check();
      await page.getByLabel("Vorlage").selectOption({ label: "Herbstgruß" });
      await page.getByLabel("Absenderadresse").fill("praxis@physio-rhein.example");
      await expectNoSeriousAxeViolations(page);
      await page.getByRole("button", { name: "Anlegen" }).click();
      await page.waitForURL(/\/campaigns\/cmp_/);
      const id = page.url().split("/").pop() ?? "";
      await page.locator(".state-chip", { hasText: "Bereit" }).waitFor({ timeout: 60_000 });
      // Patient1, Patient10, Patient11 and Patient12 match the name; of them 1 and 10 consented.
      const created = await call<{ list_ids: string[]; filter: unknown; recipient_count: number }>(
        server,
        key,
        "GET",
        `/v1/campaigns/${id}`,
      );
      expect(created.list_ids).toEqual([]);
      expect(created.filter).toEqual({ q: "Patient1", consent: { channel: "email", purpose: "marketing" } });
      expect(created.recipient_count).toBe(2);
      await page.getByText("Name enthält „Patient1“; mit Einwilligung (email/marketing)").waitFor();
      await call(server, key, "DELETE", `/v1/campaigns/${id}`);
    },
    STEP,
  );

  it(
    "reads the scheduled time in the app's language (TT.MM.JJJJ HH:MM in German), not the browser's format, and moves or calls off a scheduled send before it starts",
    async () => {
      await page.goto(`${server.url}/campaigns/new`);
      await page.getByLabel("Bezeichnung").fill("Termin Patient1x");
      await page.getByLabel("Auch Kontakte nach Merkmalen").check();
      await page.getByLabel("Name enthält").fill("Patient1");
      await page.getByLabel("Vorlage").selectOption({ label: "Herbstgruß" });
      await page.getByLabel("Absenderadresse").fill("praxis@physio-rhein.example");
      const at = page.getByLabel("Versand geplant für");
      expect(await at.getAttribute("type")).toBe("text");
      expect(await at.getAttribute("placeholder")).toBe("TT.MM.JJJJ HH:MM");
      // An ISO date in German mode is marked at its field and nothing is created (not sent at once either).
      await at.fill("2030-12-01 09:30");
      await page.getByText("Bitte als TT.MM.JJJJ HH:MM eingeben.").waitFor();
      expect(await at.getAttribute("aria-invalid")).toBe("true");
      await page.getByRole("button", { name: "Anlegen" }).click();
      expect(page.url()).toMatch(/\/campaigns\/new$/);
      await at.fill("1.12.2030 9:30");
      expect(await at.getAttribute("aria-invalid")).toBeNull();
      // In English the same time reads in ISO order; back in German as TT.MM.JJJJ.
      await switchLanguage(page, "en");
      await expect.poll(() => page.getByLabel("Send scheduled for").inputValue()).toBe("2030-12-01 09:30");
      await switchLanguage(page, "de");
      await expect.poll(() => at.inputValue()).toBe("01.12.2030 09:30");
      await page.getByRole("button", { name: "Anlegen" }).click();
      await page.waitForURL(/\/campaigns\/cmp_/);
      const id = page.url().split("/").pop() ?? "";
      const created = await call<{ scheduled_at: string | null }>(server, key, "GET", `/v1/campaigns/${id}`);
      const local = await page.evaluate(() => new Date(2030, 11, 1, 9, 30).toISOString());
      expect(new Date(created.scheduled_at ?? "").toISOString()).toBe(local);

      // On its page: the time applies once "Senden" is pressed; then it waits for it.
      await page.locator(".state-chip", { hasText: "Bereit" }).waitFor({ timeout: 60_000 });
      const details = page.locator("section", { has: page.getByRole("heading", { name: "Details" }) });
      await details.getByText("(gilt, sobald „Senden“ gedrückt ist)").waitFor();
      await page.getByRole("button", { name: "Senden", exact: true }).click();
      const dialog = page.getByRole("dialog");
      expect(await dialog.getByRole("heading").textContent()).toMatch(
        /^Am 01\.12\.2030, 09:30(:00)? senden\?$/,
      );
      await dialog.getByRole("button", { name: "Senden" }).click();
      await page.getByText("Der Versand ist geplant.").waitFor();
      await details.getByText("(wartet auf diesen Zeitpunkt)").waitFor();
      // Rescheduled before it started: typed in German, bad input marked at the field and not saved.
      const again = page.getByLabel("Versand geplant für");
      await expect.poll(() => again.inputValue()).toBe("01.12.2030 09:30");
      await again.fill("2.12.30 10:15");
      await page.getByRole("button", { name: "Ändern" }).click();
      await page.getByText("Bitte als TT.MM.JJJJ HH:MM eingeben.").waitFor();
      await again.fill("02.12.2030 10:15");
      await page.getByRole("button", { name: "Ändern" }).click();
      await page.getByText("Gespeichert", { exact: false }).first().waitFor();
      const moved = await call<{ scheduled_at: string; send_scheduled: boolean }>(
        server,
        key,
        "GET",
        `/v1/campaigns/${id}`,
      );
      const movedTo = await page.evaluate(() => new Date(2030, 11, 2, 10, 15).toISOString());
      expect(new Date(moved.scheduled_at).toISOString()).toBe(movedTo);
      expect(moved.send_scheduled).toBe(true);
      await expect.poll(() => details.textContent()).toMatch(/02\.12\.2030, 10:15/);
      // Logged with the time before and after.
      const log = await call<{
        items: Array<{ changes: Record<string, { before: string; after: string }> }>;
      }>(server, key, "GET", `/v1/activities?kind=campaign&action=updated&record_id=${id}`);
      expect(log.items[0].changes.scheduled_at).toEqual({ before: local, after: movedTo });
      // Called off: the campaign stays ready, nothing waits any more.
      await page.getByRole("button", { name: "Geplanten Versand absagen" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Geplanten Versand absagen" }).click();
      await page.getByText("Der geplante Versand ist abgesagt.", { exact: false }).waitFor();
      await details.getByText("(gilt, sobald „Senden“ gedrückt ist)").waitFor();
      expect(await page.getByRole("button", { name: "Geplanten Versand absagen" }).count()).toBe(0);
      const off = await call<{ state: string; send_scheduled: boolean }>(
        server,
        key,
        "GET",
        `/v1/campaigns/${id}`,
      );
      expect(off).toMatchObject({ state: "ready", send_scheduled: false });
      await shot(page, "campaign-rescheduled");
      await call(server, key, "DELETE", `/v1/campaigns/${id}`);
    },
    STEP,
  );

  it(
    "filters E-Mail-Status by the campaign and Kontakte by the list, each chosen by its name",
    async () => {
      // A transactional message and a contact on no list: what the filters must leave out.
      await call(server, key, "POST", "/v1/contacts", {
        first_name: "Nicht",
        last_name: "Imverteiler",
        emails: ["ohne-verteiler@example.org"],
      });
      await call(server, key, "POST", "/v1/messages", {
        to: "ohne-verteiler@example.org",
        subject: "Ihre Rechnung",
        text: "Guten Tag, anbei die Rechnung.",
      });
      await page.goto(`${server.url}/messages`);
      await expect.poll(() => page.getByRole("cell", { name: /Ihre Rechnung/ }).count(), WAIT).toBe(1);
      await page.getByLabel("Serienkorrespondenz").selectOption({ label: "Herbstkurse 2026" });
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(new RegExp(`campaign_id=${campaignId}`));
      await expect.poll(() => page.locator("tbody tr").count(), WAIT).toBe(CONSENTING);
      expect(await page.getByRole("cell", { name: /Ihre Rechnung/ }).count()).toBe(0);
      // A bookmarked view keeps its campaign chosen after a reload, by name.
      await page.reload();
      await expect
        .poll(() => page.getByLabel("Serienkorrespondenz").locator("option:checked").textContent(), WAIT)
        .toBe("Herbstkurse 2026");

      await page.goto(`${server.url}/contacts`);
      await expect.poll(() => page.locator("tbody tr").count(), WAIT).toBe(PEOPLE + 1);
      await page.getByLabel("Verteiler").selectOption({ label: "Patientenbrief Herbst" });
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(/list_id=list_/);
      await expect.poll(() => page.locator("tbody tr").count(), WAIT).toBe(PEOPLE);
      expect(await page.getByText("ohne-verteiler@example.org").count()).toBe(0);
      await expectNoSeriousAxeViolations(page);
    },
    STEP,
  );

  it(
    "generates a serial letter's PDF, shows it in the page and offers it as a PDF download",
    async () => {
      const list = await call<{ id: string }>(server, key, "POST", "/v1/lists", { name: "Briefe Herbst" });
      for (const [first_name, last_name, street, postal_code, city] of [
        ["Erika", "Zander", "Lindenweg 4", "80331", "München"],
        ["Bernd", "Albers", "Hafenstraße 12", "20095", "Hamburg"],
      ]) {
        const c = await call<{ id: string }>(server, key, "POST", "/v1/contacts", {
          first_name,
          last_name,
          address: { street, postal_code, city },
        });
        await call(server, key, "POST", `/v1/contacts/${c.id}/consents`, {
          channel: "post",
          purpose: "marketing",
          status: "granted",
          source: "Anmeldeformular",
        });
        await call(server, key, "POST", `/v1/lists/${list.id}/subscriptions`, { contact_id: c.id });
      }
      const letterTemplate = await call<{ id: string }>(server, key, "POST", "/v1/templates", {
        name: "Herbstbrief",
        kind: "letter",
        subject: "Neue Kurse",
        text: "ab Oktober gibt es Rückenkurse, {{ contact.first_name }}.",
      });
      const letter = await call<{ id: string }>(server, key, "POST", "/v1/campaigns", {
        name: "Herbstbrief 2026",
        kind: "letter",
        list_ids: [list.id],
        template_id: letterTemplate.id,
        subject: "Neue Kurse im Herbst",
      });
      await page.goto(`${server.url}/campaigns/${letter.id}`);
      await page.getByRole("heading", { name: "Dokument" }).waitFor();
      await page.getByText("Noch kein Dokument erzeugt.").waitFor();
      const field = (name: string) => page.getByRole("textbox", { name, exact: true });
      await field("Name").fill("Physio am Rhein");
      await field("Straße").fill("Rheinufer 1");
      await field("PLZ").fill("53111");
      await field("Ort").fill("Bonn");
      // Recipients may still be loading: the button waits for the campaign to be ready.
      const generate = page.getByRole("button", { name: "Briefe erzeugen" });
      await expect.poll(() => generate.isEnabled(), { timeout: 60_000 }).toBe(true);
      // The letter's subject comes from the campaign; without one the panel says so at the field, in German,
      // and asks nothing of the server.
      const letterSubject = field("Betreff im Brief");
      expect(await letterSubject.inputValue()).toBe("Neue Kurse im Herbst");
      await letterSubject.fill("");
      await generate.click();
      await page.getByText("Geben Sie dem Brief einen Betreff; er steht über der Anrede.").waitFor();
      expect((await call<{ state: string }>(server, key, "GET", `/v1/campaigns/${letter.id}`)).state).toBe(
        "ready",
      );
      await letterSubject.fill("Neue Kurse im Herbst 2026");
      // The page fetches the generated document with the session and shows it from a blob: URL.
      const documentResponse = page.waitForResponse(
        (r) => r.url().endsWith(`/v1/campaigns/${letter.id}/document`),
        {
          timeout: 120_000,
        },
      );
      await generate.click();
      // A refusal would show as a banner: fail with its words rather than wait for the frame.
      await page
        .locator("iframe.pdf-frame, #document-h ~ form .banner-error")
        .first()
        .waitFor({ timeout: 90_000 });
      expect(await page.locator("#document-h ~ form .banner-error").allTextContents()).toEqual([]);

      // Wait until the generation is over (the page shows each new document as it comes).
      await expect
        .poll(
          async () => {
            const x = await call<{ state: string; document: unknown }>(
              server,
              key,
              "GET",
              `/v1/campaigns/${letter.id}`,
            );
            return x.document !== null && x.state !== "in_progress";
          },
          { timeout: 90_000 },
        )
        .toBe(true);
      // The subject given in the panel is the campaign's subject now (generating saves it, as sending does).
      expect(
        (await call<{ subject: string }>(server, key, "GET", `/v1/campaigns/${letter.id}`)).subject,
      ).toBe("Neue Kurse im Herbst 2026");
      // Shown in the page: an embedded frame whose document is the PDF.
      const frame = page.locator("iframe.pdf-frame");
      await frame.waitFor({ timeout: 60_000 });
      // The frame shows the PDF the page fetched (the page's CSP keeps scripts from reading blob: URLs,
      // so the test checks the response the frame's document was made from; its bytes are read below).
      expect(await frame.getAttribute("src")).toMatch(/^blob:/);
      const fetched = await documentResponse;
      expect(fetched.status()).toBe(200);
      expect(fetched.headers()["content-type"]).toMatch(/^application\/pdf/);

      // Downloadable: the link saves a PDF named after the campaign.
      const pdf = await downloadBy(page, page.getByRole("link", { name: "PDF herunterladen" }));
      expect(pdf.name).toBe("Herbstbrief 2026.pdf");
      expect(pdf.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");

      // The API answers it as a PDF to the signed-in user.
      const direct = await page.evaluate(async (id) => {
        const r = await fetch(`/v1/campaigns/${id}/document`);
        const bytes = new Uint8Array(await r.arrayBuffer());
        return {
          status: r.status,
          type: r.headers.get("content-type"),
          disposition: r.headers.get("content-disposition"),
          head: String.fromCharCode(...bytes.slice(0, 5)),
        };
      }, letter.id);
      expect(direct).toMatchObject({ status: 200, head: "%PDF-" });
      expect(direct.type).toMatch(/^application\/pdf/);
      expect(direct.disposition).toMatch(/^attachment; filename=/);
      await shot(page, "campaign-letter-pdf");
      await expectNoSeriousAxeViolations(page);
    },
    STEP,
  );

  it(
    "shows a campaign that reached its sending limit as waiting for continuation, with the time it resumes",
    async () => {
      // A transport that lets 4 messages out per hour: the 10 consenting recipients cannot all go now.
      await call(server, key, "POST", "/v1/transports", {
        name: "stundenlimit",
        kind: "capture",
        rate_limit: 4,
        rate_window_seconds: 3600,
      });
      const list = await call<{ items: Array<{ id: string; name: string }> }>(
        server,
        key,
        "GET",
        "/v1/lists",
      );
      const listId = list.items.find((l) => l.name === "Patientenbrief Herbst")?.id;
      const created = await call<{ id: string }>(server, key, "POST", "/v1/campaigns", {
        name: "Wartekurs",
        kind: "email",
        list_ids: [listId],
        template_id: templateId,
        subject: "Wartekurs",
        from: "praxis@physio-rhein.example",
        transport: "stundenlimit",
      });
      await page.goto(`${server.url}/campaigns/${created.id}`);
      await page.locator(".state-chip", { hasText: "Bereit" }).waitFor({ timeout: 60_000 });
      await page.getByRole("button", { name: "Senden", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Senden" }).click();
      await page.locator(".state-chip", { hasText: "Warten auf Fortsetzung" }).waitFor({ timeout: 90_000 });
      // The resume time in the user's format; the counts so far.
      const banner = page.getByText("Das Versandlimit ist erreicht.", { exact: false });
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(
        /^Das Versandlimit ist erreicht\. Der Versand wird am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}(:\d{2})? automatisch fortgesetzt\.$/,
      );
      const progress = page.locator("section", {
        has: page.getByRole("progressbar", { name: "Fortschritt" }),
      });
      await expect.poll(() => progress.getByText("Versendet: 4").count(), WAIT).toBe(1);
      const shown = await call<{ state: string; progress: { resume_at: string } }>(
        server,
        key,
        "GET",
        `/v1/campaigns/${created.id}`,
      );
      expect(shown.state).toBe("waiting_for_continuation");
      const inMinutes = (new Date(shown.progress.resume_at).getTime() - Date.now()) / 60_000;
      // When the hour's window ends (windows are fixed, not rolling): within the next hour.
      expect(inMinutes).toBeGreaterThan(0);
      expect(inMinutes).toBeLessThanOrEqual(60);
      // Nothing can be changed meanwhile.
      await page.getByText("Während der Bearbeitung kann nichts geändert werden.").waitFor();
      expect(await page.getByRole("button", { name: "Ändern" }).count()).toBe(0);
      await expectNoSeriousAxeViolations(page);
      await shot(page, "campaign-waiting-for-continuation");
    },
    STEP,
  );

  it(
    "offers a viewer no write button on the campaign pages",
    async () => {
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "de-DE" });
      const viewer = await ctx.newPage();
      await logIn(viewer, server, VIEWER);
      await viewer.goto(`${server.url}/campaigns`);
      await viewer.getByRole("link", { name: "Herbstkurse 2026" }).waitFor();
      expect(await viewer.getByRole("link", { name: "Neue Serienkorrespondenz" }).count()).toBe(0);
      await viewer.getByRole("link", { name: "Herbstkurse 2026" }).click();
      await viewer.getByRole("progressbar").waitFor();
      for (const name of [/Senden/, /Abschließen/, /Löschen/, /absagen/]) {
        expect(await viewer.getByRole("button", { name }).count()).toBe(0);
      }
      // On a phone (390 px) neither page scrolls sideways.
      const overflow = await sidewaysOverflow(viewer);
      await viewer.goto(`${server.url}/campaigns`);
      await viewer.getByRole("link", { name: "Herbstkurse 2026" }).waitFor();
      overflow.push(...(await sidewaysOverflow(viewer)));
      // The template: its parts read-only, nothing to save.
      await viewer.goto(`${server.url}/campaigns/templates/${templateId}`);
      await viewer.getByRole("heading", { level: 1 }).waitFor();
      await viewer.waitForLoadState("networkidle");
      expect(await viewer.getByRole("button", { name: /Speichern/ }).count()).toBe(0);
      expect(await viewer.locator("textarea:not([readonly])").count()).toBe(0);
      overflow.push(...(await sidewaysOverflow(viewer)));
      expect(overflow).toEqual([]);
      await viewer.goto(`${server.url}/campaigns`);
      await viewer.getByRole("link", { name: "Herbstkurse 2026" }).click();
      await viewer.getByRole("progressbar").waitFor();
      await expectNoSeriousAxeViolations(viewer);
      await shot(viewer, "campaign-viewer-phone");
      await ctx.close();
    },
    STEP,
  );
  it(
    "lays out the admin's pages on a phone (390 px) without sideways scrolling",
    async () => {
      const overflow = await overflowOnPhone(
        page,
        [
          "/campaigns/new",
          `/campaigns/${campaignId}`,
          `/campaigns/templates/${templateId}`,
          `/statistics?campaign_id=${campaignId}`,
          "/contacts/import",
        ],
        (url) => openSettled(page, server, url),
      );
      expect(overflow).toEqual([]);
    },
    STEP,
  );

  it(
    "switches a serial e-mail's open and click tracking off in its form when the workspace tracks",
    async () => {
      await call(server, key, "PATCH", "/v1/workspace", { settings: { tracking: true } });
      try {
        await page.goto(`${server.url}/campaigns/new`);
        await page.getByLabel("Bezeichnung").fill("Ohne Zählbild");
        await page.getByLabel("Patientenbrief Herbst").check();
        const tracking = page.getByLabel("Öffnungen und Klicks erfassen");
        await expect.poll(() => tracking.isDisabled()).toBe(false);
        expect(await tracking.isChecked()).toBe(true);
        await page.getByText("Die E-Mails erhalten ein unsichtbares Zählbild").waitFor();
        await tracking.uncheck();
        await page.getByRole("button", { name: "Anlegen" }).click();
        await page.waitForURL(/\/campaigns\/cmp_/);
        const id = page.url().split("/").pop() ?? "";
        const details = page.locator("dl");
        await details.getByText("Nein", { exact: true }).waitFor();
        expect((await call<{ tracking: boolean }>(server, key, "GET", `/v1/campaigns/${id}`)).tracking).toBe(
          false,
        );
        // Switched on again in the campaign's settings form, before it is sent.
        await page.locator(".state-chip", { hasText: "Bereit" }).waitFor({ timeout: 60_000 });
        await page.getByLabel("Öffnungen und Klicks erfassen").check();
        await page.getByRole("button", { name: "Ändern" }).click();
        await details.getByText("Ja", { exact: true }).waitFor();
        expect((await call<{ tracking: boolean }>(server, key, "GET", `/v1/campaigns/${id}`)).tracking).toBe(
          true,
        );
        await expectNoSeriousAxeViolations(page);
        await call(server, key, "DELETE", `/v1/campaigns/${id}`);
      } finally {
        await call(server, key, "PATCH", "/v1/workspace", { settings: { tracking: false } });
      }
    },
    STEP,
  );
  it("asked the API for no query parameter a route does not take", () => {
    expect(queryRefusals).toEqual([]);
  });
});
