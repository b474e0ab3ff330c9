import { describe, expect, it } from "vitest";
import { batchJson, batchOf } from "../bench/transactional.js";

describe("the transactional benchmark's client", () => {
  it("sends the same JSON as JSON.stringify of the same messages", () => {
    for (const [start, count] of [
      [0, 1],
      [0, 500],
      [19_500, 500],
      [7, 3],
    ]) {
      const sent = batchJson(start, count);
      expect(sent.toString("utf8")).toBe(JSON.stringify(batchOf(start, count)));
    }
  });
});
