// The dashboard in a real browser (issue 7): Debian's Chromium driven by playwright-core against a freshly
// started `poststelle serve`. Log in; import a CSV through the wizard, then find it under earlier imports
// and open its report; send a transactional message through the API and find it under E-Mail-Status with its
// timeline; a viewer sees no write button; axe finds no serious or critical violation on any page; switch the
// language. Screenshots go to test-results/.
import nodemailer from "nodemailer";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../peers/postfix.js";
import { requirePeer } from "../peers/require.js";
import {
  axeProblems,
  downloadBy,
  logIn as logInAt,
  openSettled,
  queryRefusals,
  savedLanguage,
  shot,
  sidewaysOverflow,
  switchLanguage,
  WAIT,
} from "./browser.js";
import { buildDashboardIfStale, call, type E2EServer, startServer } from "./server.js";

const ADMIN = { email: "admin@hundeschule.example", password: "Schäferhund-2026!" };
const VIEWER = { email: "viewer@hundeschule.example", password: "Dackel-Lesen-2026" };
const SMTP_PASS = "Relais-Geheimnis-7f3a";
const IMAP_PASS = "Archiv-Geheimnis-9c1d";
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
let importId: string;
let inboundPort: number;
let mailboxId: string;

/** A DSN (RFC 3464) from the recipient's server, sent to the message's VERP return path. */
async function bounce(m: { return_path: string; to: string }) {
  const raw = [
    "From: MAILER-DAEMON@mx.example.org",
    `To: ${m.return_path}`,
    "Subject: Undelivered Mail Returned to Sender",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    "",
    "--B",
    "Content-Type: text/plain",
    "",
    `<${m.to}>: host mx.example.org said: 550 5.1.1 User unknown`,
    "",
    "--B",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.org",
    "",
    `Final-Recipient: rfc822; ${m.to}`,
    "Action: failed",
    "Status: 5.1.1",
    `Diagnostic-Code: smtp; 550 5.1.1 <${m.to}>: Recipient address rejected: User unknown`,
    "",
    "--B--",
    "",
  ].join("\r\n");
  const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: inboundPort, ignoreTLS: true });
  await smtp.sendMail({ envelope: { from: "", to: m.return_path }, raw });
  smtp.close();
}

/** Signs in from /messages and waits for E-Mail-Status. */
/** A resume asked for is answered 202 with the import as it stands: the tests fake an interrupted import
 * whose real one has long ended, so the real resume would be refused. */
async function answerResumeWithStatus(p: Page, onResume: () => void) {
  await p.route(/\/v1\/imports\/imp_[0-9a-z]+\/resume$/, async (route) => {
    onResume();
    const url = route
      .request()
      .url()
      .replace(/\/resume$/, "");
    const real = await route.fetch({ url, method: "GET" });
    return route.fulfill({ status: 202, json: await real.json() });
  });
}

/** Ends the page's routes once the handlers still running (a poll the page sent just before) have answered:
 * `unroute` alone lets such a request through at once, and its handler's own answer then fails with "Route is
 * already handled" (an unhandled rejection that failed a CI run). */
async function stopRouting(p: Page) {
  await p.unrouteAll({ behavior: "wait" });
}

async function logIn(p: Page, who: { email: string; password: string }) {
  await logInAt(p, server, who, "/messages");
  await p.getByRole("heading", { level: 1, name: "E-Mail-Status" }).waitFor();
}

