// The list pages in a real browser (issue 7, seed 003): create a list, add contacts through a filter,
// change a member's status, see the columns Status / Abgleich / Aufgabe, the sync tab of an unlinked list;
// axe on each of these pages; a viewer sees no write control on them. Screenshots go to test-results/.
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeMailchimp, startFakeMailchimp } from "../fakes/mailchimp.js";
import { requirePeer } from "../peers/require.js";
import {
  axeProblems,
  logIn as logInAt,
  openSettled,
  overflowOnPhone,
  queryRefusals,
  shot as shotAs,
  sidewaysOverflow,
  switchLanguage,
  WAIT,
} from "./browser.js";
import { buildDashboardIfStale, call, type E2EServer, startServer } from "./server.js";

const ADMIN = { email: "leitung@hundeschule.example", password: "Verteiler-Admin-2026!" };
const VIEWER = { email: "lesen@hundeschule.example", password: "Verteiler-Lesen-2026!" };
const STEP = 120_000;

let server: E2EServer;
let browser: Browser;
let page: Page;
let apiKey: string;
let otherListId: string;
let fake: FakeMailchimp;
/** The list the sync walk linked (the viewer check looks at its workbench too). */
let linkedListId = "";

async function shot(p: Page, name: string) {
  await shotAs(p, `lists-${name}`);
}

/** Signs in from /lists and waits for the lists page. */
async function logIn(p: Page, who: { email: string; password: string }) {
  await logInAt(p, server, who, "/lists");
  await p.getByRole("heading", { level: 1, name: "Verteiler" }).waitFor();
}

async function settle(p: Page, url: string) {
  await openSettled(p, server, url);
}

