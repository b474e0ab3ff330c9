import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { agreement, type Corpus, labelOf, readLabels, type Verdict, warmPasses } from "../bench/bounces.js";

const dirs: string[] = [];
function labelsFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-bounces-test-"));
  dirs.push(dir);
  const file = path.join(dir, "labels.json");
  fs.writeFileSync(file, content);
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const verdicts = (entries: Array<[string, string, boolean]>) =>
  new Map<string, Verdict>(entries.map(([r, reason, hard]) => [r, { reason, hard }]));

describe("the bounce benchmark's labels (--dir)", () => {
  it("reads the fixtures' form, a list per file, and sisimai's set-of-emails form", () => {
    const labels = readLabels(
      labelsFile(
        JSON.stringify({
          "one.eml": { recipient: "A@x.test", reason: "userunknown", hard: true },
          "two.eml": [
            { recipient: "b@x.test", reason: "MailboxFull", hard: false },
            { recipient: "c@x.test", reason: "expired", hard: false },
          ],
          "three.eml": { mta: "postfix", index: "01", expect: [["5.3.4", "552", "emailtoolarge", false]] },
        }),
      ),
    );
    expect(labels.get("one.eml")).toEqual([{ recipient: "A@x.test", reason: "userunknown", hard: true }]);
    expect(labels.get("two.eml")?.map((l) => l.reason)).toEqual(["mailboxfull", "expired"]);
    // sisimai 5.2's EmailTooLarge is the issue's mesgtoobig; these labels name no recipient
    expect(labels.get("three.eml")).toEqual([{ reason: "mesgtoobig", hard: false }]);
  });

  it("says which entry it cannot read instead of failing later", () => {
    expect(() =>
      readLabels(labelsFile(JSON.stringify({ "x.eml": { reason: "userunknown", hard: true } }))),
    ).toThrow(/"x\.eml" have no recipient/);
    expect(() =>
      readLabels(labelsFile(JSON.stringify({ "x.eml": { expect: [["5.1.1", "550", "userunknown"]] } }))),
    ).toThrow(/"x\.eml" have an expect row that is not \[status, code, reason, hard\]/);
    expect(() => readLabels(labelsFile("[1,2]"))).toThrow(/must be an object keyed by file name/);
    expect(() => readLabels(labelsFile("{"))).toThrow(/is not JSON/);
    expect(readLabels("/nonexistent/labels.json").size).toBe(0);
  });

  it("compares unnamed labels as a multiset: each verdict counts once, order does not matter", () => {
    const corpus: Corpus = {
      dir: "",
      origin: new Map([["lf-two.eml", "two.eml"]]),
      labels: new Map([
        [
          "two.eml",
          [
            { reason: "userunknown", hard: true },
            { reason: "userunknown", hard: true },
            { reason: "mailboxfull", hard: false },
          ],
        ],
      ]),
    };
    const ours = verdicts([
      ["p@x.test", "mailboxfull", false],
      ["q@x.test", "userunknown", true],
      ["r@x.test", "filtered", false],
    ]);
    const a = agreement(corpus, ["lf-two.eml"], () => ours, labelOf(corpus));
    expect(a.count).toBe(3);
    expect(a.reason).toBeCloseTo(2 / 3); // one userunknown label finds no second userunknown verdict
    expect(a.hardsoft).toBeCloseTo(2 / 3); // two soft verdicts, one soft label: the second hard label is unmatched
    expect(a.misses).toHaveLength(1);
    const none = agreement(corpus, ["lf-two.eml"], () => undefined, labelOf(corpus));
    expect([none.reason, none.hardsoft, none.count]).toEqual([0, 0, 3]);
  });

  it("compares named labels by address, case-insensitively", () => {
    const corpus: Corpus = {
      dir: "",
      origin: new Map([["cr-one.eml", "one.eml"]]),
      labels: new Map([["one.eml", [{ recipient: "A@X.test", reason: "userunknown", hard: true }]]]),
    };
    const right = agreement(
      corpus,
      ["cr-one.eml"],
      () => verdicts([["a@x.test", "userunknown", true]]),
      labelOf(corpus),
    );
    expect([right.reason, right.hardsoft]).toEqual([1, 1]);
    const wrong = agreement(
      corpus,
      ["cr-one.eml"],
      () => verdicts([["b@x.test", "userunknown", true]]),
      labelOf(corpus),
    );
    expect([wrong.reason, wrong.hardsoft]).toEqual([0, 0]);
  });
});

describe("the bounce benchmark's warm-up", () => {
  it("passes over the set until at least the warm-up count is classified, and at least once", () => {
    expect(warmPasses(2100, 10_000)).toBe(5);
    expect(warmPasses(1428, 10_000)).toBe(8);
    expect(warmPasses(20_000, 10_000)).toBe(1);
    expect(warmPasses(1428, 0)).toBe(1);
    expect(warmPasses(0, 10_000)).toBe(1);
  });
});
