// The dashboard in a real browser (issue 7): Debian's Chromium driven by playwright-core against a freshly
// started `poststelle serve`. Log in; import a CSV through the wizard; send a transactional message through
// the API and find it under E-Mail-Status with its timeline; a viewer sees no write button; axe finds no
// serious or critical violation on any page; switch the language. Screenshots go to test-results/.
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requirePeer } from "../peers/require.js";
import { axeProblems, logIn as logInAt, shot } from "./browser.js";
import { buildDashboardIfStale, call, type E2EServer, startServer } from "./server.js";

const ADMIN = { email: "admin@hundeschule.example", password: "Schäferhund-2026!" };
const VIEWER = { email: "viewer@hundeschule.example", password: "Dackel-Lesen-2026" };
/** Browser steps on a busy 2-core machine (argon2 on every login, axe on every page) take their time. */
const STEP = 120_000;
const CSV =
  "Vorname;Nachname;E-Mail;Ort;Lieblingshund\n" +
  "Anna;Muster;anna@example.org;Köln;Dackel\n" +
  "Bernd;Beispiel;keine-adresse;Bonn;Pudel\n" +
  "Carla;Test;carla@example.org;Berlin;Mops\n";

let server: E2EServer;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let apiKey: string;
let messageId: string;
let contactId: string;

/** Signs in from /messages and waits for E-Mail-Status. */
async function logIn(p: Page, who: { email: string; password: string }) {
  await logInAt(p, server, who, "/messages");
  await p.getByRole("heading", { level: 1, name: "E-Mail-Status" }).waitFor();
}

