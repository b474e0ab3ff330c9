// Address labels for serial letters (issue 4 item 7): one label per recipient on a common A4 sheet, filled
// row by row. Layout "3x7": 3 columns × 7 rows of 70 × 42.3 mm labels with no side margins (the sheet of
// Avery Zweckform 3652 and its equivalents; 7 × 42.3 mm leaves 0.45 mm at top and bottom).
import type { Writable } from "node:stream";
import { Invalid } from "../../util/errors.js";
import { addressLines, addressProblem, DEFAULT_HOME_COUNTRY, type PostalAddress } from "./address.js";
import { A4, pt } from "./din5008.js";
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

export type LabelAddress = PostalAddress;

export type LabelLayoutName = "3x7";

export interface LabelOptions {
  layout?: LabelLayoutName;
  /** Addresses in another country get a country line in capitals; default "Deutschland". */
  home_country?: string;
  /** Default Helvetica at 10 pt. */
  font?: FontOptions;
}

export interface LabelLayout {
  columns: number;
  rows: number;
  /** Label size and sheet offsets in millimetres. */
  width: number;
  height: number;
  left: number;
  top: number;
  /** Space kept free inside each label, since printers and label cutting are never exact. */
  padding: number;
}

export const LABEL_LAYOUTS: Record<LabelLayoutName, LabelLayout> = {
  "3x7": {
    columns: 3,
    rows: 7,
    width: 70,
    height: 42.3,
    left: 0,
    top: (A4.height - 7 * 42.3) / 2,
    padding: 6,
  },
};

export interface LabelsWritten {
  labels: number;
  pages: number;
}

/** Renders all labels into one PDF held in memory. */
export function renderLabelsPdf(addresses: LabelAddress[], options: LabelOptions = {}): Promise<Buffer> {
  return collectPdf((out) => writeLabelsPdf(addresses, options, out));
}

/** Streams the label sheets into `out` (and ends it); a new sheet starts after every columns × rows labels. */
export async function writeLabelsPdf(
  addresses: AsyncIterable<LabelAddress> | Iterable<LabelAddress>,
  options: LabelOptions,
  out: Writable,
): Promise<LabelsWritten> {
  const layout = LABEL_LAYOUTS[options.layout ?? "3x7"];
  if (layout === undefined) throw Invalid(`unknown label layout '${options.layout}'; known: 3x7`);
  const homeCountry = options.home_country ?? DEFAULT_HOME_COUNTRY;
  const doc = createPdf({ title: "Adressetiketten" }, false);
  return streamPdf(doc, out, async (room) => {
    const fonts = registerFonts(doc, { size: 10, ...options.font });
    const perSheet = layout.columns * layout.rows;
    let labels = 0;
    for await (const address of addresses) {
      const problem = addressProblem(address, homeCountry);
      if (problem !== null) throw Invalid(`label ${labels + 1} cannot be printed: ${problem}`);
      const slot = labels % perSheet;
      if (slot === 0) {
        if (labels > 0) await room();
        doc.addPage({ size: "A4", margin: 0 });
      }
      drawLabel(doc, addressLines(address, homeCountry), labelOrigin(layout, slot), layout, fonts);
      labels += 1;
    }
    if (labels === 0) throw Invalid("there are no addresses to print"); // a PDF needs a page
    return { labels, pages: Math.ceil(labels / perSheet) };
  });
}

/** Top-left corner of the label in `slot` (0-based, row by row), in points. */
export function labelOrigin(layout: LabelLayout, slot: number): { x: number; y: number } {
  const column = slot % layout.columns;
  const row = Math.floor(slot / layout.columns);
  return { x: pt(layout.left + column * layout.width), y: pt(layout.top + row * layout.height) };
}

/** The address block, left-aligned inside the padding and centred vertically on the label. */
function drawLabel(
  doc: Pdf,
  lines: string[],
  origin: { x: number; y: number },
  layout: LabelLayout,
  fonts: Fonts,
): void {
  doc.font(fonts.regular).fontSize(fonts.size);
  const lineHeight = doc.currentLineHeight(true);
  const width = pt(layout.width - 2 * layout.padding);
  const top = origin.y + (pt(layout.height) - lines.length * lineHeight) / 2;
  lines.forEach((line, i) => {
    const text = fitLine(doc, fonts.clean(line), width);
    doc.text(text, origin.x + pt(layout.padding), top + i * lineHeight, { lineBreak: false });
  });
}