requirePeer("chromium")("the list pages in Chromium", () => {
  beforeAll(async () => {
    buildDashboardIfStale();
    server = await startServer();
    const ws = await call<{ id: string }>(server, server.operatorKey, "POST", "/v1/workspaces", {
      name: "Hundeschule Verteiler",
      settings: { default_from: "info@hundeschule.example" },
    });
    for (const [who, role] of [
      [ADMIN, "admin"],
      [VIEWER, "viewer"],
    ] as const) {
      await call(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/users`, {
        email: who.email,
        password: who.password,
        role,
        name: role === "admin" ? "Lena Leitung" : "Veit Viewer",
      });
    }
    apiKey = (
      await call<{ key: string }>(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/api-keys`, {
        role: "admin",
      })
    ).key;
    for (const [first_name, last_name, email] of [
      ["Anna", "Muster", "anna@example.org"],
      ["Bernd", "Beispiel", "bernd@example.org"],
      ["Carla", "Test", "carla@example.org"],
    ]) {
      await call(server, apiKey, "POST", "/v1/contacts", { first_name, last_name, emails: [email] });
    }
    otherListId = (await call<{ id: string }>(server, apiKey, "POST", "/v1/lists", { name: "Welpenkurs" }))
      .id;
    fake = await startFakeMailchimp();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    page = await ctx.newPage();
    await logIn(page, ADMIN);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await fake?.close();
  }, 60_000);

  it(
    "creates a list, adds contacts through a filter and changes a member's status",
    async () => {
      await settle(page, "/lists");
      await page.getByRole("link", { name: "Welpenkurs" }).waitFor();
      await page.getByRole("button", { name: "Neuer Verteiler" }).click();
      // A wrong sender address is told at the field.
      await page.getByLabel("Name", { exact: true }).fill("Newsletter Hundeschule");
      await page.getByLabel("Absenderadresse").fill("keine-adresse");
      await page.getByRole("button", { name: "Anlegen" }).click();
      await expect.poll(() => page.locator(".field-error").count()).toBeGreaterThan(0);
      await page.getByLabel("Absenderadresse").fill("news@hundeschule.example");
      await page.getByRole("button", { name: "Anlegen" }).click();
      await page.getByRole("heading", { level: 1, name: "Newsletter Hundeschule" }).waitFor();
      await page.getByText(/noch keine Teilnehmer/).waitFor();
      // The columns of seed 003.
      await page.getByRole("button", { name: "Kontakte hinzufügen" }).click();
      await page.getByLabel("Nur Kontakte mit E-Mail-Adresse").check();
      await page.getByRole("button", { name: "Hinzufügen", exact: true }).click();
      await page.getByText(/3 Kontakte passen: 3 hinzugefügt, 0 waren schon im Verteiler/).waitFor();
      for (const col of ["Status", "Abgleich", "Aufgabe", "Gesetzt am", "Gesetzt von"]) {
        await page.getByRole("columnheader", { name: col, exact: true }).first().waitFor();
      }
      expect(await page.getByRole("cell", { name: "nicht verknüpft" }).count()).toBe(3);
      await page.getByLabel("Status für Bernd Beispiel").selectOption("unsubscribed");
      await page.getByText("Status geändert.").waitFor();
      const id = page.url().split("/").pop() ?? "";
      const subs = await call<{
        items: { status: string; contact: { name: string }; status_set_by: string }[];
      }>(server, apiKey, "GET", `/v1/lists/${id}/subscriptions`);
      const bernd = subs.items.find((s) => s.contact.name === "Bernd Beispiel");
      expect(bernd?.status).toBe("unsubscribed");
      expect(bernd?.status_set_by).toMatch(/^user:/);
      // "Gesetzt von" names the user who changed it, not the id the API stores.
      await page.reload();
      const berndRow = page.getByRole("row", { name: /Bernd Beispiel/ });
      await expect
        .poll(() => berndRow.getByRole("cell", { name: "Lena Leitung (Benutzer)" }).count(), WAIT)
        .toBe(1);
      expect(await page.getByText(/user:usr_/).count()).toBe(0);
      await shot(page, "members");
      // The sync tab of an unlinked list says what to do next.
      await page.getByRole("link", { name: "Abgleich mit E-Mail-Tool" }).click();
      await page.getByRole("heading", { name: "Mit einem E-Mail-Tool verknüpfen" }).waitFor();
      await page.getByText(/Noch kein E-Mail-Tool angebunden/).waitFor();
      await shot(page, "connect");
    },
    STEP,
  );

  it(
    "walks the sync workbench against the Mailchimp fake: link, fetch, see a conflict, decide, transmit",
    async () => {
      await call(server, apiKey, "POST", "/v1/email-tools", {
        name: "Mailchimp Hundeschule",
        tool: "mailchimp",
        base_url: fake.url,
        credentials: { api_key: fake.apiKey },
      });
      const listId = (
        await call<{ id: string }>(server, apiKey, "POST", "/v1/lists", {
          name: "Newsletter Mailchimp",
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
      linkedListId = listId;
      const remote = fake.addList("Newsletter im Tool");
      fake.addMember(remote.id, {
        email_address: "faerber@example.org",
        merge_fields: { FNAME: "Emil", LNAME: "Färber" },
      });

      // Link: attach the list that exists in the tool.
      await settle(page, `/lists/${listId}/sync`);
      await page.getByLabel("Wie verknüpfen?").selectOption("attach");
      await page
        .getByLabel("Liste im E-Mail-Tool")
        .locator("option", { hasText: "Newsletter im Tool" })
        .waitFor({
          state: "attached",
        });
      await page.getByLabel("Liste im E-Mail-Tool").selectOption({ label: "Newsletter im Tool (1)" });
      await page.getByRole("button", { name: "Verknüpfen" }).click();
      await page.getByRole("heading", { name: /Verknüpft mit Mailchimp: Newsletter im Tool/ }).waitFor();
      await page.getByText("Noch nichts abgeholt. Beginnen Sie mit Schritt 1.").waitFor();

      // 1. fetch, with its progress and outcome
      await page.getByRole("button", { name: "Abholen", exact: true }).click();
      await page.getByText(/Abholen: fertig/).waitFor();

      // 2. the conflict (the default filter), both values side by side, then decide
      const detail = page.getByRole("button", { name: "Abgleich: Emil Niklas Färber" });
      await detail.click();
      const row = page.locator("table.compare tr.differs");
      await expect.poll(() => row.first().textContent()).toContain("Emil Niklas");
      expect(await row.first().textContent()).toMatch(/Vorname\s*Emil Niklas\s*Emil$/);
      await shot(page, "sync-conflict");
      await page.getByLabel("Aufgabe für Emil Niklas Färber").selectOption("update_name");
      await page.getByText("Aufgabe gespeichert.").waitFor();
      // The reactions family: no mail went through this list yet, so nobody opened one.
      await page.getByLabel("Gespeicherter Filter").selectOption({ label: "Reaktionen: geöffnet" });
      await page.getByText("Keine Teilnehmer in diesem Filter.").waitFor();
      await page.getByLabel("Gespeicherter Filter").selectOption("not_in_tool_open");
      await page
        .getByRole("cell", { name: /James Ford/ })
        .first()
        .waitFor();
      await page.getByRole("button", { name: /zum Übermitteln vormerken/ }).click();
      await page.getByText("1 Teilnehmer zum Übermitteln vorgemerkt.").waitFor();

      // 3. counts per task, confirmation, progress
      const counts = page.getByRole("list", { name: /3\. Abgleichsentscheidungen/ });
      await expect.poll(() => counts.textContent()).toMatch(/1\s*Teilnehmer übermitteln/);
      expect(await counts.textContent()).toMatch(/1\s*Name aktualisieren/);
      await page.getByRole("button", { name: "Übermitteln", exact: true }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByText("2 Aufgaben werden an das E-Mail-Tool übermittelt.").waitFor();
      await dialog.getByRole("button", { name: "Übermitteln" }).click();
      await page.getByText(/Übermitteln: fertig/).waitFor();
      await expect
        .poll(() => fake.member(remote.id, "faerber@example.org")?.merge_fields.FNAME)
        .toBe("Emil Niklas");
      expect(fake.member(remote.id, "ford@example.org")?.status).toBe("subscribed");
      await shot(page, "sync-transmitted");
      expect(await axeProblems(page)).toEqual([]);
      // The member's detail: how its transmission ended and its event log, in words.
      await page.getByLabel("Gespeicherter Filter").selectOption({ label: "Alle Teilnehmer" });
      await page.getByRole("button", { name: "Abgleich: Emil Niklas Färber" }).click();
      await page.getByText("Letzte Übermittlung: übermittelt", { exact: false }).waitFor();
      await page.getByText("„Name aktualisieren“ übermittelt für", { exact: false }).first().waitFor();

      // The members tab shows the columns filled from the sync.
      await settle(page, `/lists/${listId}`);
      await page
        .getByRole("cell", { name: /^(Konflikt|erfolgreich|nicht im E-Mail-Tool)$/ })
        .first()
        .waitFor();
      expect(await page.getByRole("cell", { name: "nicht verknüpft" }).count()).toBe(0);
      expect(await page.getByLabel("Name", { exact: true }).getAttribute("readonly")).not.toBeNull();
    },
    STEP,
  );

  it(
    "removing a member Mailchimp still lists offers the choice, and says that Mailchimp archives it",
    async () => {
      expect(linkedListId).not.toBe("");
      const remote = [...fake.lists.values()].find((x) => x.name === "Newsletter im Tool");
      if (!remote) throw new Error("the sync walk's list is missing in the fake");
      const status = (email: string) => fake.member(remote.id, email)?.status;
      const subs = async () =>
        (
          await call<{ items: { contact: { email: string | null } }[] }>(
            server,
            apiKey,
            "GET",
            `/v1/lists/${linkedListId}/subscriptions`,
          )
        ).items.map((x) => x.contact.email);
      expect(status("ford@example.org")).toBe("subscribed");
      expect(status("faerber@example.org")).toBe("subscribed");
      await settle(page, `/lists/${linkedListId}`);
      const dialog = page.getByRole("dialog");
      const removeRow = async (name: RegExp, label: string, confirm: string) => {
        await page.getByRole("row", { name }).getByRole("button", { name: label }).click();
        await dialog.getByRole("button", { name: confirm }).click();
      };

      // The seed's question in German, with what deleting means in Mailchimp (archiving).
      await removeRow(/James Ford/, "Entfernen", "Entfernen");
      await dialog.getByRole("heading", { name: "Teilnehmer ist noch im E-Mail-Tool" }).waitFor();
      const text = (await dialog.textContent()) ?? "";
      expect(text).toContain("Mailchimp führt ford@example.org noch in der verknüpften Liste");
      expect(text).toContain("in Mailchimp bleibt er in der Liste");
      expect(text).toContain("Mailchimp archiviert das Mitglied dabei");
      expect(text).not.toContain("listmonk");
      expect(await page.locator(".banner-error").count()).toBe(0);
      expect(await axeProblems(page)).toEqual([]);
      await shot(page, "mailchimp-remove-member");

      // "nicht löschen": nothing changes on either side.
      await dialog.getByRole("button", { name: "nicht löschen" }).click();
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await subs()).toContain("ford@example.org");
      expect(status("ford@example.org")).toBe("subscribed");

      // "auch im Werkzeug löschen": Mailchimp archives Ford, then the member goes here.
      await removeRow(/James Ford/, "Entfernen", "Entfernen");
      await dialog.getByRole("button", { name: "auch im Werkzeug löschen" }).click();
      await page.getByText("Teilnehmer entfernt; in Mailchimp wurde das Mitglied archiviert.").waitFor();
      expect(status("ford@example.org")).toBe("archived");
      expect(await subs()).not.toContain("ford@example.org");

      // In English, "remove here only": gone here, Mailchimp keeps the member subscribed.
      await switchLanguage(page, "en");
      await removeRow(/Emil Niklas Färber/, "Remove", "Remove");
      await dialog.getByRole("heading", { name: "Member is still in the e-mail tool" }).waitFor();
      expect(await dialog.textContent()).toContain("Mailchimp archives the member");
      await dialog.getByRole("button", { name: "remove here only" }).click();
      await page.getByText("Member removed here only; Mailchimp keeps it on its list.").waitFor();
      expect(status("faerber@example.org")).toBe("subscribed");
      expect(await subs()).not.toContain("faerber@example.org");
      await switchLanguage(page, "de");
      await page.getByRole("heading", { name: "Teilnehmer", exact: true }).waitFor();
    },
    STEP,
  );

  it(
    "has no serious or critical accessibility violations on the list pages",
    async () => {
      const problems: string[] = [];
      for (const p of [
        "/lists",
        `/lists/${otherListId}`,
        `/lists/${otherListId}/sync`,
        `/lists/${otherListId}/mailings`,
      ]) {
        await settle(page, p);
        problems.push(...(await axeProblems(page)));
      }
      expect(problems).toEqual([]);
    },
    STEP,
  );

  it(
    "shows a viewer no write control on the list pages",
    async () => {
      const paths = [
        "/lists",
        `/lists/${otherListId}`,
        `/lists/${otherListId}/sync`,
        `/lists/${otherListId}/mailings`,
        ...(linkedListId ? [`/lists/${linkedListId}`, `/lists/${linkedListId}/sync`] : []),
      ];
      // The viewer looks on a phone (390 px): no list page may scroll sideways.
      const overflow: string[] = [];
      const count = async (p: Page) => {
        let n = 0;
        for (const url of paths) {
          await settle(p, url);
          n += await p.locator("[data-write]").count();
          if (p !== page) overflow.push(...(await sidewaysOverflow(p)));
        }
        return n;
      };
      expect(await count(page)).toBeGreaterThan(0);
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "de-DE" });
      const viewer = await ctx.newPage();
      await logIn(viewer, VIEWER);
      expect(await count(viewer)).toBe(0);
      expect(overflow).toEqual([]);
      // The settings are there, read-only.
      await settle(viewer, `/lists/${otherListId}`);
      expect(await viewer.getByLabel("Name", { exact: true }).getAttribute("readonly")).not.toBeNull();
      await shot(viewer, "viewer");
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
          "/lists",
          `/lists/${linkedListId}`,
          `/lists/${linkedListId}/sync`,
          `/lists/${linkedListId}/mailings`,
        ],
        (url) => settle(page, url),
      );
      expect(overflow).toEqual([]);
    },
    STEP,
  );

  it("asked the API for no query parameter a route does not take", () => {
    expect(queryRefusals).toEqual([]);
  });
});
