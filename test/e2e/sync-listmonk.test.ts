// The sync workbench in a real browser against the listmonk contract fake (issue 7, seed 003): connect the
// tool through the form, attach a list, fetch, see the name conflict side by side, decide, mark "not in
// tool", transmit after the counts; then the fetch schedule (bad value at its field, set, switched off) and
// the expert options (remote id shown, an id entered by hand refused by the tool, the list chosen again,
// the link deleted), each confirmed after the seed's warning. axe with the expert options open. Removing a
// member listmonk still lists asks first (seed 003 §8.1): don't delete, delete in the tool too, here only.
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FakeListmonk } from "../fakes/listmonk.js";
import { requirePeer } from "../peers/require.js";
import { axeProblems, logIn, queryRefusals, shot, switchLanguage } from "./browser.js";
import { buildDashboardIfStale, call, type E2EServer, startServer } from "./server.js";

const ADMIN = { email: "abgleich@hundeschule.example", password: "Listmonk-Abgleich-2026!" };
const STEP = 180_000;

let server: E2EServer;
let browser: Browser;
let page: Page;
let apiKey: string;
let listId: string;
let fakeUrl: string;
const fake = new FakeListmonk();

interface LinkOut {
  remote_list_id: string;
  remote_list_name: string | null;
  fetch_every_minutes: number | null;
}

/** Opens the expert options (a <details> that stays open across a reload of the link). */
async function openExpertOptions() {
  const details = page.locator("details.expert");
  if ((await details.getAttribute("open")) === null) await page.getByText("Profi-Optionen").click();
}

const link = () => call<LinkOut>(server, apiKey, "GET", `/v1/lists/${listId}/link`);

