// The README is the user's reference (CONVENTIONS: habits): every setting the program reads must be in its
// configuration table, and the example session CI runs must stay between its markers.
import fs from "node:fs";
import { describe, expect, it } from "vitest";

const readme = fs.readFileSync(new URL("../README.md", import.meta.url), "utf8");
const config = fs.readFileSync(new URL("../src/config/index.ts", import.meta.url), "utf8");

describe("README", () => {
  it("lists every environment variable the configuration reads", () => {
    const read = [...new Set([...config.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]))];
    expect(read.length).toBeGreaterThan(5);
    const tableRows = readme.split("\n").filter((l) => l.startsWith("| `"));
    const missing = read.filter((name) => !tableRows.some((row) => row.startsWith(`| \`${name}\``)));
    expect(missing, "add these to the configuration table in README.md").toEqual([]);
  });

  it("keeps the example session CI runs between its markers, as one bash block", () => {
    const m = readme.match(/<!-- quickstart:begin -->\n```bash\n([\s\S]*?)\n```\n<!-- quickstart:end -->/);
    expect(m, "README.md needs the quickstart markers around one ```bash block").not.toBeNull();
    for (const v of ["API", "OPERATOR_KEY", "MESSAGE_ID"]) expect(m![1]).toContain(`$${v}`);
  });
});