requirePeer("chromium")("the dashboard in Chromium", () => {
  beforeAll(async () => {
    buildDashboardIfStale();
    inboundPort = await freePort();
    server = await startServer({ env: { POSTSTELLE_INBOUND_PORT: String(inboundPort) } });
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
    // Credentials a non-admin must never receive: an SMTP relay's and the archive mailbox's passwords.
    await call(server, apiKey, "POST", "/v1/transports", {
      name: "relay",
      kind: "smtp",
      config: { host: "smtp.hundeschule.example", port: 587, auth: { user: "relay", pass: SMTP_PASS } },
    });
    mailboxId = (
      await call<{ id: string }>(server, apiKey, "POST", "/v1/inbound-mailboxes", {
        name: "Archiv",
        host: "imap.hundeschule.example",
        port: 993,
        tls: true,
        user: "archiv",
        password: IMAP_PASS,
        purpose: "archive",
        enabled: false,
      })
    ).id;
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
      // In the user's language, not the server's English sentence.
      await expect
        .poll(() => page.getByRole("alert").first().textContent())
        .toBe("Die E-Mail-Adresse oder das Passwort ist falsch.");
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
      // The report stays to be found again: the wizard links its address.
      expect(await page.getByRole("link", { name: "Bericht öffnen" }).getAttribute("href")).toMatch(
        /^\/contacts\/imports\/imp_[0-9a-z]+$/,
      );
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
    "offers to resume an import the server interrupted, and follows it to the end",
    async () => {
      // A server restart cannot be staged here: the import's first status after "Jetzt importieren" is
      // answered as the API answers an interrupted one (failed, resumable), and the resume call is counted.
      let interrupt = false;
      let resumed = 0;
      await page.route(/\/v1\/imports\/imp_[0-9a-z]+$/, async (route) => {
        const real = await route.fetch();
        if (!interrupt || route.request().method() !== "GET") return route.fulfill({ response: real });
        interrupt = false;
        const body = await real.json();
        return route.fulfill({
          json: {
            ...body,
            status: "failed",
            resumable: true,
            counts: { ...body.counts, processed: 0 },
            error: `The import stopped without finishing (its process ended) after 0 rows. Resume it with POST /v1/imports/${body.id}/resume: it goes on after the last committed row, nothing twice.`,
          },
        });
      });
      await answerResumeWithStatus(page, () => resumed++);
      await page.goto(`${server.url}/contacts/import`);
      await page.getByLabel("CSV-Datei").setInputFiles({
        name: "nachtrag.csv",
        mimeType: "text/csv",
        buffer: Buffer.from("Vorname;Nachname;E-Mail\nDora;Nachtrag;dora@example.org\n", "utf8"),
      });
      await page.getByRole("button", { name: "Datei prüfen" }).click();
      await page.getByRole("button", { name: "Probelauf starten" }).click();
      await page.getByRole("heading", { name: "Ergebnis des Probelaufs" }).waitFor();
      interrupt = true;
      await page.getByRole("button", { name: "Jetzt importieren" }).click();
      const banner = page
        .getByRole("alert")
        .filter({ hasText: "Der Import wurde unterbrochen (0 von 1 Zeilen verarbeitet)" });
      await banner.waitFor();
      // In words, with what to do — not the server's sentence with its API call.
      expect(await banner.textContent()).not.toMatch(/\/v1\/|POST/);
      await banner.getByRole("button", { name: "Import fortsetzen" }).click();
      await page.getByRole("heading", { name: "Import abgeschlossen" }).waitFor({ timeout: 60_000 });
      expect(resumed).toBe(1);
      await stopRouting(page);
      const dora = await call<{ items: unknown[] }>(server, apiKey, "GET", "/v1/contacts?q=Dora");
      expect(dora.items).toHaveLength(1);
    },
    STEP,
  );

  it(
    "lists earlier imports with their counts, newest first, and opens an import's report with its rejected rows",
    async () => {
      const imports = await call<{ items: Array<{ id: string; filename: string; dry_run: boolean }> }>(
        server,
        apiKey,
        "GET",
        "/v1/imports",
      );
      const kunden = imports.items.find((i) => i.filename === "kunden.csv" && !i.dry_run);
      if (!kunden) throw new Error("the import of kunden.csv is not listed by the API");
      importId = kunden.id;
      await page.goto(`${server.url}/contacts`);
      await page.getByRole("link", { name: "Frühere Importe" }).click();
      await page.getByRole("heading", { level: 1, name: "Frühere Importe" }).waitFor();
      const rows = page.locator("table.imports tbody tr");
      // At first the imports alone, newest first: the second wizard's (nachtrag.csv) before the first's.
      await expect.poll(() => rows.count(), WAIT).toBe(2);
      expect(await rows.locator('td[data-label="Datei"]').allTextContents()).toEqual([
        "nachtrag.csv",
        "kunden.csv",
      ]);
      expect(await rows.locator('td[data-label="Art"]').allTextContents()).toEqual(["Import", "Import"]);
      // With the dry runs, kept in the address: each wizard run checks the file, runs a Probelauf, imports.
      await page.getByLabel("Probeläufe zeigen").check();
      await page.waitForURL(/[?&]dry_runs=1/);
      await expect.poll(() => rows.count(), WAIT).toBe(6);
      await page.reload();
      await expect.poll(() => rows.count(), WAIT).toBe(6);
      expect(await page.getByLabel("Probeläufe zeigen").isChecked()).toBe(true);
      // Newest first: the second wizard's import (nachtrag.csv) before the first's (kunden.csv).
      const files = await rows.locator('td[data-label="Datei"]').allTextContents();
      expect(files).toEqual([...Array(3).fill("nachtrag.csv"), ...Array(3).fill("kunden.csv")]);
      const kinds = await rows.locator('td[data-label="Art"]').allTextContents();
      expect(kinds.filter((k) => k === "Probelauf (nichts geändert)")).toHaveLength(4);
      const row = rows
        .filter({ hasText: "kunden.csv" })
        .filter({ has: page.locator("td", { hasText: /^Import$/ }) });
      expect(await row.count()).toBe(1);
      const cell = (label: string) => row.locator(`td[data-label="${label}"]`).textContent();
      // Its status in words and its counts; when it started as German dates are written.
      expect(await cell("Status")).toBe("Abgeschlossen");
      expect(await cell("Neu")).toBe("2");
      expect(await cell("Aktualisiert")).toBe("0");
      expect(await cell("Übersprungen")).toBe("0");
      expect(await cell("Abgelehnt")).toBe("1");
      expect(await cell("Gestartet")).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);
      expect(await page.locator("table.imports").textContent()).not.toMatch(/\b(imp_|completed|failed)/);
      await shot(page, "imports");
      // By keyboard: the row's link opens the report.
      await row.getByRole("link").focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(`${server.url}/contacts/imports/${importId}`);
      const report = async () => {
        await page.getByRole("heading", { level: 1, name: "Import: kunden.csv" }).waitFor();
        const problems = page.locator("table.problem-rows");
        await expect.poll(() => problems.textContent(), WAIT).toContain("keine-adresse");
        expect(await problems.locator("tbody tr").count()).toBe(1);
        expect(await problems.textContent()).toContain("„keine-adresse“ ist keine gültige E-Mail-Adresse.");
        expect(await page.locator(".counts .count-created").textContent()).toBe("2 neu");
        expect(await page.locator(".counts .count-rejected").textContent()).toBe("1 abgelehnt");
        expect(await page.locator("dl.props").textContent()).toContain("StatusAbgeschlossen");
      };
      await report();
      await shot(page, "import-report");
      // The rejected rows as a CSV file to correct and import again: the file's columns, row and reason.
      const csv = await downloadBy(
        page,
        page.getByRole("button", { name: "Abgelehnte Zeilen als CSV herunterladen" }),
      );
      expect(csv.name).toBe("kunden-abgelehnt.csv");
      const csvLines = csv.bytes
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .split("\r\n");
      expect(csvLines[0].endsWith(";Zeile;Grund")).toBe(true);
      expect(csvLines.filter((l) => l.includes("keine-adresse"))).toHaveLength(1);
      expect(csvLines.find((l) => l.includes("keine-adresse"))).toContain(
        "„keine-adresse“ ist keine gültige E-Mail-Adresse.",
      );
      // Bookmarkable: the same report when the address is opened again.
      await page.reload();
      await report();
      await page.getByRole("link", { name: "← Frühere Importe" }).click();
      await page.getByRole("heading", { level: 1, name: "Frühere Importe" }).waitFor();
      // In English: the status and kind in English words, the date in the English format.
      await switchLanguage(page, "en");
      await page.getByRole("heading", { level: 1, name: "Earlier imports" }).waitFor();
      await expect.poll(() => rows.count(), WAIT).toBe(2);
      const rowEn = rows
        .filter({ hasText: "kunden.csv" })
        .filter({ has: page.locator("td", { hasText: /^Import$/ }) });
      expect(await rowEn.locator('td[data-label="Status"]').textContent()).toBe("Completed");
      expect(await rowEn.locator('td[data-label="Rejected"]').textContent()).toBe("1");
      expect(await rowEn.locator('td[data-label="Started"]').textContent()).toMatch(
        /^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2}:\d{2}$/,
      );
      await switchLanguage(page, "de");

      // Page by page along the API's cursor: four rows a page here.
      const limits: string[] = [];
      await page.route(/\/v1\/imports\?/, async (route) => {
        const url = new URL(route.request().url());
        limits.push(url.search);
        url.searchParams.set("limit", "4");
        return route.fulfill({ response: await route.fetch({ url: url.toString() }) });
      });
      await page.goto(`${server.url}/contacts/imports?dry_runs=1`);
      await expect.poll(() => rows.count(), WAIT).toBe(4);
      await page.getByRole("button", { name: "Weitere laden" }).click();
      await expect.poll(() => rows.count(), WAIT).toBe(6);
      expect(await page.getByRole("button", { name: "Weitere laden" }).count()).toBe(0);
      expect(limits.filter((q) => q.includes("cursor="))).toHaveLength(1);
      await stopRouting(page);
      // No import yet: what to do, in words.
      await page.route(/\/v1\/imports\?/, (route) =>
        route.fulfill({ json: { items: [], next_cursor: null } }),
      );
      await page.goto(`${server.url}/contacts/imports`);
      await page
        .getByText("Noch keine Importe. Laden Sie unter „CSV importieren“ eine CSV-Datei hoch.")
        .waitFor();
      await page.unroute(/\/v1\/imports\?/);
      // The server failing: said in words with a way to try again.
      await page.route(/\/v1\/imports\?/, (route) =>
        route.fulfill({
          status: 500,
          json: { error: { code: "internal", message: "Internal server error" } },
        }),
      );
      await page.goto(`${server.url}/contacts/imports`);
      const failed = page.getByRole("alert").filter({ hasText: "Der Server hat einen Fehler gemeldet." });
      await failed.waitFor();
      await page.unroute(/\/v1\/imports\?/);
      await failed.getByRole("button", { name: "Erneut versuchen" }).click();
      await expect.poll(() => rows.count(), WAIT).toBe(2);

      // An import still running is kept up to date in its row, without reloading the list: the list answers
      // the newest import as running, its own status (asked again by the page) as it really is — held back
      // until the test has read the running row.
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      await page.route(/\/v1\/imports\?/, async (route) => {
        const real = await route.fetch();
        const body = await real.json();
        const [first, ...rest] = body.items;
        const counts = { ...first.counts, processed: 1, created: 0, rejected: 0 };
        return route.fulfill({
          json: { ...body, items: [{ ...first, status: "running", finished_at: null, counts }, ...rest] },
        });
      });
      await page.route(/\/v1\/imports\/imp_[0-9a-z]+$/, async (route) => {
        await held;
        return route.fulfill({ response: await route.fetch() });
      });
      await page.goto(`${server.url}/contacts/imports`);
      const newest = rows.first().locator('td[data-label="Status"]');
      await expect.poll(() => newest.textContent(), WAIT).toMatch(/^Läuft \(\d+ % verarbeitet\)$/);
      release();
      await expect.poll(() => newest.textContent(), WAIT).toBe("Abgeschlossen");
      expect(await rows.count()).toBe(2);
      await stopRouting(page);
    },
    STEP,
  );

  it(
    "follows a running import in its report, resumes an interrupted one, and says in words when one failed or cannot be resumed",
    async () => {
      // As in the wizard's test: the report's first status is answered as the API answers a running, an
      // interrupted or a failed import; the statuses after it are the real one (completed).
      type Fake = "running" | "resumable" | "gone" | "failed";
      let fake: Fake | null = null;
      let resumed = 0;
      // The statuses after a faked running one wait until the test has read the page (a busy machine could
      // otherwise miss the running state between two polls).
      let hold: Promise<void> | null = null;
      let release = () => {};
      await page.route(/\/v1\/imports\/imp_[0-9a-z]+$/, async (route) => {
        if (!fake && hold) await hold;
        const real = await route.fetch();
        if (!fake || route.request().method() !== "GET") return route.fulfill({ response: real });
        const as = fake;
        fake = null;
        const body = await real.json();
        const counts = { ...body.counts, processed: 1, created: 0, rejected: 0 };
        if (as === "running")
          return route.fulfill({ json: { ...body, status: "running", finished_at: null, counts } });
        if (as === "failed")
          return route.fulfill({
            json: {
              ...body,
              status: "failed",
              error: "The file could not be read: unexpected end of input.",
            },
          });
        const resumable = as === "resumable";
        return route.fulfill({
          json: {
            ...body,
            status: "failed",
            interrupted: true,
            resumable,
            finished_at: null,
            counts,
            error: resumable
              ? `The import stopped without finishing (its process ended) after 1 rows. Resume it with POST /v1/imports/${body.id}/resume: it goes on after the last committed row, nothing twice.`
              : "The import stopped without finishing (its process ended) and its file is gone. Upload the file again: rows already imported are recognised as duplicates.",
          },
        });
      });
      await answerResumeWithStatus(page, () => resumed++);
      const facts = page.locator("dl.props");
      const report = page.getByRole("heading", { level: 2, name: "Bericht" });
      // Running: its progress, no report yet; then followed to its end and its report.
      fake = "running";
      hold = new Promise((r) => {
        release = r;
      });
      await page.goto(`${server.url}/contacts/imports/${importId}`);
      await expect.poll(() => facts.textContent(), WAIT).toContain("StatusLäuft");
      expect(await page.locator("progress").getAttribute("value")).toBe("33");
      expect(await report.count()).toBe(0);
      release();
      hold = null;
      await expect.poll(() => facts.textContent(), WAIT).toContain("StatusAbgeschlossen");
      await expect
        .poll(() => page.locator("table.problem-rows").textContent(), WAIT)
        .toContain("keine-adresse");
      // Interrupted, its file gone: why it cannot be resumed and what to do instead.
      fake = "gone";
      await page.reload();
      const gone = page
        .getByRole("alert")
        .filter({ hasText: "Der Import wurde unterbrochen (1 von 3 Zeilen" });
      await gone.waitFor();
      expect(await gone.textContent()).toContain("kann nicht fortgesetzt werden");
      expect(await gone.textContent()).not.toMatch(/\/v1\/|POST|file is gone/);
      expect(await gone.getByRole("button", { name: "Import fortsetzen" }).count()).toBe(0);
      expect(await gone.getByRole("link", { name: "CSV importieren" }).count()).toBe(1);
      expect(await facts.textContent()).toContain("StatusUnterbrochen");
      // Interrupted with its file kept: resumed here, and followed to its end.
      fake = "resumable";
      await page.reload();
      const banner = page
        .getByRole("alert")
        .filter({ hasText: "Der Import wurde unterbrochen (1 von 3 Zeilen" });
      await banner.getByRole("button", { name: "Import fortsetzen" }).click();
      await expect.poll(() => facts.textContent(), WAIT).toContain("StatusAbgeschlossen");
      expect(resumed).toBe(1);
      await expect
        .poll(() => page.locator("table.problem-rows").textContent(), WAIT)
        .toContain("keine-adresse");
      // Failed on its own: said so, the server's sentence kept as its evidence.
      fake = "failed";
      await page.reload();
      const failed = page.getByRole("alert").filter({ hasText: "Der Import ist fehlgeschlagen." });
      await failed.waitFor();
      expect(await failed.textContent()).toContain("Meldung des Servers: The file could not be read");
      expect(await facts.textContent()).toContain("StatusFehlgeschlagen");
      await stopRouting(page);
      // An import that does not exist: said in words, with the way back.
      await page.goto(`${server.url}/contacts/imports/imp_0000000000000000000000000`);
      await expect
        .poll(() => page.getByRole("alert").first().textContent(), WAIT)
        .toMatch(/^Import „imp_0+“ gibt es in diesem Arbeitsbereich nicht\./);
      expect(await page.getByRole("link", { name: "← Frühere Importe" }).count()).toBe(1);
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
    "words a contact's consent and language, and the consent filter, instead of their codes",
    async () => {
      await call(server, apiKey, "POST", `/v1/contacts/${contactId}/consents`, {
        channel: "email",
        purpose: "marketing",
        status: "granted",
        source: "Anmeldeformular Website",
      });
      await page.goto(`${server.url}/contacts/${contactId}`);
      const consents = page.locator("section", {
        has: page.getByRole("heading", { name: "Kommunikationsstatus / Einwilligung" }),
      });
      const row = consents.locator("tbody tr").first();
      await row.waitFor();
      expect(await row.locator("td").nth(0).textContent()).toBe("E-Mail");
      expect(await row.locator("td").nth(1).textContent()).toBe("Werbung");
      expect(await row.locator("td").nth(2).textContent()).toBe("erteilt");
      expect(await page.locator("dt", { hasText: "Sprache" }).locator("+ dd").textContent()).toBe("Deutsch");
      // The consent's evidence: where it was given.
      expect(await row.textContent()).toContain("Anmeldeformular Website");
      // Its lists with their status, the messages sent to it, and whether an address is blocked.
      const contact = await call<{ emails: string[] }>(server, apiKey, "GET", `/v1/contacts/${contactId}`);
      const list = await call<{ id: string }>(server, apiKey, "POST", "/v1/lists", {
        name: "Welpenkurs Herbst",
      });
      await call(server, apiKey, "POST", `/v1/lists/${list.id}/subscriptions`, {
        contact_id: contactId,
        status: "subscribed",
      });
      await call(server, apiKey, "POST", "/v1/messages", {
        to: { contact_id: contactId },
        subject: "Ihr Welpenkurs beginnt",
        text: "Guten Tag, der Kurs beginnt am Montag.",
      });
      await call(server, apiKey, "POST", "/v1/blocklist", {
        address: contact.emails[0],
        reason: "Kundin wünscht keine Post",
      });
      await page.reload();
      await page.getByText("Welpenkurs Herbst").waitFor();
      expect(await page.locator("li", { hasText: "Welpenkurs Herbst" }).textContent()).toContain(
        "angemeldet",
      );
      await page.getByText("Gesperrt: Kundin wünscht keine Post", { exact: false }).waitFor();
      const sentTo = page.locator("section", { has: page.getByRole("heading", { name: "Nachrichten" }) });
      await sentTo.getByText("Ihr Welpenkurs beginnt").waitFor();
      await page.goto(`${server.url}/contacts`);
      // Read once the filter bar is drawn (a loaded machine draws it after goto returns).
      const options = () => page.getByLabel("Einwilligung").locator("option").allTextContents();
      await expect
        .poll(options)
        .toEqual([
          "Alle",
          "E-Mail / Werbung: erteilt",
          "E-Mail / Werbung: widerrufen",
          "E-Mail / Werbung: keine",
        ]);
    },
    STEP,
  );

  it(
    "names a bounce's reason in the statistics by the error registry's words, not by its code",
    async () => {
      const m = await call<{ id: string; return_path: string }>(server, apiKey, "POST", "/v1/messages", {
        to: "niemand@example.org",
        subject: "Ihre Rechnung",
        text: "Guten Tag, anbei Ihre Rechnung.",
      });
      await bounce({ return_path: m.return_path, to: "niemand@example.org" });
      await expect
        .poll(
          async () => (await call<{ status: string }>(server, apiKey, "GET", `/v1/messages/${m.id}`)).status,
          {
            timeout: 30_000,
            interval: 500,
          },
        )
        .toBe("hard_bounced");
      await page.goto(`${server.url}/statistics`);
      const reasons = page.locator("section", {
        has: page.getByRole("heading", { name: "Gründe für Unzustellbarkeit" }),
      });
      await reasons.getByRole("img").getByText("Adresse existiert nicht").waitFor();
      expect(await reasons.getByRole("img").textContent()).not.toContain("userunknown");
      // The table behind the chart keeps the code next to the words.
      await reasons.getByText("Als Tabelle").click();
      expect(await reasons.locator("table tbody tr").first().textContent()).toBe(
        "Adresse existiert nichtuserunknown1",
      );
      // Each recipient's reaction stands next to what became of the message: a hard bounce is not just "not opened".
      const recipients = page.locator("section", {
        has: page.getByRole("heading", { name: "Reaktionen je Empfänger" }),
      });
      const row = recipients.locator("table tbody tr", { hasText: "niemand@example.org" });
      await row.waitFor();
      expect(await row.locator(".chip").textContent()).toBe("Hard Bounce");
      expect(await row.textContent()).toContain("Nicht zugestellt");
      expect(await row.textContent()).not.toContain("Nicht geöffnet");
      // E-Mail-Status filtered by status, with the statuses explained; the message's page says what the
      // registry says about its failure and what to do (seed 001).
      await page.goto(`${server.url}/messages`);
      await page.getByText("Was die Status bedeuten").click();
      await page
        .getByText("Dauerhafter Fehler: Adresse falsch oder nicht vorhanden.", { exact: false })
        .waitFor();
      await page.getByLabel("Status").selectOption({ label: "Hard Bounce" });
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(/status=hard_bounced/);
      const rows = page.locator("table.messages tbody tr");
      await expect
        .poll(
          async () =>
            (await rows.allTextContents()).every((r) => r.includes("Hard Bounce")) &&
            (await rows.count()) > 0,
        )
        .toBe(true);
      await page.goto(`${server.url}/messages/${m.id}`);
      const failure = page.locator("section", {
        has: page.getByRole("heading", { name: "Fehler laut Fehlerverzeichnis" }),
      });
      await failure.locator("strong", { hasText: "Adresse existiert nicht" }).waitFor();
      expect(await failure.textContent()).toContain(
        "Der Mailserver des Empfängers kennt dieses Postfach nicht.",
      );
      expect(await failure.locator("h3", { hasText: "Was tun?" }).count()).toBe(1);
      expect(await failure.textContent()).toContain("Bitte beim Kunden nachfragen");
      await shot(page, "statistics-bounce-reasons");
    },
    STEP,
  );

  it(
    "shows human and machine opens apart, and over time, in the statistics of a time range",
    async () => {
      // Tracking is off until the workspace turns it on (opens are personal data).
      const ws = await call<{ settings: Record<string, unknown> }>(server, apiKey, "GET", "/v1/workspace");
      await call(server, apiKey, "PATCH", "/v1/workspace", { settings: { ...ws.settings, tracking: true } });
      // Two HTML messages: one opened in a mail program, one only fetched by Google's image proxy.
      const send = (to: string) =>
        call<{ id: string }>(server, apiKey, "POST", "/v1/messages", {
          to,
          subject: "Ihr Termin am Montag",
          html: "<p>Guten Tag,</p><p>wir bestätigen Ihren Termin.</p>",
        });
      const human = await send("leserin@example.org");
      const proxy = await send("proxy@example.org");
      const pixelOf = async (id: string) => {
        await expect
          .poll(
            async () => (await call<{ status: string }>(server, apiKey, "GET", `/v1/messages/${id}`)).status,
            {
              timeout: 30_000,
              interval: 250,
            },
          )
          .not.toBe("queued");
        const raw = await fetch(`${server.url}/v1/messages/${id}/raw`, {
          headers: { authorization: `Bearer ${apiKey}` },
        }).then((r) => r.text());
        // Quoted-printable: soft line breaks out, "=3D" back to "=".
        const html = raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
        const m = /https?:\/\/[^"\s]*?(\/o\/[^"\s]+)/.exec(html);
        if (!m) throw new Error(`no open pixel in message ${id}`);
        return `${server.url}${m[1]}`;
      };
      const open = async (id: string, ua: string) =>
        expect((await fetch(await pixelOf(id), { headers: { "user-agent": ua } })).status).toBe(200);
      await open(human.id, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Thunderbird/128.0");
      await open(
        proxy.id,
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
      );

      await page.goto(`${server.url}/statistics`);
      const section = (name: string) => page.locator("section", { has: page.getByRole("heading", { name }) });
      const hvm = section("Menschliche und maschinelle Öffnungen");
      await hvm.getByRole("img").waitFor();
      await hvm.getByText("Als Tabelle").click();
      await expect
        .poll(() => hvm.locator("table tbody").textContent(), { timeout: 30_000, interval: 250 })
        .toBe("Geöffnet (Mensch)1Nur maschinell geöffnet1");
      await section("Öffnungen und Klicks im Zeitverlauf").getByRole("img").waitFor();
      // Per recipient: the human open is a reaction, the proxy's fetch is not.
      const reactions = section("Reaktionen je Empfänger");
      await expect
        .poll(() => reactions.locator("tr", { hasText: "leserin@example.org" }).textContent(), {
          timeout: 30_000,
          interval: 250,
        })
        .toContain("Geöffnet");
      expect(await reactions.locator("tr", { hasText: "proxy@example.org" }).textContent()).toContain(
        "Nicht geöffnet",
      );
      await shot(page, "statistics-opens");
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
        "/contacts/imports",
        `/contacts/imports/${importId}`,
        "/event-log",
        "/statistics",
        "/account",
        // Every section of Einstellungen (transports and archive also with their forms open: settings.test.ts).
        ...["general", "archive", "transports", "errors", "blocklist", "users", "keys"].map(
          (s) => `/settings?section=${s}`,
        ),
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
    // axe over nine pages: the slowest step here (110 s at a load of 20 on two cores).
    3 * STEP,
  );

  it(
    "shows a viewer no write button (and admins the same pages with theirs)",
    async () => {
      const paths = [
        "/activities",
        "/messages",
        `/messages/${messageId}`,
        "/event-log",
        "/contacts",
        `/contacts/${contactId}`,
        "/contacts/imports",
        `/contacts/imports/${importId}`,
        "/statistics",
        "/settings",
        "/account",
      ];
      // The viewer's pages are seen on a phone (390 px): none of them may scroll sideways.
      const overflow: string[] = [];
      const count = async (p: Page) => {
        let n = 0;
        for (const url of paths) {
          await openSettled(p, server, url);
          n += await p.locator("[data-write]").count();
          if (p !== page) overflow.push(...(await sidewaysOverflow(p)));
          if (p !== page && url.startsWith("/contacts/imports/")) await shot(p, "import-report-phone");
        }
        return n;
      };
      expect(await count(page)).toBeGreaterThan(0);
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const viewer = await ctx.newPage();
      // Every API answer the viewer's pages receive, to look for credentials in them (not just the page).
      const answers: Array<Promise<string>> = [];
      viewer.on("response", (r) => {
        if (new URL(r.url()).pathname.startsWith("/v1/")) answers.push(r.text().catch(() => ""));
      });
      await logIn(viewer, VIEWER);
      expect(await count(viewer)).toBe(0);
      expect(overflow).toEqual([]);
      // Also what an admin's settings page would load, asked for by hand with the viewer's session.
      const byHand = [
        "/v1/transports",
        "/v1/inbound-mailboxes",
        `/v1/inbound-mailboxes/${mailboxId}/credentials`,
      ];
      for (const url of byHand) {
        await viewer.evaluate((u) => fetch(u).then((r) => r.text()), url);
      }
      const bodies = await Promise.all(answers);
      expect(bodies.length).toBeGreaterThan(10);
      expect(bodies.filter((b) => b.includes(SMTP_PASS) || b.includes(IMAP_PASS))).toEqual([]);
      // The admin's own session does get them where an admin may (a check that the search can find them).
      const own = await page.evaluate(
        (u) => fetch(u).then((r) => r.text()),
        `/v1/inbound-mailboxes/${mailboxId}/credentials`,
      );
      expect(own).toContain(IMAP_PASS);
      // Time filters read German dates in German mode although this browser's locale is not German.
      expect(await viewer.evaluate(() => navigator.language)).not.toMatch(/^de/);
      await viewer.goto(`${server.url}/activities`);
      const since = viewer.getByLabel("Von");
      expect(await since.getAttribute("placeholder")).toBe("TT.MM.JJJJ HH:MM");
      await since.fill("1.1.2020 8:05");
      await viewer.getByRole("button", { name: "Filtern" }).click();
      await viewer.waitForURL(/since=2020-01-01T08(%3A|:)05/);
      await viewer.locator("table.activities tbody tr").first().waitFor();
      expect(await since.inputValue()).toBe("1.1.2020 8:05");
      await viewer.reload();
      expect(await viewer.getByLabel("Von").inputValue()).toBe("01.01.2020 08:05");
      await viewer.getByLabel("Bis").fill("2020-01-01");
      expect(await viewer.getByLabel("Bis").getAttribute("aria-invalid")).toBe("true");
      await viewer.getByText("Bitte als TT.MM.JJJJ HH:MM eingeben.").waitFor();
      await viewer.goto(`${server.url}/contacts`);
      await viewer.getByRole("button", { name: "Menü" }).click();
      expect(await viewer.getByRole("link", { name: "Einstellungen" }).count()).toBe(0);
      await shot(viewer, "viewer-phone");
      // An interrupted import the server could resume: the viewer reads who can, and gets no button for it.
      await viewer.route(/\/v1\/imports\/imp_[0-9a-z]+$/, async (route) => {
        const body = await (await route.fetch()).json();
        return route.fulfill({ json: { ...body, status: "failed", interrupted: true, resumable: true } });
      });
      await viewer.goto(`${server.url}/contacts/imports/${importId}`);
      const interrupted = viewer.getByRole("alert").filter({ hasText: "Der Import wurde unterbrochen" });
      await interrupted.waitFor();
      expect(await interrupted.textContent()).toContain(
        "Ein Bearbeiter oder Administrator kann ihn auf dieser Seite fortsetzen.",
      );
      expect(await viewer.locator("[data-write]").count()).toBe(0);
      await stopRouting(viewer);
      await ctx.close();
    },
    STEP,
  );

  it(
    "shows bad input at its field, asks before lifting a block, and says what failed instead of a blank page",
    async () => {
      await page.goto(`${server.url}/settings?section=blocklist`);
      // A check beyond the schema (the address "12" is no e-mail address): the API's detail carries
      // code invalid_format + format email next to its English sentence, and the field says it in German.
      const address = page.getByLabel("Adresse");
      await address.fill("12");
      await page.getByLabel("Grund").fill("Test");
      const answer = page.waitForResponse(
        (r) => r.url().endsWith("/v1/blocklist") && r.request().method() === "POST",
      );
      await page.getByRole("button", { name: "Adresse sperren" }).click();
      const refused = await (await answer).json();
      expect(refused.error.details).toEqual([
        { path: "address", message: "invalid e-mail address", code: "invalid_format", format: "email" },
      ]);
      await expect.poll(() => address.getAttribute("aria-invalid")).toBe("true");
      expect(await page.locator(".field-invalid .field-error").textContent()).toBe(
        "Keine gültige E-Mail-Adresse.",
      );
      await page.getByLabel("Grund").fill("");
      await address.fill("spam@example.net");
      await page.getByRole("button", { name: "Adresse sperren" }).click();
      // 400 with details → the message sits under the reason field.
      const reason = page.getByLabel("Grund");
      await expect.poll(() => reason.getAttribute("aria-invalid")).toBe("true");
      expect(await page.locator(".field-invalid .field-error").count()).toBe(1);
      // Worded in German (the API's detail is zod's "Invalid input: expected string, received undefined").
      expect(await page.locator(".field-invalid .field-error").textContent()).toBe("Bitte ausfüllen.");
      expect(await page.locator(".banner-error").textContent()).toBe(
        "Bitte prüfen Sie Ihre Eingaben. Grund: Bitte ausfüllen.",
      );
      await reason.fill("Beschwerde vom Empfänger");
      await page.getByRole("button", { name: "Adresse sperren" }).click();
      const row = page.locator("table.blocklist tbody tr", { hasText: "spam@example.net" });
      await row.waitFor();
      // By keyboard: Enter opens the confirmation, focus stays inside it, Escape closes it without lifting
      // the block and puts focus back on the button that opened it.
      const lift = row.getByRole("button", { name: "Sperre aufheben" });
      await lift.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      const focusInDialog = () => page.evaluate(() => !!document.activeElement?.closest("dialog[open]"));
      expect(await focusInDialog()).toBe(true);
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press("Tab");
        expect(await focusInDialog(), `after Tab ${i + 1}`).toBe(true);
      }
      await page.keyboard.press("Escape");
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await lift.evaluate((b) => b === document.activeElement)).toBe(true);
      const kept = await call<{ items: Array<{ address: string }> }>(server, apiKey, "GET", "/v1/blocklist");
      expect(kept.items.map((b) => b.address)).toContain("spam@example.net");
      await lift.click();
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain("spam@example.net");
      await dialog.getByRole("button", { name: "Sperre aufheben" }).click();
      await page.getByText("Die Sperre wurde aufgehoben.").waitFor();
      const still = await call<{ items: Array<{ address: string }> }>(server, apiKey, "GET", "/v1/blocklist");
      expect(still.items.map((b) => b.address)).not.toContain("spam@example.net");
      // An answer the page cannot draw (here: a message without its timeline) is told, not a blank page,
      // and the navigation stays.
      await page.route("**/v1/messages/msg_broken**", (r) =>
        r.fulfill({ json: { id: "msg_broken", status: "sent" } }),
      );
      await page.goto(`${server.url}/messages/msg_broken`);
      await expect
        .poll(() => page.getByRole("alert").first().textContent())
        .toMatch(/^Diese Seite konnte nicht angezeigt werden\./);
      await page
        .getByRole("navigation", { name: "Hauptnavigation" })
        .getByRole("link", { name: "E-Mail-Status" })
        .click();
      await page.getByRole("heading", { level: 1, name: "E-Mail-Status" }).waitFor();
      await page.unroute("**/v1/messages/msg_broken**");
      // A server error (500) on a list page: said in words with a way to try again, the page and its
      // navigation stay.
      await page.route("**/v1/contacts?**", (r) =>
        r.fulfill({
          status: 500,
          json: { error: { code: "internal", message: "Internal server error" } },
        }),
      );
      await page.goto(`${server.url}/contacts`);
      const failed = page.getByRole("alert").filter({ hasText: "Der Server hat einen Fehler gemeldet." });
      await failed.waitFor();
      expect(await failed.getByRole("button", { name: "Erneut versuchen" }).count()).toBe(1);
      await page.getByRole("heading", { level: 1, name: "Kontakte" }).waitFor();
      await page.unroute("**/v1/contacts?**");
      await failed.getByRole("button", { name: "Erneut versuchen" }).click();
      await expect.poll(() => failed.count()).toBe(0);
      // An unknown message: the server's 404 in words, not an empty page.
      await page.goto(`${server.url}/messages/msg_does_not_exist`);
      await expect
        .poll(() => page.getByRole("alert").first().textContent())
        .toMatch(
          /^Nachricht „msg_does_not_exist“ gibt es in diesem Arbeitsbereich nicht\.(Erneut versuchen)?$/,
        );
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
      // The bounce's block was made by the inbound process: named in words, not "inbound".
      const blockRow = log.locator("tr", { hasText: "Sperrlisteneintrag „niemand@example.org“ erstellt" });
      expect(await blockRow.locator("td").nth(1).textContent()).toBe(
        "Eingang (Rückläufer, Bestätigungen) · System",
      );
      // No action as its code ("lifted", "send_started"): every badge in words.
      const codes = new Set([
        "created",
        "updated",
        "deleted",
        "cancelled",
        "lifted",
        "completed",
        "failed",
        "purged",
      ]);
      const badgeWords = (await log.locator(".action-badge").allTextContents()).flatMap((b) =>
        b.split(/\s+/),
      );
      expect(badgeWords.filter((w) => codes.has(w) || w.includes("_"))).toEqual([]);
      // No raw ids in the rows: a record with a page is a link in words, the id waits with the changes.
      expect(await log.textContent()).not.toMatch(/\b(msg|con|blk|usr|key|ws|imp)_[0-9a-z]{8,}/);
      const messageRow = log.locator("tr", { hasText: "Nachricht „niemand@example.org“ erstellt" });
      await messageRow.getByRole("button", { name: "Änderungen anzeigen" }).click();
      expect(await log.locator("tr.activity-details").first().textContent()).toMatch(/Datensatz: msg_/);
      await messageRow.getByRole("link", { name: "Nachricht öffnen" }).click();
      await page.getByRole("heading", { level: 1, name: "Nachricht: Ihre Rechnung" }).waitFor();
      // "Wer" finds part of a name in any case (GET /v1/activities?actor_contains=): "astrid" → the rows of
      // "Astrid Admin" (her blocklist entries above), and only hers.
      await page.goto(`${server.url}/activities`);
      await page.getByLabel("Wer").fill("astrid");
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(/actor=astrid/);
      const whos = () =>
        log
          .locator("tr:not(.activity-details)")
          .evaluateAll((rows) => rows.map((r) => r.querySelectorAll("td")[1]?.textContent ?? ""));
      await expect
        .poll(async () => {
          const w = await whos();
          return w.length > 0 && w.every((x) => x.startsWith("Astrid Admin"));
        })
        .toBe(true);
      expect((await whos()).length).toBeGreaterThanOrEqual(2);
      // By kind and action: blocklist entries that were created, and only those.
      await page.goto(`${server.url}/activities`);
      await page.getByLabel("Art").selectOption({ label: "Sperrlisteneintrag" });
      await page.getByLabel("Aktion").selectOption({ label: "erstellt" });
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL(/kind=blocklist_entry/);
      const badges = () => log.locator(".action-badge").allTextContents();
      await expect
        .poll(async () => {
          const b = await badges();
          return b.length > 0 && b.every((x) => x === "Sperrlisteneintrag erstellt");
        })
        .toBe(true);
      // A process is found by the words the row shows for it, not by its name inside the server.
      await page.goto(`${server.url}/activities`);
      await page.getByLabel("Wer").fill("rückläufer");
      await page.getByRole("button", { name: "Filtern" }).click();
      await page.waitForURL((u) => u.searchParams.get("actor") === "rückläufer");
      await expect
        .poll(async () => {
          const w = await whos();
          return w.length > 0 && w.every((x) => x === "Eingang (Rückläufer, Bestätigungen) · System");
        })
        .toBe(true);
      await log.locator("tr", { hasText: "Sperrlisteneintrag „niemand@example.org“ erstellt" }).waitFor();
      // Ereignisprotokoll: the block after the hard bounce names its message in words, linked, not by id.
      await page.goto(`${server.url}/event-log`);
      const blocked = page.locator("tr.event-log-entry", {
        hasText: "gesperrt nach einem Hard Bounce der Nachricht",
      });
      await blocked.waitFor();
      expect(await blocked.textContent()).not.toMatch(/\b(msg|cmp|con|inb)_[0-9a-z]{8,}/);
      await blocked.getByRole("link", { name: "Nachricht", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: "Nachricht: Ihre Rechnung" }).waitFor();
      await page.goto(`${server.url}/activities`);
      await page.locator("table.activities tbody tr").first().waitFor();
      // Dates follow the language: 25.11.2026, 10:28:24 in German, 25 Nov 2026, 10:28:24 in English.
      const firstTime = page.locator("table.activities tbody time").first();
      expect(await firstTime.textContent()).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);
      await switchLanguage(page, "en");
      await expect
        .poll(() => firstTime.textContent())
        .toMatch(/^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2}:\d{2}$/);
      const navEn = page.getByRole("navigation", { name: "Main navigation" });
      await navEn.getByRole("link", { name: "Activities" }).waitFor();
      expect(await navEn.getByRole("link", { name: "E-mail status" }).count()).toBe(1);
      await page.getByRole("heading", { level: 1, name: "Activities" }).waitFor();
      const blockRowEn = log.locator("tr", { hasText: "Blocklist entry 'niemand@example.org' created" });
      expect(await blockRowEn.locator("td").nth(1).textContent()).toBe(
        "Inbound (bounces, notifications) · System",
      );
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
      // The bounce reason by the registry's English words.
      await again.goto(`${server.url}/statistics`);
      await again.getByRole("heading", { name: "Bounce reasons" }).waitFor();
      await again.getByRole("img", { name: "Bounce reasons" }).getByText("Address does not exist").waitFor();
      await again.goto(`${server.url}/messages`);
      await again.getByRole("heading", { level: 1, name: "E-mail status" }).waitFor();
      // Signing out ends the session: the login page (in the user's language), and no more cookie access.
      await again.getByRole("button", { name: "Sign out" }).click();
      await again.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
      const probe = await again.evaluate(() => fetch("/v1/auth/session").then((r) => r.status));
      expect(probe).toBe(401);
      await ctx.close();
    },
    STEP,
  );
  it(
    "saves the language chosen last when the user switches twice before the first save is answered",
    async () => {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      // The test before left the user in English.
      await logInAt(p, server, ADMIN, "/messages");
      await switchLanguage(p, "de");
      // The first save is held back a second: a second save sent alongside would be answered first and then
      // overwritten by the first, and the next page would open in the language the user switched away from.
      let held = false;
      await p.route("**/v1/auth/me", async (route) => {
        if (route.request().method() === "PATCH" && !held) {
          held = true;
          await new Promise((r) => setTimeout(r, 1_500));
        }
        await route.continue();
      });
      const saves: string[] = [];
      let pending = 0;
      const isSave = (r: { method(): string; url(): string }) =>
        r.method() === "PATCH" && r.url().endsWith("/v1/auth/me");
      p.on("request", (r) => {
        if (isSave(r)) pending++;
      });
      p.on("requestfinished", (r) => {
        if (!isSave(r)) return;
        pending--;
        saves.push(r.postData() ?? "");
      });
      await p.getByRole("combobox", { name: "Sprache" }).selectOption("en");
      await p.getByRole("combobox", { name: "Language" }).selectOption("de");
      await p.getByRole("heading", { level: 1, name: "E-Mail-Status" }).waitFor();
      // Every save answered, the last one German (the held English one answered before it was sent).
      await expect
        .poll(() => (pending === 0 ? (saves.at(-1) ?? "") : "still saving"), { timeout: 30_000 })
        .toContain('"de"');
      expect(await savedLanguage(p)).toBe("de");
      await p.reload();
      await p.getByRole("heading", { level: 1, name: "E-Mail-Status" }).waitFor();
      expect(await p.locator("html").getAttribute("lang")).toBe("de");
      await ctx.close();
    },
    STEP,
  );
  it("asked the API for no query parameter a route does not take", () => {
    expect(queryRefusals).toEqual([]);
  });
});
