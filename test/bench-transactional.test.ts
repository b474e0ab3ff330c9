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

  it("writes a request into the area of the one before when it fits, with the same JSON", () => {
    const first = batchJson(0, 500);
    const area = Buffer.from(first.buffer);
    const second = batchJson(100, 500, area);
    expect(second.buffer === first.buffer).toBe(true);
    expect(second.toString("utf8") === JSON.stringify(batchOf(100, 500))).toBe(true);
    // Too small an area is left alone.
    const small = batchJson(1_000, 3, Buffer.alloc(10));
    expect(small.toString("utf8") === JSON.stringify(batchOf(1_000, 3))).toBe(true);
  });
});
