import { describe, expect, it } from "vitest";
import { makeStorable, storableText } from "./storable.js";

describe("storable text", () => {
  it("replaces NUL and unpaired surrogates with U+FFFD and leaves everything else as it is", () => {
    expect(storableText("a\u0000b\u0000")).toBe("a\ufffdb\ufffd");
    expect(storableText("x\ud800y\udc00")).toBe("x\ufffdy\ufffd");
    const paired = "Grüße 😀 \ud83d\ude00";
    expect(storableText(paired)).toBe(paired);
    expect(storableText("")).toBe("");
  });

  it("walks objects and arrays in place: values and keys, not Dates or other instances; cycles end", () => {
    const at = new Date(0);
    const v: Record<string, unknown> = {
      a: "x\u0000",
      list: ["ok", "\ud800", { deep: ["y\u0000"] }, 3, null],
      "k\u0000ey": "v",
      at,
      n: 1,
    };
    v.self = v;
    expect(makeStorable(v)).toBe(v);
    expect(v.a).toBe("x\ufffd");
    expect(v.list).toEqual(["ok", "\ufffd", { deep: ["y\ufffd"] }, 3, null]);
    expect(v["k\ufffdey"]).toBe("v");
    expect(Object.keys(v).some((k) => k.includes("\u0000"))).toBe(false);
    expect(v.at).toBe(at);
    expect(makeStorable("a\u0000")).toBe("a\ufffd");
    expect(makeStorable(null)).toBe(null);
  });
});
