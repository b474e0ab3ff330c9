// Serial letters (issue 4 item 7, seed 004 "Serienbrief erzeugen"): one PDF, one letter per recipient, each
// starting on a new sheet, laid out for a window envelope per DIN 5008 form B (see din5008.ts).
import type { Writable } from "node:stream";
import { convert as htmlToText } from "html-to-text";
import { Invalid } from "../../util/errors.js";
import {
  addressLines,
  addressProblem,
  DEFAULT_HOME_COUNTRY,
  isForeign,
  type PostalAddress,
  returnAddressLine,
  type SenderAddress,
} from "./address.js";
import { FORM_B, pt } from "./din5008.js";
import {
  collectPdf,
  createPdf,
  type FontOptions,
  type Fonts,
  fitLine,
  type Pdf,
  registerFonts,
  streamPdf,
} from "./pdf.js";
import { formatLetterDate, type LetterLanguage, WORDING } from "./wording.js";

export interface Letter {
  recipient: PostalAddress;
  date: Date;
  /** Printed bold, without the word "Betreff" (DIN 5008). */
  subject: string;
  /** The letter salutation, e.g. "Sehr geehrte Frau Dr. Scholz,". */
  salutation: string;
  /** Paragraphs separated by blank lines, or simple HTML when body_format is "html". */
  body: string;
  body_format?: "text" | "html";
  /** The Grußformel; default "Mit freundlichen Grüßen" / "Kind regards". */
  closing?: string;
  language: LetterLanguage;
}

export interface LetterOptions {
  /** Printed as the return address line "Name · Straße · PLZ Ort". */
  sender: SenderAddress;
  /** Lines printed top right; leave out when printing on pre-printed letterhead paper. */
  letterhead?: string[];
  /** Rows of the information block above the date, e.g. { label: "Telefon", value: "030 1234567" }. */
  information?: { label: string; value: string }[];
  /** Lines below the closing, after room for a signature; default the sender's name. */
  signature?: string[];
  font?: FontOptions;
  /** Decides the calendar day of each letter's date; default "Europe/Berlin". */
  time_zone?: string;
}

export interface LettersWritten {
  letters: number;
  pages: number;
}

interface Layout {
  fonts: Fonts;
  options: LetterOptions;
  homeCountry: string;
}

const TEXT_WIDTH = pt(210 - FORM_B.left - FORM_B.right);
const WINDOW_TEXT_WIDTH = pt(FORM_B.window.x + FORM_B.window.width - FORM_B.left);

/** Renders all letters into one PDF held in memory; for large campaigns prefer writeLettersPdf. */
export function renderLettersPdf(letters: Letter[], options: LetterOptions): Promise<Buffer> {
  return collectPdf((out) => writeLettersPdf(letters, options, out));
}

/**
 * Streams one PDF with one letter per recipient into `out`, pulling letters one at a time (so the campaign
 * can read recipients from the database as it goes) and waiting while `out` is full. Ends `out`. A letter
 * whose address cannot be printed (see addressProblem) fails the whole document: check addresses first.
 * No letters at all is refused too (Invalid), since a PDF needs a page.
 */
export async function writeLettersPdf(
  letters: AsyncIterable<Letter> | Iterable<Letter>,
  options: LetterOptions,
  out: Writable,
): Promise<LettersWritten> {
  // Pages are buffered per letter only: "Seite X von Y" is known once the letter is laid out.
  const doc = createPdf({ title: "Serienbrief", author: options.sender.name }, true);
  return streamPdf(doc, out, async (room) => {
    const layout: Layout = {
      fonts: registerFonts(doc, options.font),
      options,
      homeCountry: options.sender.country ?? DEFAULT_HOME_COUNTRY,
    };
    const written = { letters: 0, pages: 0 };
    for await (const letter of letters) {
      checkLetter(letter, written.letters, layout);
      drawLetter(doc, letter, layout);
      written.pages += numberAndFlushPages(doc, letter.language, layout.fonts);
      written.letters += 1;
      await room();
    }
    // A PDF without pages is not a valid document; a campaign with no printable recipient has none.
    if (written.letters === 0) throw Invalid("there are no letters to print");
    return written;
  });
}

