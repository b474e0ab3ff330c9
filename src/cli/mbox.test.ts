import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { mboxMessages } from "./mbox.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-mbox-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let serial = 0;

/** The messages of `bytes` as mboxMessages reads them from a file, `chunk` bytes at a time. */
function split(bytes: Buffer, chunk: number): string[] {
  const file = path.join(dir, `m${serial++}.mbox`);
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, "r");
  try {
    return [...mboxMessages(fd, chunk)].map((b) => b.toString("latin1"));
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file);
  }
}

describe("mboxMessages", () => {
  it("gives back every message of an mbox, whatever the line endings and the read size", () => {
    // Body lines as an mbox writer leaves them: one starting "From " is quoted as ">From ".
    const line = fc
      .oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom("", "From x", "From  ", ">From y", "x From z", "From", "F"),
        fc.string({ maxLength: 6 }).map((t) => `From ${t}`),
      )
      .map((l) => l.replace(/[\r\n]/g, " "))
      .map((l) => (/^>*From /.test(l) ? `>${l}` : l));
    const message = fc.record({
      sender: fc.constantFrom("MAILER-DAEMON", "postmaster@example.org", "x"),
      lines: fc.array(line, { maxLength: 8 }),
    });
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("\n", "\r\n", "\r"),
        fc.integer({ min: 5, max: 64 }),
        (messages, eol, chunk) => {
          const texts = messages.map(
            (m) =>
              `From ${m.sender} Thu Apr 29 23:34:45 2015${eol}${m.lines.map((l) => l + eol).join("")}${eol}`,
          );
          expect(split(Buffer.from(texts.join(""), "latin1"), chunk)).toEqual(texts);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("reads input without a first From line as one message, and nothing as none", () => {
    expect(split(Buffer.from("Subject: x\n\nFrom here on\n"), 8)).toEqual(["Subject: x\n\nFrom here on\n"]);
    expect(split(Buffer.from("From a Thu Apr 29 23:34:45 2015\nx\n\nFrom b\ny\n"), 4096)).toEqual([
      "From a Thu Apr 29 23:34:45 2015\nx\n\n",
      "From b\ny\n",
    ]);
    expect(split(Buffer.alloc(0), 16)).toEqual([]);
  });
});
