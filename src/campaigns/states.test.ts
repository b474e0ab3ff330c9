// The campaign state machine (DESIGN §4, seed 004) is one table: every allowed edge is walked, every other
// edge of every kind is refused with a 409 that says why.
import { describe, expect, it } from "vitest";
import { AppError } from "../util/errors.js";
import {
  busyStates,
  type CampaignKind,
  type CampaignState,
  campaignKinds,
  campaignStates,
  frozenStates,
  transition,
  transitions,
} from "./states.js";

const allowed = new Set(transitions.flatMap((t) => t.kinds.map((k) => `${k}:${t.from}->${t.to}`)));

/** The edges as DESIGN §4 and seed 004 draw them, written out independently of the table. */
const expected: Record<CampaignKind, Array<[CampaignState, CampaignState]>> = {
  email: [
    ["loading_recipients", "ready"],
    ["ready", "loading_recipients"],
    ["ready", "in_progress"],
    ["in_progress", "waiting_for_continuation"],
    ["waiting_for_continuation", "in_progress"],
    ["in_progress", "completed_automatic"],
    ["in_progress", "incomplete_sent"],
    ["in_progress", "failed_sending"],
    ["incomplete_sent", "in_progress"],
    ["failed_sending", "in_progress"],
    ["incomplete_sent", "completed"],
    ["failed_sending", "completed"],
  ],
  letter: [
    ["loading_recipients", "ready"],
    ["ready", "loading_recipients"],
    ["ready", "in_progress"],
    ["in_progress", "created"],
    ["in_progress", "incomplete_created"],
    ["in_progress", "failed_creating"],
    ["created", "in_progress"],
    ["incomplete_created", "in_progress"],
    ["failed_creating", "in_progress"],
    ["created", "completed"],
    ["incomplete_created", "completed"],
    ["failed_creating", "completed"],
  ],
};

describe("the campaign state machine", () => {
  it("has exactly the edges of DESIGN §4 for each kind", () => {
    const want = new Set(campaignKinds.flatMap((k) => expected[k].map(([f, t]) => `${k}:${f}->${t}`)));
    expect([...allowed].sort()).toEqual([...want].sort());
  });

  it("allows every edge of the table", () => {
    for (const t of transitions) {
      for (const kind of t.kinds) {
        expect(transition({ kind, state: t.from }, t.to)).toBe(t);
      }
    }
  });

  it("refuses every other edge with a conflict that names the state", () => {
    let refused = 0;
    for (const kind of campaignKinds) {
      for (const from of campaignStates) {
        for (const to of campaignStates) {
          if (allowed.has(`${kind}:${from}->${to}`)) continue;
          let err: unknown;
          try {
            transition({ kind, state: from }, to);
          } catch (e) {
            err = e;
          }
          expect(err, `${kind}: ${from} -> ${to}`).toBeInstanceOf(AppError);
          expect((err as AppError).status).toBe(409);
          expect((err as AppError).message).toContain(`'${from}'`);
          refused++;
        }
      }
    }
    expect(refused).toBe(2 * campaignStates.length ** 2 - allowed.size);
  });

  it("leaves the frozen states by no edge and says why", () => {
    for (const t of transitions) expect(frozenStates.has(t.from)).toBe(false);
    expect(() => transition({ kind: "email", state: "completed_automatic" }, "in_progress")).toThrow(
      /frozen/,
    );
    expect(() => transition({ kind: "letter", state: "completed" }, "in_progress")).toThrow(/frozen/);
  });

  it("lets a busy campaign only continue or end its run", () => {
    for (const t of transitions.filter((x) => busyStates.has(x.from))) {
      expect([
        "in_progress",
        "waiting_for_continuation",
        "completed_automatic",
        "incomplete_sent",
        "failed_sending",
        "created",
        "incomplete_created",
        "failed_creating",
      ]).toContain(t.to);
    }
    expect(() => transition({ kind: "email", state: "in_progress" }, "completed")).toThrow(/in progress/);
  });

  it("reaches every state from loading_recipients for some kind", () => {
    const seen = new Set<string>(["loading_recipients"]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of transitions) {
        if (seen.has(t.from) && !seen.has(t.to)) {
          seen.add(t.to);
          changed = true;
        }
      }
    }
    expect([...seen].sort()).toEqual([...campaignStates].sort());
  });
});
