// The messages of an mbox file, read a chunk at a time (a mailbox export can be larger than memory would like).
// Written here: the split is a few lines, and the npm packages for it parse every message into objects, which
// the classifier does itself.
import fs from "node:fs";

/**
 * Each message of the mbox open at `fd`, as its bytes from its "From " line to the next one. A message begins
 * with a line starting "From " at the start of the input or after an empty line — mbox writers quote a body
 * line starting "From " as ">From " — with LF, CRLF or CR line endings. Input that does not begin with a
 * "From " line is one message. `chunk` is the read size (tests make it small).
 */
export function* mboxMessages(fd: number, chunk = 4 << 20): Generator<Buffer> {
  const buf = Buffer.allocUnsafe(chunk);
  let data = Buffer.alloc(0);
  // Where the current message starts in `data`, and where the search for the next "From " resumes.
  let start = 0;
  let searched = 0;
  let mbox: boolean | undefined;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, chunk, null);
    if (n > 0) {
      data = Buffer.concat([data.subarray(start), buf.subarray(0, n)]);
      searched -= start;
      start = 0;
    }
    // Input that does not begin with a "From " line is one message: known once five bytes are in.
    mbox ??= data.length >= 5 || n <= 0 ? data.subarray(0, 5).toString("latin1") === "From " : undefined;
    // The last few bytes may be the start of "From ": with more input to come, they are searched again.
    const end = !mbox ? 0 : n > 0 ? data.length - 4 : data.length;
    for (let at = data.indexOf("From ", Math.max(searched, 1)); at !== -1 && at < end; ) {
      if (afterEmptyLine(data, at)) {
        if (at > start) yield Buffer.from(data.subarray(start, at));
        start = at;
      }
      at = data.indexOf("From ", at + 5);
    }
    if (mbox) searched = Math.max(start + 1, end);
    if (n <= 0) {
      if (data.length > start) yield Buffer.from(data.subarray(start));
      return;
    }
  }
}

/** Whether the line at `at` follows an empty line: "\n\n", "\r\n\r\n" or "\r\r" just before it. */
function afterEmptyLine(data: Buffer, at: number): boolean {
  const LF = 10;
  const CR = 13;
  const a = data[at - 1];
  const b = data[at - 2];
  if (a === LF) return b === LF || (b === CR && data[at - 3] === LF) || b === undefined;
  if (a === CR) return b === CR || b === undefined;
  return false;
}
