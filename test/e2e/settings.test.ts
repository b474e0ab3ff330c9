// Einstellungen in a real browser (issue 7): an admin adds, edits and deletes SMTP relays, provider
// transports and IMAP mailboxes. Credentials are write-only: the edit form never holds the stored secret
// (not in an input, not in the page), an empty credential field keeps it, a new one replaces it, and a
// deletion asks first. axe on both sections with an edit form open. Screenshots go to test-results/.
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requirePeer } from "../peers/require.js";
import { axeProblems, logIn, overflowOnPhone, queryRefusals, shot, sidewaysOverflow } from "./browser.js";
import { buildDashboardIfStale, call, type E2EServer, startServer } from "./server.js";

const ADMIN = { email: "technik@hundeschule.example", password: "Einstellungen-2026!" };
const STEP = 120_000;
const SMTP_PASS = "Relay-Geheimnis-1";
const TOKEN = "pm-server-token-geheim-42";
const IMAP_PASS = "Archiv-Geheimnis-7";

let server: E2EServer;
let browser: Browser;
let page: Page;
let apiKey: string;

interface Transport {
  id: string;
  name: string;
  config: Record<string, unknown>;
  rate_limit: number | null;
}

async function transports(): Promise<Transport[]> {
  return (await call<{ items: Transport[] }>(server, apiKey, "GET", "/v1/transports")).items;
}

async function section(name: string) {
  await page.goto(`${server.url}/settings?section=${name}`);
  await page.locator("h1").first().waitFor();
  await page.waitForLoadState("networkidle");
  // Einstellungen itself, not the login page a lost session would show.
  expect(new URL(page.url()).pathname).toBe("/settings");
}

/** Every input of a form: none may hold a stored secret. */
async function inputValues(form: Locator): Promise<string[]> {
  return form.locator("input").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

async function confirmDeletion(row: Locator, label: string) {
  await row.getByRole("button", { name: label }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: label }).click();
  await dialog.waitFor({ state: "hidden" });
}

