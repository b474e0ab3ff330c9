import { chromium } from "playwright-core";
const B = "http://127.0.0.1:8099";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await p.goto(`${B}/messages`);
await p.waitForURL(/\/login/);
await p.getByLabel("E-Mail-Adresse").fill("admin@praxis.example");
await p.getByLabel("Passwort").fill("Sehr-geheim-2026!");
await p.getByRole("button", { name: "Anmelden" }).click();
await p.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 60_000 });
const pages = process.argv.slice(2);
for (const path of pages) {
  await p.goto(`${B}${path}`);
  await p.waitForTimeout(2500);
  const name = path.replaceAll("/", "_") || "root";
  await p.screenshot({ path: `/tmp/ui/shots/${name}.png`, fullPage: false });
  console.log("shot", path);
}
await browser.close();
