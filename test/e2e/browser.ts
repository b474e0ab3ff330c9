// What every browser test does the same way: screenshots under test-results/, signing in through the
// login page, and axe's serious and critical violations described so a failure says what to fix.
import fs from "node:fs";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import type { E2EServer } from "./server.js";

const SHOTS = path.resolve(import.meta.dirname, "../../test-results");

/** How long a browser test waits for the page to show what it expects (a busy 2-core machine is slow). */
export const WAIT = { timeout: 30_000, interval: 250 };

export interface Login {
  email: string;
  password: string;
}

export async function shot(p: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, `e2e-${name}.png`), fullPage: true });
}

/** Every API answer a signed-in page got that refused a query parameter the route does not take: the
 * dashboard must ask each route only what it takes (a test file ends by expecting none). */
export const queryRefusals: string[] = [];

function watchQueryRefusals(p: Page) {
  p.on("response", async (r) => {
    if (r.status() !== 400 || !new URL(r.url()).pathname.startsWith("/v1/")) return;
    const text = await r.text().catch(() => "");
    if (/unrecognized_keys|takes no query parameters/.test(text) && new URL(r.url()).search)
      queryRefusals.push(`${r.request().method()} ${r.url()} → ${text.slice(0, 200)}`);
  });
}

/** Opens `start` signed out (it sends the browser to the login page), signs in and waits to be sent back. */
export async function logIn(p: Page, server: E2EServer, who: Login, start = "/messages") {
  watchQueryRefusals(p);
  await p.goto(`${server.url}${start}`);
  await p.waitForURL(/\/login/);
  await p.getByLabel("E-Mail-Adresse").fill(who.email);
  await p.getByLabel("Passwort").fill(who.password);
  await p.getByRole("button", { name: "Anmelden" }).click();
  await p.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 60_000 });
}

/** The language the server keeps for the signed-in user (what the next page load starts in). */
export async function savedLanguage(p: Page): Promise<string | null> {
  return p.evaluate(async () => {
    const r = await fetch("/v1/auth/session");
    return ((await r.json()) as { user: { language: string | null } }).user.language;
  });
}

/** Switches the language by the header's switch (named "Sprache" or "Language") and waits until the server
 * has saved it for the user: a page opened before that would start in the language saved before. */
export async function switchLanguage(p: Page, to: "de" | "en") {
  await p.getByRole("combobox", { name: /^(Sprache|Language)$/ }).selectOption(to);
  await expect.poll(() => savedLanguage(p), WAIT).toBe(to);
}

/** axe on the page as it is; `exclude` names content that is not the dashboard's (a sandboxed preview). */
export async function axeProblems(p: Page, exclude: string[] = []): Promise<string[]> {
  let builder = new AxeBuilder({ page: p });
  for (const selector of exclude) builder = builder.exclude(selector);
  const r = await builder.analyze();
  return r.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${p.url()}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
}

/** What of the page sticks out sideways on a narrow screen: the widest elements wider than the window
 * (a wide table scrolls inside its own box, which is fine; the page itself must not scroll sideways). */
export async function sidewaysOverflow(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && getComputedStyle(el).position !== "fixed") {
        // Only the outermost: a child of an element already named adds nothing.
        if (!el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
          out.push(
            `${location.pathname}: <${el.tagName.toLowerCase()} class="${el.className}"> ${Math.round(r.right)}px`,
          );
      }
    }
    return out.length
      ? out
      : [`${location.pathname}: scrollWidth ${document.documentElement.scrollWidth} > ${width}`];
  });
}

/** Clicks what starts a download and answers the saved file's name and bytes. */
export async function downloadBy(p: Page, trigger: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([p.waitForEvent("download"), trigger.click()]);
  const chunks: Buffer[] = [];
  for await (const chunk of (await download.createReadStream()) ?? []) chunks.push(chunk as Buffer);
  return { name: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/** Opens a dashboard page and waits for its data: its heading and no request in flight; and it is the page
 * itself, not the login page a lost session shows (where "no write button" would hold trivially). */
export async function openSettled(p: Page, server: E2EServer, url: string) {
  await p.goto(server.url + url);
  await p.locator("h1").first().waitFor();
  await p.waitForLoadState("networkidle");
  expect(new URL(p.url()).pathname).toBe(url.split("?")[0]);
}

/** What sticks out sideways on each of the pages `open` shows, at phone width (390 px); the window's size is
 * put back afterwards. */
export async function overflowOnPhone<T>(p: Page, pages: T[], open: (page: T) => Promise<void>) {
  await p.setViewportSize({ width: 390, height: 844 });
  const overflow: string[] = [];
  try {
    for (const x of pages) {
      await open(x);
      overflow.push(...(await sidewaysOverflow(p)));
    }
  } finally {
    await p.setViewportSize({ width: 1280, height: 900 });
  }
  return overflow;
}
