// Ids sort by creation: a fetch makes its 100,000 event-log entries with one time (the run's), so the
// counter within a millisecond must keep them increasing far beyond a few hundred.
import { describe, expect, it } from "vitest";
import { newId } from "./ids.js";

describe("newId", () => {
  it("keeps ids made in the same millisecond increasing, 100,000 of them", () => {
    const ms = Date.UTC(2026, 10, 24, 15, 0, 0);
    const ids = Array.from({ length: 100_000 }, () => newId("evl", ms));
    // the first id not above the one before it (none)
    expect(ids.findIndex((id, i) => i > 0 && id <= ids[i - 1])).toBe(-1);
  });

  it("keeps the format: prefix, ten characters of time, fourteen more, lower-case Crockford base32", () => {
    const a = newId("evl", Date.UTC(2026, 10, 24, 15, 0, 0));
    const b = newId("evl", Date.UTC(2026, 10, 24, 15, 0, 1));
    expect(a).toMatch(/^evl_[0-9a-hjkmnp-tv-z]{24}$/);
    expect(a.slice(4, 14) < b.slice(4, 14)).toBe(true);
    // a later millisecond sorts after, whatever the counter was
    expect(a < b).toBe(true);
  });
});
