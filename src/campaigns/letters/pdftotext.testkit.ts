// Test helpers: read our PDFs back with poppler's pdftotext (Debian poppler-utils), the way issue 4 asks
// letters to be checked. Pages come from pdftotext's form feeds; word boxes from `-bbox`, in millimetres.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { mmOf } from "./din5008.js";

export const PDFTOTEXT_BIN = "/usr/bin/pdftotext";

/** For requirePeer: null when pdftotext can run here, otherwise what to install. */
export function pdftotextMissing(): string | null {
  return fs.existsSync(PDFTOTEXT_BIN) ? null : `${PDFTOTEXT_BIN} not found (apt-get install poppler-utils)`;
}

function pdftotext(pdf: Buffer, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PDFTOTEXT_BIN, [...args, "-", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new Error(`pdftotext exited ${code}: ${Buffer.concat(err).toString("utf8")}`));
    });
    child.stdin.end(pdf);
  });
}

/** The text of each page (`-layout`); pdftotext ends every page with a form feed. */
export async function pdfPages(pdf: Buffer): Promise<string[]> {
  const text = await pdftotext(pdf, ["-layout", "-enc", "UTF-8"]);
  const pages = text.split("\f");
  pages.pop(); // after the last form feed
  return pages;
}

export interface Word {
  text: string;
  /** Millimetres from the left and top edges of the page. */
  x: number;
  y: number;
  xMax: number;
  yMax: number;
}

/** Every word with its box, page by page. */
export async function pdfWords(pdf: Buffer): Promise<Word[][]> {
  const html = await pdftotext(pdf, ["-bbox", "-enc", "UTF-8"]);
  return html
    .split("<page ")
    .slice(1)
    .map((page) =>
      [
        ...page.matchAll(
          /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
        ),
      ].map((m) => ({
        text: unescapeXml(m[5]),
        x: mmOf(Number(m[1])),
        y: mmOf(Number(m[2])),
        xMax: mmOf(Number(m[3])),
        yMax: mmOf(Number(m[4])),
      })),
    );
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Lines of a page with runs of spaces folded, so assertions do not depend on column positions. */
export function lines(page: string): string[] {
  return page
    .split("\n")
    .map((l) => l.trim().replace(/\s{2,}/g, "  "))
    .filter((l) => l !== "");
}