requirePeer("chromium")("the sync workbench against listmonk in Chromium", () => {
  beforeAll(async () => {
    buildDashboardIfStale();
    server = await startServer();
    fakeUrl = await fake.start();
    const ws = await call<{ id: string }>(server, server.operatorKey, "POST", "/v1/workspaces", {
      name: "Hundeschule listmonk",
    });
    await call(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/users`, {
      email: ADMIN.email,
      password: ADMIN.password,
      role: "admin",
      name: "Anke Abgleich",
    });
    apiKey = (
      await call<{ key: string }>(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/api-keys`, {
        role: "admin",
      })
    ).key;
    listId = (
      await call<{ id: string }>(server, apiKey, "POST", "/v1/lists", {
        name: "Newsletter",
        sender_name: "Hundeschule",
        sender_email: "news@hundeschule.example",
      })
    ).id;
    for (const [first_name, last_name, email] of [
      ["Emil Niklas", "Färber", "faerber@example.org"],
      ["James", "Ford", "ford@example.org"],
    ]) {
      const c = await call<{ id: string }>(server, apiKey, "POST", "/v1/contacts", {
        first_name,
        last_name,
        emails: [email],
      });
      await call(server, apiKey, "POST", `/v1/lists/${listId}/subscriptions`, { contact_id: c.id });
    }
    const remote = fake.addList({ name: "Newsletter listmonk" });
    fake.addList({ name: "Welpen listmonk" });
    fake.addSubscriber({
      email: "faerber@example.org",
      name: "Emil Färber",
      lists: { [remote.id]: "confirmed" },
    });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    page = await ctx.newPage();
    // A loaded 2-core machine (other test runs, argon2 at login) can take longer than the default 30 s.
    page.setDefaultNavigationTimeout(120_000);
    await logIn(page, server, ADMIN, `/lists/${listId}/sync`);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await fake.close();
  }, 60_000);

  it(
    "connects listmonk, attaches its list, fetches, decides the conflict and transmits",
    async () => {
      await page.getByRole("heading", { name: "Mit einem E-Mail-Tool verknüpfen" }).waitFor();
      const form = page.getByRole("form", { name: "E-Mail-Tool anbinden" });
      await form.getByLabel("Bezeichnung").fill("listmonk Hundeschule");
      await form.getByLabel("E-Mail-Tool").selectOption("listmonk");
      await form.getByLabel("API-Adresse").fill(fakeUrl);
      await form.getByLabel("Benutzername").fill(fake.user);
      await form.getByLabel("Token").fill(fake.token);
      await form.getByRole("button", { name: "Verbinden" }).click();
      await page.getByLabel("Verbindung").locator("option", { hasText: "listmonk Hundeschule" }).waitFor({
        state: "attached",
      });

      await page.getByLabel("Wie verknüpfen?").selectOption("attach");
      const option = page
        .getByLabel("Liste im E-Mail-Tool")
        .locator("option", { hasText: "Newsletter listmonk" });
      await option.waitFor({ state: "attached" });
      await page.getByLabel("Liste im E-Mail-Tool").selectOption((await option.getAttribute("value")) ?? "");
      await page.getByRole("button", { name: "Verknüpfen" }).click();
      await page.getByRole("heading", { name: "Verknüpft mit listmonk: Newsletter listmonk" }).waitFor();

      await page.getByRole("button", { name: "Abholen", exact: true }).click();
      await page.getByText(/Abholen: fertig/).waitFor();

      // The conflict: Poststelle's first name against listmonk's, side by side.
      await page.getByRole("button", { name: "Abgleich: Emil Niklas Färber" }).click();
      const row = page.locator("table.compare tr.differs");
      await expect.poll(() => row.first().textContent()).toMatch(/Vorname\s*Emil Niklas\s*Emil$/);
      await page.getByLabel("Aufgabe für Emil Niklas Färber").selectOption("update_name");
      await page.getByText("Aufgabe gespeichert.").waitFor();
      await page.getByLabel("Gespeicherter Filter").selectOption("not_in_tool_open");
      await page
        .getByRole("cell", { name: /James Ford/ })
        .first()
        .waitFor();
      await page.getByRole("button", { name: /zum Übermitteln vormerken/ }).click();
      await page.getByText("1 Teilnehmer zum Übermitteln vorgemerkt.").waitFor();

      const counts = page.getByRole("list", { name: /3\. Abgleichsentscheidungen/ });
      await expect.poll(() => counts.textContent()).toMatch(/1\s*Teilnehmer übermitteln/);
      await page.getByRole("button", { name: "Übermitteln", exact: true }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Übermitteln" }).click();
      await page.getByText(/Übermitteln: fertig/).waitFor();
      const remoteId = Number((await link()).remote_list_id);
      await expect.poll(() => fake.subscriberByEmail("ford@example.org")?.lists.has(remoteId)).toBe(true);
      expect(fake.subscriberByEmail("faerber@example.org")?.attribs.first_name).toBe("Emil Niklas");
      await shot(page, "listmonk-transmitted");
    },
    STEP,
  );

  it(
    "sets and clears the fetch schedule, with a bad value told at its field",
    async () => {
      const minutes = page.getByLabel("Abholen alle … Minuten");
      await minutes.fill("2");
      await page.getByRole("button", { name: "Zeitplan speichern" }).click();
      await expect.poll(() => minutes.getAttribute("aria-invalid")).toBe("true");
      expect((await link()).fetch_every_minutes).toBeNull();
      await minutes.fill("30");
      await page.getByRole("button", { name: "Zeitplan speichern" }).click();
      await page.getByTestId("schedule-state").getByText("Wird alle 30 Minuten abgeholt.").waitFor();
      expect((await link()).fetch_every_minutes).toBe(30);
      await page.getByRole("button", { name: "Zeitplan ausschalten" }).click();
      await page
        .getByTestId("schedule-state")
        .getByText(/Kein Zeitplan/)
        .waitFor();
      expect((await link()).fetch_every_minutes).toBeNull();
    },
    STEP,
  );

  it(
    "shows a mailing's statistics under translated labels, as shares with their counts",
    async () => {
      const remoteId = Number((await link()).remote_list_id);
      const ford = fake.subscriberByEmail("ford@example.org")?.id ?? 0;
      const campaign = fake.addCampaign({
        name: "Welpen-News Mai",
        list_ids: [remoteId],
        sent: 2,
        views: [ford],
      });
      await call(server, apiKey, "POST", "/v1/mailings", {
        list_id: listId,
        name: "Welpen-News Mai",
        remote_mailing_id: String(campaign.id),
      });
      await page.goto(`${server.url}/lists/${listId}/mailings`);
      const card = page.getByRole("article", { name: "Welpen-News Mai" });
      await card.getByRole("button", { name: "Statistik abholen" }).click();
      await card.getByText("Öffnungen").waitFor();
      const figures = await card.locator("dl").innerText();
      expect(figures).toMatch(/Empfänger\s+2/);
      expect(figures).toMatch(/Öffnungen\s+50 % \(1\)/);
      expect(figures).toMatch(/Keine Reaktion\s+50 % \(1\)/);
      expect(figures).toMatch(/Abmeldungen\s+vom E-Mail-Tool nicht erfasst/);
      expect(figures).not.toMatch(/no_reaction|click_to_open|recipients|opens/);
      expect(await card.textContent()).toContain("nicht Personen");
      await shot(page, "listmonk-mailing");
      // The same figures in English.
      await switchLanguage(page, "en");
      await card.getByText("Opens").waitFor();
      expect(await card.locator("dl").innerText()).toMatch(/No reaction\s+50 % \(1\)/);
      await switchLanguage(page, "de");
      await card.getByText("Öffnungen").waitFor();
    },
    STEP,
  );

  it(
    "removing a member listmonk still lists offers the choice: don't delete, delete in the tool too, here only",
    async () => {
      const remoteId = Number((await link()).remote_list_id);
      const inList = (email: string) => fake.subscriberByEmail(email)?.lists.has(remoteId);
      const subs = async () =>
        (
          await call<{ items: { contact: { email: string | null } }[] }>(
            server,
            apiKey,
            "GET",
            `/v1/lists/${listId}/subscriptions`,
          )
        ).items.map((s) => s.contact.email);
      expect(inList("ford@example.org")).toBe(true);
      expect(inList("faerber@example.org")).toBe(true);
      await page.goto(`${server.url}/lists/${listId}`);
      const dialog = page.getByRole("dialog");
      const removeRow = async (name: RegExp, label: string, confirm: string) => {
        await page.getByRole("row", { name }).getByRole("button", { name: label }).click();
        await dialog.getByRole("button", { name: confirm }).click();
      };

      // The API's 409 becomes the seed's question, in German, with what each way does.
      await removeRow(/James Ford/, "Entfernen", "Entfernen");
      await dialog.getByRole("heading", { name: "Teilnehmer ist noch im E-Mail-Tool" }).waitFor();
      const text = (await dialog.textContent()) ?? "";
      expect(text).toContain("listmonk führt ford@example.org noch in der verknüpften Liste");
      expect(text).toContain("Aufgabe „Abmeldestatus setzen“");
      expect(text).toContain("in listmonk bleibt er in der Liste");
      expect(text).toContain("nimmt den Abonnenten dabei nur von dieser Liste");
      expect(await page.locator(".banner-error").count()).toBe(0);
      expect(await axeProblems(page)).toEqual([]);
      await shot(page, "listmonk-remove-member");

      // "nicht löschen": nothing changes on either side.
      await dialog.getByRole("button", { name: "nicht löschen" }).click();
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await subs()).toContain("ford@example.org");
      expect(inList("ford@example.org")).toBe(true);

      // "auch im Werkzeug löschen": listmonk takes Ford off its list first, then the member goes here.
      await removeRow(/James Ford/, "Entfernen", "Entfernen");
      await dialog.getByRole("button", { name: "auch im Werkzeug löschen" }).click();
      await page.getByText("Teilnehmer entfernt; in listmonk wurde er aus der Liste gelöscht.").waitFor();
      expect(inList("ford@example.org")).toBe(false);
      expect(await subs()).not.toContain("ford@example.org");
      await page.getByRole("row", { name: /James Ford/ }).waitFor({ state: "detached" });

      // In English, "remove here only": gone here, listmonk keeps the subscriber on its list.
      await switchLanguage(page, "en");
      await removeRow(/Emil Niklas Färber/, "Remove", "Remove");
      await dialog.getByRole("heading", { name: "Member is still in the e-mail tool" }).waitFor();
      expect(await dialog.textContent()).toContain(
        "listmonk still lists faerber@example.org on the linked list",
      );
      await dialog.getByRole("button", { name: "remove here only" }).click();
      await page.getByText("Member removed here only; listmonk keeps it on its list.").waitFor();
      expect(inList("faerber@example.org")).toBe(true);
      expect(await subs()).not.toContain("faerber@example.org");
      await switchLanguage(page, "de");
      await page.getByRole("heading", { name: "Teilnehmer", exact: true }).waitFor();
    },
    STEP,
  );

  it(
    "offers the expert options only after the seed's warning: enter an id, choose again, delete the link",
    async () => {
      const before = await link();
      await page.goto(`${server.url}/lists/${listId}/sync`);
      await page.getByRole("heading", { name: /Verknüpft mit listmonk/ }).waitFor();
      await openExpertOptions();
      expect(await page.getByTestId("remote-id").textContent()).toBe(before.remote_list_id);

      // An id entered by hand: the warning first; cancelling changes nothing, the tool refuses an unknown id.
      await page.getByLabel("Technische ID", { exact: true }).fill("4711");
      await page.getByRole("button", { name: "ID der Liste manuell eintragen" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByText(/technische ID einer Liste im E-Mail-Tool/).waitFor();
      expect(await dialog.textContent()).toContain("verwirft die Abgleichsergebnisse");
      expect(await axeProblems(page)).toEqual([]);
      await shot(page, "listmonk-expert-warning");
      await dialog.getByRole("button", { name: "Abbrechen" }).click();
      expect((await link()).remote_list_id).toBe(before.remote_list_id);
      await page.getByRole("button", { name: "ID der Liste manuell eintragen" }).click();
      await dialog.getByRole("button", { name: "ID der Liste manuell eintragen" }).click();
      await page.locator(".banner-error").first().waitFor();
      expect((await link()).remote_list_id).toBe(before.remote_list_id);

      // Choose the list again from the tool's lists.
      await page.getByLabel("Liste im E-Mail-Tool").selectOption({ label: "Welpen listmonk" });
      await page.getByRole("button", { name: "Liste neu auswählen" }).click();
      await dialog.getByText(/Nur wählen, wenn Sie gerade eben versehentlich/).waitFor();
      await dialog.getByRole("button", { name: "Liste neu auswählen" }).click();
      await page.getByRole("heading", { name: "Verknüpft mit listmonk: Welpen listmonk" }).waitFor();
      expect((await link()).remote_list_name).toBe("Welpen listmonk");

      // Delete the link: the list is unlinked and offers to link again.
      await openExpertOptions();
      await page.getByRole("button", { name: "Zuordnung zur Liste löschen" }).click();
      await dialog.getByText(/entkoppelt den Verteiler vollständig/).waitFor();
      await dialog.getByRole("button", { name: "Zuordnung zur Liste löschen" }).click();
      await page.getByRole("heading", { name: "Mit einem E-Mail-Tool verknüpfen" }).waitFor();
      await expect(link()).rejects.toThrow(/404/);
      expect(await axeProblems(page)).toEqual([]);
    },
    STEP,
  );
  it("asked the API for no query parameter a route does not take", () => {
    expect(queryRefusals).toEqual([]);
  });
});