function checkLetter(letter: Letter, index: number, layout: Layout): void {
  const problem = addressProblem(letter.recipient, layout.homeCountry);
  if (problem !== null) {
    const who = letter.recipient.name_lines.join(" ").trim() || "without a name";
    throw Invalid(`letter ${index + 1} (${who}) cannot be printed: ${problem}`);
  }
}

function drawLetter(doc: Pdf, letter: Letter, layout: Layout): void {
  doc.addPage();
  drawFoldMarks(doc);
  drawLetterhead(doc, layout);
  drawWindow(doc, letter.recipient, layout);
  drawInformationBlock(doc, letter, layout);
  drawText(doc, letter, layout);
}

/** Falzmarken at 105 and 210 mm and the Lochmarke at 148.5 mm, at the left edge. */
function drawFoldMarks(doc: Pdf): void {
  doc.save().lineWidth(0.5).strokeColor("#808080");
  for (const y of FORM_B.foldMarks) doc.moveTo(pt(4), pt(y)).lineTo(pt(9), pt(y)).stroke();
  doc.moveTo(pt(4), pt(FORM_B.holeMark)).lineTo(pt(11), pt(FORM_B.holeMark)).stroke();
  doc.restore();
}

function drawLetterhead(doc: Pdf, { fonts, options }: Layout): void {
  const x = pt(105);
  const width = pt(210 - FORM_B.right - 105);
  let y = pt(12);
  for (const [i, line] of (options.letterhead ?? []).entries()) {
    doc.font(i === 0 ? fonts.bold : fonts.regular).fontSize(i === 0 ? fonts.size + 3 : 8);
    // The letterhead must leave the window area free; lines that do not fit above it are left out.
    if (y + doc.currentLineHeight() > pt(FORM_B.letterheadBottom - 2)) break;
    doc.text(fitLine(doc, fonts.clean(line), width), x, y, { width, align: "right", lineBreak: false });
    y += doc.currentLineHeight(true) + (i === 0 ? pt(1.5) : 0);
  }
}

/** The Rücksendeangabe on the last line of the Vermerkzone, then the address in the Anschriftzone. */
function drawWindow(doc: Pdf, recipient: PostalAddress, { fonts, options, homeCountry }: Layout): void {
  const x = pt(FORM_B.left);
  const addressTop = pt(FORM_B.window.y + FORM_B.window.endorsementHeight);
  const goesAbroad = isForeign(recipient.country, homeCountry);
  doc.font(fonts.regular).fontSize(7);
  const returnLine = fitLine(
    doc,
    fonts.clean(returnAddressLine(options.sender, goesAbroad)),
    WINDOW_TEXT_WIDTH,
  );
  const returnTop = addressTop - doc.currentLineHeight() - pt(1.5);
  doc.text(returnLine, x, returnTop, { lineBreak: false, underline: true });

  doc.font(fonts.regular).fontSize(Math.min(fonts.size, 11));
  addressLines(recipient, homeCountry).forEach((line, i) => {
    const y = addressTop + pt(0.8 + i * FORM_B.addressLinePitch);
    doc.text(fitLine(doc, fonts.clean(line), WINDOW_TEXT_WIDTH), x, y, { lineBreak: false });
  });
}

