// Reading a contacts CSV as office software writes it: Excel in a German locale separates with ";" and saves
// "CSV (Trennzeichen-getrennt)" in Windows-1252, "CSV UTF-8" with a byte-order mark. The file is streamed
// twice — a quick byte scan (encoding, row count for progress), then the parse — so memory stays flat.
import fs from "node:fs";
import { Transform } from "node:stream";
import { parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { Invalid } from "../util/errors.js";

export type FileEncoding = "utf-8" | "windows-1252";

export interface FileScan {
  encoding: FileEncoding;
  /** Lines outside quoted cells, header included (an estimate of the rows for progress and ETA). */
  lines: number;
  bytes: number;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** One pass over the bytes: is it valid UTF-8, and how many lines does it have (CRLF, LF or old-Mac CR)? */
export async function scanFile(path: string): Promise<FileScan> {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let valid = true;
  let inQuotes = false;
  let afterCr = false;
  let lines = 0;
  let bytes = 0;
  let last = -1;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (valid) {
      try {
        utf8.decode(chunk, { stream: true });
      } catch {
        valid = false;
      }
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === QUOTE) inQuotes = !inQuotes;
      else if (!inQuotes && (b === CR || (b === LF && !afterCr))) lines++;
      afterCr = b === CR;
    }
    last = chunk[chunk.length - 1];
  }
  if (valid) {
    try {
      utf8.decode();
    } catch {
      valid = false;
    }
  }
  if (last !== -1 && last !== LF && last !== CR) lines++;
  return { encoding: valid ? "utf-8" : "windows-1252", lines, bytes };
}

/** Decodes a byte stream to text; a UTF-8 byte-order mark is dropped by TextDecoder. */
function decoding(encoding: FileEncoding): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
}

const HEADER_PROBE_BYTES = 256 * 1024;

/** The text of the first record (the header), decoded. */
async function firstLine(path: string, encoding: FileEncoding): Promise<string> {
  const fh = await fs.promises.open(path, "r");
  try {
    const buf = Buffer.alloc(HEADER_PROBE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEADER_PROBE_BYTES, 0);
    const text = new TextDecoder(encoding).decode(buf.subarray(0, bytesRead));
    let inQuotes = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '"') inQuotes = !inQuotes;
      else if (!inQuotes && (ch === "\n" || ch === "\r")) return text.slice(0, i);
    }
    if (bytesRead === HEADER_PROBE_BYTES)
      throw Invalid("The first line (the header) of the file is too long.");
    return text;
  } finally {
    await fh.close();
  }
}

const CANDIDATE_DELIMITERS = [";", ",", "\t", "|"];

/** The delimiter that occurs most often outside quotes in the header; "," for a one-column file. */
export function detectDelimiter(header: string): string {
  const counts = new Map(CANDIDATE_DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (const ch of header) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ",";
  let most = 0;
  for (const [d, n] of counts) {
    if (n > most) {
      best = d;
      most = n;
    }
  }
  return best;
}

export interface CsvHead {
  header: string[];
  delimiter: string;
}

/** Reads and splits the header line; the delimiter is detected unless given. */
export async function readHead(path: string, encoding: FileEncoding, delimiter?: string): Promise<CsvHead> {
  const line = (await firstLine(path, encoding)).replace(/^\uFEFF/, "");
  if (!line.trim()) throw Invalid("The file is empty or its first line (the header) is blank.");
  const d = delimiter ?? detectDelimiter(line);
  let cells: string[][];
  try {
    cells = parseSync(line, { delimiter: d, relax_quotes: true, relax_column_count: true });
  } catch (e) {
    throw Invalid(`The header line cannot be read as CSV: ${(e as Error).message}`);
  }
  return { header: (cells[0] ?? []).map((h) => h.trim()), delimiter: d };
}

export interface CsvRecord {
  /** The row as a spreadsheet numbers it: the header is row 1, the first data row is row 2. */
  rowNumber: number;
  cells: string[];
}

/** A larger cell than this is almost always a quote left open that swallows the rest of the file. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** The data rows of the file, streamed (the header is skipped). */
export async function* csvRecords(
  path: string,
  encoding: FileEncoding,
  delimiter: string,
): AsyncGenerator<CsvRecord> {
  const parser = fs
    .createReadStream(path, { highWaterMark: 256 * 1024 })
    .pipe(decoding(encoding))
    .pipe(
      parse({
        delimiter,
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: false,
        max_record_size: MAX_RECORD_BYTES,
      }),
    );
  let index = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      index++;
      if (index === 1) continue;
      yield { rowNumber: index, cells };
    }
  } catch (e) {
    throw Invalid(`The file cannot be read as CSV after row ${index}: ${(e as Error).message}`);
  }
}