requirePeer("chromium")("the dashboard in Chromium", () => {
  beforeAll(async () => {
    buildDashboardIfStale();
    server = await startServer();
    const ws = await call<{ id: string }>(server, server.operatorKey, "POST", "/v1/workspaces", {
      name: "Hundeschule Bellheim",
      settings: { default_from: "info@hundeschule.example", archive_bcc: "archiv@hundeschule.example" },
    });
    for (const [who, role] of [
      [ADMIN, "admin"],
      [VIEWER, "viewer"],
    ] as const) {
      await call(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/users`, {
        email: who.email,
        password: who.password,
        role,
        name: role === "admin" ? "Astrid Admin" : "Veit Viewer",
      });
    }
    apiKey = (
      await call<{ key: string }>(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/api-keys`, {
        role: "admin",
      })
    ).key;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    page = await admin.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  it(
    "logs in with e-mail and password (a wrong password is told, not a blank page)",
    async () => {
      await page.goto(`${server.url}/contacts`);
      await page.waitForURL(/\/login\?next=/);
      await page.getByLabel("E-Mail-Adresse").fill(ADMIN.email);
      await page.getByLabel("Passwort").fill("falsch-falsch-falsch");
      await page.getByRole("button", { name: "Anmelden" }).click();
      await expect.poll(() => page.getByRole("alert").first().textContent()).toBeTruthy();
      await page.getByLabel("Passwort").fill(ADMIN.password);
      await page.getByRole("button", { name: "Anmelden" }).click();
      // Back to the page asked for before the login.
      await page.getByRole("heading", { level: 1, name: "Kontakte" }).waitFor();
      expect(await page.getByText("Astrid Admin").count()).toBeGreaterThan(0);
      const cookies = await admin.cookies();
      const session = cookies.find((c) => c.name === "poststelle_session");
      expect(session?.httpOnly).toBe(true);
      await shot(page, "login");
    },
    STEP,
  );

  it(
    "imports a CSV through the wizard: map, dry run with reasons, import with progress, rejected rows",
    async () => {
      await page.goto(`${server.url}/contacts`);
      await page.getByRole("link", { name: "CSV importieren" }).click();
      await page.getByLabel("CSV-Datei").setInputFiles({
        name: "kunden.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(CSV, "utf8"),
      });
      await page.getByRole("button", { name: "Datei prüfen" }).click();
      // Step 2: the server's recognition is the starting point; the unknown column becomes a custom field.
      const email = page.getByLabel("Feld in Poststelle: E-Mail");
      await email.waitFor();
      expect(await email.inputValue()).toBe("email");
      await page.getByLabel("Feld in Poststelle: Lieblingshund").selectOption("custom.Lieblingshund");
      await page.getByRole("button", { name: "Probelauf starten" }).click();
      await page.getByRole("heading", { name: "Ergebnis des Probelaufs" }).waitFor();
      const report = page.locator("table.problem-rows");
      await expect.poll(() => report.textContent()).toContain("keine-adresse");
      expect(await report.locator("tbody tr").count()).toBe(1);
      // The reason in German from its code (the API's English sentence stays in `reason`).
      expect(await report.textContent()).toContain("„keine-adresse“ ist keine gültige E-Mail-Adresse.");
      expect(await report.textContent()).not.toContain("is not a valid");
      // Nothing was imported by the dry run.
      const before = await call<{ items: unknown[] }>(server, apiKey, "GET", "/v1/contacts");
      expect(before.items).toHaveLength(0);
      await page.getByRole("button", { name: "Jetzt importieren" }).click();
      await page.getByRole("heading", { name: "Import abgeschlossen" }).waitFor({ timeout: 60_000 });
      expect(await page.locator("progress").getAttribute("value")).toBe("100");
      expect(await page.locator("table.problem-rows").textContent()).toContain("keine-adresse");
      await shot(page, "import");
      const after = await call<{ items: Array<{ id: string; custom_fields: Record<string, unknown> }> }>(
        server,
        apiKey,
        "GET",
        "/v1/contacts?q=Carla",
      );
      expect(after.items).toHaveLength(1);
      expect(after.items[0].custom_fields.Lieblingshund).toBe("Mops");
      contactId = after.items[0].id;
    },
    STEP,
  );

  it(
    "finds a transactional message sent through the API under E-Mail-Status, with its timeline",
    async () => {
      const m = await call<{ id: string }>(server, apiKey, "POST", "/v1/messages", {
        to: "carla@example.org",
        subject: "Ihre Buchung am Samstag",
        text: "Guten Tag Carla, bis Samstag!",
      });
      messageId = m.id;
      await page.goto(`${server.url}/messages`);
      await page.getByLabel("Empfänger").fill("carla@example.org");
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(/to=carla/);
      // The capture outbox takes it within moments; reload until the chip says so.
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.locator("tbody tr .chip").first().textContent({ timeout: 5000 });
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe("Gesendet");
      await page.getByRole("link", { name: "carla@example.org" }).click();
      await page.getByRole("heading", { name: "Verlauf" }).waitFor();
      const timeline = page.getByRole("list", { name: "Verlauf" });
      // Each event's source in words (the code in its tooltip).
      expect(await timeline.textContent()).toContain("Quelle: Lokaler Postausgang");
      expect(await timeline.textContent()).toContain("Quelle: API (Ihre Anwendung)");
      expect(await timeline.locator("li").count()).toBeGreaterThanOrEqual(2);
      // The server's sentences in German (the API keeps its English in `detail`).
      expect(await timeline.textContent()).toContain("Zum Versand angenommen");
      expect(await timeline.textContent()).toContain("Im lokalen Postausgang abgelegt");
      expect(await timeline.textContent()).not.toContain("Captured in the local outbox");
      await page.getByRole("button", { name: "Quelltext anzeigen" }).click();
      await expect.poll(() => page.getByTestId("raw-mime").textContent()).toContain("Subject: Ihre Buchung");
      // Admins see where the archive copy went (seed 002).
      expect(await page.getByText("archiv@hundeschule.example").count()).toBeGreaterThan(0);
      await shot(page, "message");
    },
    STEP,
  );

  it(
    "has no serious or critical accessibility violations on any page",
    async () => {
      const problems: string[] = [];
      const pages = [
        "/activities",
        "/messages",
        `/messages/${messageId}`,
        "/contacts",
        `/contacts/${contactId}`,
        "/contacts/import",
        "/settings",
      ];
      for (const p of pages) {
        await page.goto(server.url + p);
        await page.locator("h1").first().waitFor();
        await page.waitForLoadState("networkidle");
        problems.push(...(await axeProblems(page)));
      }
      const anonymous = await browser.newContext();
      const login = await anonymous.newPage();
      await login.goto(`${server.url}/login`);
      await login.locator("h1").waitFor();
      problems.push(...(await axeProblems(login)));
      // The phone layout of the main list.
      await login.close();
      await anonymous.close();
      expect(problems).toEqual([]);
    },
    STEP,
  );

  it(
    "shows a viewer no write button (and admins the same pages with theirs)",
    async () => {
      const paths = [
        "/messages",
        `/messages/${messageId}`,
        "/contacts",
        `/contacts/${contactId}`,
        "/settings",
      ];
      const count = async (p: Page) => {
        let n = 0;
        for (const url of paths) {
          await p.goto(server.url + url);
          await p.locator("h1").first().waitFor();
          await p.waitForLoadState("networkidle");
          n += await p.locator("[data-write]").count();
        }
        return n;
      };
      expect(await count(page)).toBeGreaterThan(0);
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const viewer = await ctx.newPage();
      await logIn(viewer, VIEWER);
      expect(await count(viewer)).toBe(0);
      await viewer.goto(`${server.url}/contacts`);
      await viewer.getByRole("button", { name: "Menü" }).click();
      expect(await viewer.getByRole("link", { name: "Einstellungen" }).count()).toBe(0);
      await shot(viewer, "viewer-phone");
      await ctx.close();
    },
    STEP,
  );

  it(
    "shows bad input at its field, asks before lifting a block, and says what failed instead of a blank page",
    async () => {
      await page.goto(`${server.url}/settings?section=blocklist`);
      await page.getByLabel("Adresse").fill("spam@example.net");
      await page.getByRole("button", { name: "Adresse sperren" }).click();
      // 400 with details → the message sits under the reason field.
      const reason = page.getByLabel("Grund");
      await expect.poll(() => reason.getAttribute("aria-invalid")).toBe("true");
      expect(await page.locator(".field-invalid .field-error").count()).toBe(1);
      await reason.fill("Beschwerde vom Empfänger");
      await page.getByRole("button", { name: "Adresse sperren" }).click();
      const row = page.locator("table.blocklist tbody tr", { hasText: "spam@example.net" });
      await row.waitFor();
      await row.getByRole("button", { name: "Sperre aufheben" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain("spam@example.net");
      await dialog.getByRole("button", { name: "Sperre aufheben" }).click();
      await page.getByText("Die Sperre wurde aufgehoben.").waitFor();
      const still = await call<{ items: Array<{ address: string }> }>(server, apiKey, "GET", "/v1/blocklist");
      expect(still.items.map((b) => b.address)).not.toContain("spam@example.net");
      // An unknown message: the server's 404 in words, not an empty page.
      await page.goto(`${server.url}/messages/msg_does_not_exist`);
      await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("msg_does_not_exist");
    },
    STEP,
  );

  it(
    "switches the language from German to English and keeps it for the user",
    async () => {
      await page.goto(`${server.url}/activities`);
      const nav = page.getByRole("navigation", { name: "Hauptnavigation" });
      await nav.getByRole("link", { name: "Aktivitäten" }).waitFor();
      await page.getByRole("heading", { level: 1, name: "Aktivitäten" }).waitFor();
      // Summaries worded in German from action + kind + record, not the server's English sentences.
      const log = page.locator("table.activities tbody");
      await log.locator("tr").first().waitFor();
      expect(await log.textContent()).toContain("Import „kunden.csv“ abgeschlossen: 2 neu, 0 aktualisiert");
      expect(await log.textContent()).toContain("Nachricht „");
      expect(await log.textContent()).not.toMatch(/CSV import|Message to/);
      await page.getByLabel("Sprache").selectOption("en");
      const navEn = page.getByRole("navigation", { name: "Main navigation" });
      await navEn.getByRole("link", { name: "Activities" }).waitFor();
      expect(await navEn.getByRole("link", { name: "E-mail status" }).count()).toBe(1);
      await page.getByRole("heading", { level: 1, name: "Activities" }).waitFor();
      // Saved per user: a new browser session of the same user starts in English.
      const ctx = await browser.newContext();
      const again = await ctx.newPage();
      await again.goto(`${server.url}/login`);
      await again.getByLabel("E-Mail-Adresse").fill(ADMIN.email);
      await again.getByLabel("Passwort").fill(ADMIN.password);
      await again.getByRole("button", { name: "Anmelden" }).click();
      await again.getByRole("heading", { level: 1, name: "E-mail status" }).waitFor();
      expect(await again.locator("html").getAttribute("lang")).toBe("en");
      await shot(again, "english");
      // Signing out ends the session: the login page (in the user's language), and no more cookie access.
      await again.getByRole("button", { name: "Sign out" }).click();
      await again.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
      const probe = await again.evaluate(() => fetch("/v1/auth/session").then((r) => r.status));
      expect(probe).toBe(401);
      await ctx.close();
    },
    STEP,
  );
});
