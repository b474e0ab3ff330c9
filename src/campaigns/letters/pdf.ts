// pdfkit plumbing shared by serial letters and labels: fonts, text the chosen font can show, and output
// streamed with backpressure, so a campaign of thousands of letters never holds the whole PDF in memory.
import { once } from "node:events";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setImmediate } from "node:timers/promises";
import PDFDocument from "pdfkit";
import { Invalid } from "../../util/errors.js";
import { A4, FORM_B, pt } from "./din5008.js";

export type Pdf = PDFKit.PDFDocument;

export interface FontOptions {
  /** A PDF standard font name (default "Helvetica") or the path of a TrueType/OpenType file. */
  regular?: string;
  /** Default "Helvetica-Bold". */
  bold?: string;
  /** Text size in points; default 11. */
  size?: number;
}

export interface Fonts {
  regular: string;
  bold: string;
  size: number;
  /** Makes text printable in these fonts (see toWinAnsi). */
  clean: (text: string) => string;
}

const STANDARD_FONTS = new Set([
  "Courier",
  "Courier-Bold",
  "Courier-Oblique",
  "Courier-BoldOblique",
  "Helvetica",
  "Helvetica-Bold",
  "Helvetica-Oblique",
  "Helvetica-BoldOblique",
  "Times-Roman",
  "Times-Bold",
  "Times-Italic",
  "Times-BoldItalic",
]);

export function createPdf(info: { title: string; author?: string }, bufferPages: boolean): Pdf {
  return new PDFDocument({
    size: "A4",
    autoFirstPage: false,
    bufferPages,
    lang: "de-DE",
    margins: {
      top: pt(FORM_B.top),
      bottom: pt(FORM_B.bottom),
      left: pt(FORM_B.left),
      right: pt(FORM_B.right),
    },
    // pdfkit cannot write an undefined entry, so Author is only set when known.
    info: { Title: info.title, Creator: "Poststelle", ...(info.author ? { Author: info.author } : {}) },
  });
}

export const PAGE_WIDTH = pt(A4.width);

/** Registers the fonts under the names "regular" and "bold"; a font that cannot be loaded is refused here. */
export function registerFonts(doc: Pdf, font: FontOptions | undefined): Fonts {
  const regular = font?.regular ?? "Helvetica";
  const bold = font?.bold ?? "Helvetica-Bold";
  const size = font?.size ?? 11;
  if (!(size >= 6 && size <= 16)) throw Invalid(`font size ${size} pt is outside 6 to 16 pt`);
  for (const [name, src] of [
    ["regular", regular],
    ["bold", bold],
  ]) {
    try {
      doc.registerFont(name, src);
      doc.font(name);
    } catch (err) {
      throw Invalid(`the ${name} font '${src}' cannot be loaded: ${(err as Error).message}`);
    }
  }
  const standard = STANDARD_FONTS.has(regular) || STANDARD_FONTS.has(bold);
  return { regular: "regular", bold: "bold", size, clean: standard ? toWinAnsi : withoutControls };
}

// The standard PDF fonts speak WinAnsi (Windows-1252): Latin-1 plus these. pdfkit writes anything else as
// garbage that also corrupts the rest of the line, so such characters are replaced before they reach it.
const WIN_ANSI_EXTRAS = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");
const NEAREST: Record<string, string> = {
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  Ħ: "H",
  ħ: "h",
  ı: "i",
  "−": "-",
  "\t": " ",
};

export function isWinAnsi(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return ch === "\n" || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRAS.has(ch);
}

function nearestWinAnsi(ch: string): string {
  if (NEAREST[ch] !== undefined) return NEAREST[ch];
  if (/[\p{Cc}\p{Cf}]/u.test(ch)) return "";
  const base = ch.normalize("NFD").replace(/\p{M}/gu, "");
  if (base !== "" && [...base].every(isWinAnsi)) return base;
  if (/\p{Zs}/u.test(ch)) return " ";
  if (/\p{Pd}/u.test(ch)) return "-";
  return "?";
}

/** Text the standard fonts can print: "Dvořák" becomes "Dvorak", umlauts and ß stay as they are. */
export function toWinAnsi(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFC")) out += isWinAnsi(ch) ? ch : nearestWinAnsi(ch);
  return out;
}

function withoutControls(text: string): string {
  return text.normalize("NFC").replace(/[^\P{Cc}\n]|\p{Cf}/gu, "");
}

/** Shortens one line with "…" until it fits the width in the current font and size. */
export function fitLine(doc: Pdf, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let chars = [...text];
  while (chars.length > 0 && doc.widthOfString(`${chars.join("").trimEnd()}…`) > width)
    chars = chars.slice(0, -1);
  return `${chars.join("").trimEnd()}…`;
}

/**
 * Pipes the document into `out` while `produce` draws it. `produce` awaits `room()` between letters or sheets:
 * it returns once `out` has taken what was written so far, and throws if `out` failed. Resolves when `out`
 * has finished; on any failure the document and `out` are destroyed and the error is passed on.
 */
export async function streamPdf<T>(
  doc: Pdf,
  out: Writable,
  produce: (room: () => Promise<void>) => Promise<T>,
): Promise<T> {
  let failure: unknown = null;
  const finished = pipeline(doc, out);
  finished.catch((err) => {
    failure = err;
  });
  const room = async () => {
    // Let the pipe move what was drawn: a synchronous source would otherwise keep the event loop busy and
    // pile the whole document up in memory before a byte reaches `out`.
    await setImmediate();
    if (out.writableNeedDrain && failure === null) {
      const drained = once(out, "drain");
      drained.catch(() => {}); // an error on `out` reaches us through `finished`
      await Promise.race([drained, finished]);
    }
    if (failure !== null) throw failure;
  };
  try {
    const result = await produce(room);
    doc.end();
    await finished;
    return result;
  } catch (err) {
    doc.destroy(err instanceof Error ? err : new Error(String(err)));
    await finished.catch(() => {});
    throw err;
  }
}

/** Collects what `write` streams into one Buffer (for callers that want the whole document). */
export async function collectPdf(write: (out: Writable) => Promise<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await write(out);
  return Buffer.concat(chunks);
}