requirePeer("chromium")("the settings in Chromium", () => {
  beforeAll(async () => {
    buildDashboardIfStale();
    server = await startServer();
    const ws = await call<{ id: string }>(server, server.operatorKey, "POST", "/v1/workspaces", {
      name: "Hundeschule Technik",
    });
    await call(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/users`, {
      email: ADMIN.email,
      password: ADMIN.password,
      role: "admin",
      name: "Tina Technik",
    });
    apiKey = (
      await call<{ key: string }>(server, server.operatorKey, "POST", `/v1/workspaces/${ws.id}/api-keys`, {
        role: "admin",
      })
    ).key;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "de-DE" });
    page = await ctx.newPage();
    // A loaded 2-core machine (other test runs, argon2 at login) can take longer than the default 30 s.
    page.setDefaultNavigationTimeout(120_000);
    await logIn(page, server, ADMIN, "/settings?section=transports");
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  it(
    "adds an SMTP relay, edits it without ever showing its password, keeps or replaces the password, deletes it after asking",
    async () => {
      await section("transports");
      const add = page.getByRole("form", { name: "Versandweg anlegen" });
      await add.getByLabel("Name", { exact: true }).fill("relay-buero");
      await add.getByLabel("Server *").fill("smtp.example.net");
      await add.getByLabel("Port *").fill("2525");
      await add.getByLabel("Benutzername").fill("buero");
      await add.getByLabel("Passwort").fill(SMTP_PASS);
      await add.getByRole("button", { name: "Versandweg anlegen" }).click();
      const row = page.locator("table.transports tbody tr", { hasText: "relay-buero" });
      await row.waitFor();
      expect(await row.textContent()).toContain("smtp://smtp.example.net:2525");

      // Edit: the stored values are filled in, the password is not (neither in a field nor in the page).
      await row.getByRole("button", { name: "Versandweg relay-buero bearbeiten" }).click();
      const edit = page.getByRole("form", { name: "Versandweg relay-buero bearbeiten" });
      await edit.waitFor();
      expect(await edit.getByLabel("Server").inputValue()).toBe("smtp.example.net");
      expect(await edit.getByLabel("Benutzername").inputValue()).toBe("buero");
      expect(await edit.getByLabel("Passwort").inputValue()).toBe("");
      expect(await inputValues(edit)).not.toContain(SMTP_PASS);
      expect(await page.content()).not.toContain(SMTP_PASS);
      expect(await edit.textContent()).toContain("Leer lassen, um den gespeicherten Wert zu behalten");
      await shot(page, "settings-transport-edit");
      expect(await axeProblems(page)).toEqual([]);

      // Change host and limit, leave the password empty: it is kept.
      await edit.getByLabel("Server").fill("relay.example.net");
      await edit.getByLabel("Sendelimit: Nachrichten").fill("100");
      await edit.getByLabel("Sendelimit: je Sekunden").fill("60");
      await edit.getByRole("button", { name: "Speichern" }).click();
      await edit.waitFor({ state: "detached" });
      await page.getByText("Gespeichert.").first().waitFor();
      await row.getByText("smtp://relay.example.net:2525").waitFor();
      let stored = (await transports()).find((t) => t.name === "relay-buero");
      expect(stored?.config.host).toBe("relay.example.net");
      expect(stored?.config.auth).toEqual({ user: "buero", pass: SMTP_PASS });
      expect(stored?.rate_limit).toBe(100);

      // A new password replaces the stored one.
      await row.getByRole("button", { name: "Versandweg relay-buero bearbeiten" }).click();
      await edit.getByLabel("Passwort").fill("Neues-Relay-Geheimnis-2");
      await edit.getByRole("button", { name: "Speichern" }).click();
      await edit.waitFor({ state: "detached" });
      stored = (await transports()).find((t) => t.name === "relay-buero");
      expect(stored?.config.auth).toEqual({ user: "buero", pass: "Neues-Relay-Geheimnis-2" });

      // Bad input lands at its field and changes nothing.
      await row.getByRole("button", { name: "Versandweg relay-buero bearbeiten" }).click();
      await edit.getByLabel("Port").fill("70000");
      await edit.getByRole("button", { name: "Speichern" }).click();
      await expect.poll(() => edit.getByLabel("Port").getAttribute("aria-invalid")).toBe("true");
      // Worded from the detail's code and bound (too_big, maximum 65535), the number in German digits.
      expect(await edit.locator(".field-invalid .field-error").textContent()).toBe("Höchstens 65.535.");
      expect((await transports()).find((t) => t.name === "relay-buero")?.config.port).toBe(2525);
      await edit.getByRole("button", { name: "Abbrechen" }).click();

      // Cancelling the confirmation deletes nothing; confirming deletes.
      await row.getByRole("button", { name: "Versandweg löschen" }).click();
      const dialog = page.getByRole("dialog");
      expect(await dialog.textContent()).toContain("relay-buero");
      await dialog.getByRole("button", { name: "Abbrechen" }).click();
      expect((await transports()).map((t) => t.name)).toContain("relay-buero");
      await confirmDeletion(row, "Versandweg löschen");
      await page.getByText("Der Versandweg wurde gelöscht.").waitFor();
      await row.waitFor({ state: "detached" });
      expect((await transports()).map((t) => t.name)).not.toContain("relay-buero");
    },
    STEP,
  );

  it(
    "adds a provider transport, edits it with its token kept, and deletes it",
    async () => {
      await section("transports");
      const add = page.getByRole("form", { name: "Versandweg anlegen" });
      await add.getByLabel("Art").selectOption("postmark");
      await add.getByLabel("Name", { exact: true }).fill("postmark-newsletter");
      await add.getByLabel("Server-Token *").fill(TOKEN);
      await add.getByLabel("Message Stream").fill("broadcast");
      await add.getByRole("button", { name: "Versandweg anlegen" }).click();
      const row = page.locator("table.transports tbody tr", { hasText: "postmark-newsletter" });
      await row.waitFor();
      expect(await row.textContent()).toContain("Postmark");

      await row.getByRole("button", { name: "Versandweg postmark-newsletter bearbeiten" }).click();
      const edit = page.getByRole("form", { name: "Versandweg postmark-newsletter bearbeiten" });
      expect(await edit.getByLabel("Message Stream").inputValue()).toBe("broadcast");
      expect(await edit.getByLabel("Server-Token").inputValue()).toBe("");
      expect(await page.content()).not.toContain(TOKEN);
      await edit.getByLabel("Message Stream").fill("outbound");
      await edit.getByRole("button", { name: "Speichern" }).click();
      await edit.waitFor({ state: "detached" });
      const stored = (await transports()).find((t) => t.name === "postmark-newsletter");
      expect(stored?.config).toMatchObject({ server_token: TOKEN, message_stream: "outbound" });

      await confirmDeletion(row, "Versandweg löschen");
      await row.waitFor({ state: "detached" });
      expect((await transports()).map((t) => t.name)).not.toContain("postmark-newsletter");
    },
    STEP,
  );

  it(
    "edits an IMAP mailbox with its password kept unless a new one is given, and deletes it after asking",
    async () => {
      const box = await call<{ id: string }>(server, apiKey, "POST", "/v1/inbound-mailboxes", {
        name: "Archiv Büro",
        host: "127.0.0.1",
        port: 1,
        tls: false,
        user: "archiv",
        password: IMAP_PASS,
        purpose: "archive",
        enabled: false,
      });
      const creds = () =>
        call<{ password: string; folder: string }>(
          server,
          apiKey,
          "GET",
          `/v1/inbound-mailboxes/${box.id}/credentials`,
        );
      await section("archive");
      const row = page.locator("table.mailboxes tbody tr", { hasText: "Archiv Büro" });
      await row.waitFor();
      await row.getByRole("button", { name: "Postfach Archiv Büro bearbeiten" }).click();
      const edit = page.getByRole("form", { name: "Postfach Archiv Büro bearbeiten" });
      expect(await edit.getByLabel("Benutzername").inputValue()).toBe("archiv");
      expect(await edit.getByLabel("Passwort").inputValue()).toBe("");
      expect(await page.content()).not.toContain(IMAP_PASS);
      await shot(page, "settings-mailbox-edit");
      expect(await axeProblems(page)).toEqual([]);

      await edit.getByLabel("Ordner").fill("Archiv/2026");
      await edit.getByRole("button", { name: "Speichern" }).click();
      await edit.waitFor({ state: "detached" });
      await row.getByText("Archiv/2026").waitFor();
      expect(await creds()).toMatchObject({ password: IMAP_PASS, folder: "Archiv/2026" });

      await row.getByRole("button", { name: "Postfach Archiv Büro bearbeiten" }).click();
      await edit.getByLabel("Passwort").fill("Neues-Archiv-Geheimnis");
      await edit.getByRole("button", { name: "Speichern" }).click();
      await edit.waitFor({ state: "detached" });
      expect((await creds()).password).toBe("Neues-Archiv-Geheimnis");

      await confirmDeletion(row, "Postfach löschen");
      await page.getByText("Das Postfach wurde gelöscht.").waitFor();
      const left = await call<{ items: unknown[] }>(server, apiKey, "GET", "/v1/inbound-mailboxes");
      expect(left.items).toEqual([]);
    },
    STEP,
  );
  it(
    "manages users and API keys, and a new user replaces the generated password under Mein Konto",
    async () => {
      const NEW = "nora.neu@hundeschule.example";
      await section("users");
      const users = page.locator("section", { has: page.getByRole("heading", { name: "Benutzer" }) });
      // Bad input is told at its field.
      await users.getByLabel("E-Mail-Adresse").fill("1234");
      await users.getByRole("button", { name: "Benutzer anlegen" }).click();
      await users.locator(".field-invalid .field-error").getByText("Keine gültige E-Mail-Adresse.").waitFor();
      // A new editor; the generated password is shown once, with what to do with it.
      await users.getByLabel("E-Mail-Adresse").fill(NEW);
      await users.getByLabel("Name", { exact: true }).fill("Nora Neu");
      await users.getByLabel("Rolle", { exact: true }).selectOption({ label: "Bearbeiter" });
      await users.getByRole("button", { name: "Benutzer anlegen" }).click();
      const shown = users.getByTestId("new-password");
      await shown.waitFor();
      const generated = (await shown.textContent()) ?? "";
      expect(generated.length).toBeGreaterThanOrEqual(10);
      expect(
        await users.locator(".banner-ok", { has: page.getByTestId("new-password") }).textContent(),
      ).toContain("Das Passwort wird nur jetzt angezeigt");
      const row = users.locator("tr", { hasText: NEW });
      await row.waitFor();
      // The role changed in its row.
      await row.getByLabel(`Rolle: ${NEW}`).selectOption({ label: "Betrachter" });
      await users.getByText("Gespeichert.").waitFor();
      const listed = await call<{ items: Array<{ email: string; role: string }> }>(
        server,
        apiKey,
        "GET",
        "/v1/users",
      );
      expect(listed.items.find((u) => u.email === NEW)?.role).toBe("viewer");
      expect(await axeProblems(page)).toEqual([]);

      // API keys: the key shown once, it works, and revoked (after asking) it no longer does.
      await section("keys");
      const keys = page.locator("section", { has: page.getByRole("heading", { name: "API-Schlüssel" }) });
      await keys.getByLabel("Name", { exact: true }).fill("Buchungssystem");
      await keys.getByRole("button", { name: "Neuen Schlüssel anlegen" }).click();
      const key = (await keys.getByTestId("new-key").textContent()) ?? "";
      expect(key).toMatch(/^ps_ws_/);
      const keyRow = keys.locator("tr", { hasText: "Buchungssystem" });
      await keyRow.waitFor();
      expect(await keyRow.textContent()).not.toContain(key);
      const asKey = () =>
        fetch(`${server.url}/v1/workspace`, { headers: { authorization: `Bearer ${key}` } }).then(
          (r) => r.status,
        );
      expect(await asKey()).toBe(200);
      expect(await axeProblems(page)).toEqual([]);
      await confirmDeletion(keyRow, "Widerrufen");
      await expect.poll(asKey).toBe(401);

      // The new user signs in with the generated password and replaces it under Mein Konto.
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "de-DE" });
      const nora = await ctx.newPage();
      nora.setDefaultNavigationTimeout(120_000);
      await logIn(nora, server, { email: NEW, password: generated });
      await nora.getByRole("button", { name: "Menü" }).click();
      await nora.getByRole("link", { name: "Mein Konto" }).click();
      await nora.getByRole("heading", { level: 1, name: "Mein Konto" }).waitFor();
      expect(await nora.locator("dl").textContent()).toContain("Betrachter");
      const form = nora.locator("form", { has: nora.getByRole("heading", { name: "Passwort ändern" }) });
      const fill = async (current: string, next: string, again: string) => {
        await form.getByLabel("Bisheriges Passwort").fill(current);
        await form.getByLabel("Neues Passwort", { exact: true }).fill(next);
        await form.getByLabel("Neues Passwort wiederholen").fill(again);
        await form.getByRole("button", { name: "Passwort ändern" }).click();
      };
      const fieldError = (label: string) =>
        form.locator(".field", { has: nora.getByLabel(label, { exact: true }) }).locator(".field-error");
      await fill(generated, "Hundeschule-2027!", "Hundeschule-2028!");
      await fieldError("Neues Passwort wiederholen")
        .getByText("Die beiden neuen Passwörter sind nicht gleich.")
        .waitFor();
      await fill("falsch-falsch", "Hundeschule-2027!", "Hundeschule-2027!");
      await fieldError("Bisheriges Passwort").getByText("Das bisherige Passwort ist falsch.").waitFor();
      await fill(generated, "kurz", "kurz");
      await fieldError("Neues Passwort").getByText("Mindestens 10 Zeichen.").waitFor();
      expect(await axeProblems(nora)).toEqual([]);
      expect(await sidewaysOverflow(nora)).toEqual([]);
      await fill(generated, "Hundeschule-2027!", "Hundeschule-2027!");
      await nora.getByText("Ihr Passwort ist geändert.", { exact: false }).waitFor();
      await shot(nora, "account-password-changed");
      const login = (password: string) =>
        fetch(`${server.url}/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: NEW, password }),
        }).then((r) => r.status);
      expect(await login(generated)).toBe(401);
      expect(await login("Hundeschule-2027!")).toBe(200);
      await ctx.close();

      // Removed after asking.
      await section("users");
      await confirmDeletion(page.locator("tr", { hasText: NEW }), "Löschen");
      await page.locator("tr", { hasText: NEW }).waitFor({ state: "detached" });
    },
    STEP,
  );

  it(
    "sets the sender, read receipts and tracking (a bad sender told at its field), and edits an error-registry entry, then resets it after asking",
    async () => {
      await section("general");
      const form = page.locator("form", { has: page.getByRole("heading", { name: "Versand" }) });
      await form.getByLabel("Standard-Absender").fill("keine-adresse");
      await form.getByRole("button", { name: "Speichern" }).click();
      await expect.poll(() => form.getByLabel("Standard-Absender").getAttribute("aria-invalid")).toBe("true");
      expect(await form.locator(".field-invalid .field-error").textContent()).toBe(
        "Keine gültige E-Mail-Adresse.",
      );
      await form.getByLabel("Standard-Absender").fill("info@hundeschule.example");
      await form.getByLabel("Lesebestätigung standardmäßig anfordern").check();
      // Tracking is off until a workspace switches it on, and the box says so.
      expect(await form.getByLabel("Öffnungen und Klicks erfassen").isChecked()).toBe(false);
      await form.getByLabel("Öffnungen und Klicks erfassen").check();
      await form.getByRole("button", { name: "Speichern" }).click();
      await form.getByText("Gespeichert.").waitFor();
      const ws = await call<{ settings: Record<string, unknown> }>(server, apiKey, "GET", "/v1/workspace");
      expect(ws.settings).toMatchObject({
        default_from: "info@hundeschule.example",
        read_receipt_default: true,
        tracking: true,
      });
      // Kept on reload.
      await section("general");
      expect(await form.getByLabel("Lesebestätigung standardmäßig anfordern").isChecked()).toBe(true);
      expect(await form.getByLabel("Öffnungen und Klicks erfassen").isChecked()).toBe(true);

      // Fehlerverzeichnis: the shipped words of a code, changed here, then back to what was shipped.
      await section("errors");
      await page.getByLabel("Code oder Text suchen").fill("userunknown");
      await page.getByRole("button", { name: "Filtern" }).click();
      const entry = page.locator(".registry li", { hasText: "userunknown" });
      await entry.getByText("ausgeliefert", { exact: true }).waitFor();
      const shipped = (await entry.locator("strong").textContent()) ?? "";
      expect(shipped).toBe("Adresse existiert nicht");
      // Its kind in words, not the code "hard".
      expect(await entry.locator(".registry-head").textContent()).toContain("dauerhafter Fehler");
      expect(await entry.locator(".registry-head").textContent()).not.toMatch(/\bhard\b/);
      await entry.getByRole("button", { name: "Bearbeiten" }).click();
      await entry.getByLabel("Bezeichnung").fill("");
      await entry.getByRole("button", { name: "Speichern" }).click();
      await expect.poll(() => entry.getByLabel("Bezeichnung").getAttribute("aria-invalid")).toBe("true");
      await entry.getByLabel("Bezeichnung").fill("Postfach gibt es nicht");
      await entry.getByRole("button", { name: "Speichern" }).click();
      await entry.getByText("angepasst").waitFor();
      expect(await entry.locator("strong").textContent()).toBe("Postfach gibt es nicht");
      expect(await axeProblems(page)).toEqual([]);
      await entry.getByRole("button", { name: "Auf ausgelieferten Text zurücksetzen" }).click();
      const dialog = page.getByRole("dialog");
      expect(await dialog.textContent()).toContain("userunknown");
      await dialog.getByRole("button", { name: "Auf ausgelieferten Text zurücksetzen" }).click();
      // "ausgeliefert" as a word of its own: the reset button's label contains it too.
      await entry.getByText("ausgeliefert", { exact: true }).waitFor();
      await expect.poll(() => entry.locator("strong").textContent()).toBe(shipped);
    },
    STEP,
  );

  it(
    "lays out every section of Einstellungen for an admin on a phone (390 px) without sideways scrolling",
    async () => {
      const overflow = await overflowOnPhone(
        page,
        ["general", "archive", "transports", "errors", "blocklist", "users", "keys"],
        section,
      );
      expect(overflow).toEqual([]);
    },
    STEP,
  );

  it("asked the API for no query parameter a route does not take", () => {
    expect(queryRefusals).toEqual([]);
  });
});