function drawInformationBlock(doc: Pdf, letter: Letter, { fonts, options }: Layout): void {
  const { x, y, width } = FORM_B.information;
  const labelWidth = pt(22);
  const valueWidth = pt(width) - labelWidth;
  const rows = [
    ...(options.information ?? []),
    {
      label: WORDING[letter.language].date,
      value: formatLetterDate(letter.date, letter.language, options.time_zone),
    },
  ];
  rows.forEach((row, i) => {
    const top = pt(y) + i * pt(FORM_B.addressLinePitch);
    doc.font(fonts.regular).fontSize(8);
    doc.text(fitLine(doc, fonts.clean(row.label), labelWidth - pt(1)), pt(x), top + pt(0.5), {
      lineBreak: false,
    });
    doc.fontSize(Math.min(fonts.size, 10));
    doc.text(fitLine(doc, fonts.clean(row.value), valueWidth), pt(x) + labelWidth, top, { lineBreak: false });
  });
}

/** Subject, salutation, body and closing flow from the subject line on, over as many pages as needed. */
function drawText(doc: Pdf, letter: Letter, { fonts, options }: Layout): void {
  const x = pt(FORM_B.left);
  doc.font(fonts.bold).fontSize(fonts.size);
  doc.text(fonts.clean(letter.subject.trim()), x, pt(FORM_B.subjectY), { width: TEXT_WIDTH });
  doc.moveDown(2);
  doc.font(fonts.regular).text(fonts.clean(letter.salutation.trim()), { width: TEXT_WIDTH });
  for (const paragraph of bodyParagraphs(letter)) {
    doc.moveDown(1);
    doc.text(fonts.clean(paragraph), x, doc.y, { width: TEXT_WIDTH });
  }
  drawClosing(doc, letter, options, fonts);
}

/** Grußformel, three blank lines for the signature, then the signer; kept together on one page. */
function drawClosing(doc: Pdf, letter: Letter, options: LetterOptions, fonts: Fonts): void {
  const closing = letter.closing?.trim() || WORDING[letter.language].closing;
  const signature = options.signature ?? [options.sender.name];
  const line = doc.currentLineHeight(true);
  const needed = line * (1 + 1 + 3 + signature.length);
  if (doc.y + needed > doc.page.maxY()) doc.addPage();
  else doc.moveDown(1);
  const x = pt(FORM_B.left);
  doc.text(fonts.clean(closing), x, doc.y, { width: TEXT_WIDTH });
  doc.moveDown(3);
  for (const signer of signature) doc.text(fonts.clean(signer), x, doc.y, { width: TEXT_WIDTH });
}

/** Plain-text paragraphs of the body; single line breaks stay line breaks within a paragraph. */
export function bodyParagraphs(letter: Pick<Letter, "body" | "body_format">): string[] {
  const text =
    letter.body_format === "html"
      ? htmlToText(letter.body, {
          wordwrap: false,
          selectors: [
            { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
            { selector: "img", format: "skip" },
            { selector: "h1", options: { uppercase: false } },
            { selector: "h2", options: { uppercase: false } },
            { selector: "h3", options: { uppercase: false } },
          ],
        })
      : letter.body;
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/[ \t]+$/gm, "").replace(/^\n+|\n+$/g, ""))
    .filter((p) => p.trim() !== "");
}

/** "Seite X von Y" on each page of a letter longer than one page, then hands its pages to the output. */
function numberAndFlushPages(doc: Pdf, language: LetterLanguage, fonts: Fonts): number {
  const { start, count } = doc.bufferedPageRange();
  if (count > 1) {
    for (let i = 0; i < count; i++) {
      doc.switchToPage(start + i);
      drawPageNumber(doc, WORDING[language].pageOf(i + 1, count), fonts);
    }
  }
  doc.flushPages();
  return count;
}

function drawPageNumber(doc: Pdf, label: string, fonts: Fonts): void {
  const margins = doc.page.margins;
  const bottom = margins.bottom;
  // The number sits inside the bottom margin; without this pdfkit would start a new page for it.
  margins.bottom = 0;
  doc.font(fonts.regular).fontSize(8);
  doc.text(label, pt(FORM_B.left), pt(FORM_B.pageNumberY), {
    width: TEXT_WIDTH,
    align: "right",
    lineBreak: false,
  });
  margins.bottom = bottom;
}
