// DIN 5008 form B geometry for A4 letters in window envelopes (DL / C6/5 with the window on the left),
// in millimetres from the top-left corner of the sheet. Seed 004: serial letters are printed and posted.

export const A4 = { width: 210, height: 297 } as const;

export const FORM_B = {
  /** Text starts 25 mm from the left edge (the window starts at 20 mm, with 5 mm inner margin). */
  left: 25,
  /** Right margin: text ends at 190 mm, well inside the 10 mm minimum. */
  right: 20,
  /** Continuation pages start here; the first page places its parts explicitly. */
  top: 20,
  /** Leaves room for "Seite X von Y" below the text. */
  bottom: 25,
  /** The letterhead owns the top 45 mm (form B). */
  letterheadBottom: 45,
  window: {
    x: 20,
    y: 45,
    width: 85,
    height: 45,
    /** Zusatz- und Vermerkzone, the top 17.7 mm; the Rücksendeangabe sits on its last line. */
    endorsementHeight: 17.7,
    /** Anschriftzone, the bottom 27.3 mm: six lines of 4.23 mm. */
    addressHeight: 27.3,
  },
  addressLinePitch: 4.23,
  information: { x: 125, y: 50, width: 65 },
  /** The subject starts two blank lines below the window. */
  subjectY: 98.46,
  foldMarks: [105, 210],
  holeMark: 148.5,
  /** Baseline area of the page number, inside the bottom margin. */
  pageNumberY: 282,
} as const;

export const pt = (millimetres: number): number => (millimetres * 72) / 25.4;
export const mmOf = (points: number): number => (points * 25.4) / 72;
