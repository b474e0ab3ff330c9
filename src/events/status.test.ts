import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  deriveStatus,
  informationalEventTypes,
  messageStatuses,
  type StatusEvent,
  statusPrecedence,
} from "./status.js";

const types = [...Object.keys(statusPrecedence), ...informationalEventTypes];
let seq = 0;
function ev(type: string, at: number, detail: string | null = null, error_code: string | null = null) {
  seq++;
  return { id: `evt_${String(seq).padStart(6, "0")}`, type, at: new Date(at), detail, error_code };
}

const eventArb: fc.Arbitrary<StatusEvent> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 6 }),
  type: fc.constantFrom(...types),
  // a small range of times, so that ties on `at` are common and the tie-break is exercised
  at: fc.integer({ min: 0, max: 5 }).map((n) => new Date(1_700_000_000_000 + n * 1000)),
  detail: fc.option(fc.string({ maxLength: 8 })),
  error_code: fc.option(fc.constantFrom("5.1.1", "4.2.2", "smtp_550")),
});
// Events with equal ids are the same observation read twice, so they must be equal.
const eventSetArb = fc.uniqueArray(eventArb, { selector: (e) => e.id, maxLength: 12 });

describe("deriveStatus", () => {
  it("does not depend on the order of events nor on duplicates", () => {
    fc.assert(
      fc.property(
        eventSetArb,
        fc.infiniteStream(fc.nat()),
        fc.array(fc.nat(), { maxLength: 12 }),
        (events, shuffleKeys, dupIdx) => {
          const base = deriveStatus(events);
          const withDups = [
            ...events,
            ...dupIdx.filter(() => events.length > 0).map((i) => events[i % events.length]),
          ];
          const keys = shuffleKeys.take(withDups.length);
          const shuffled = withDups
            .map((e) => ({ e, k: keys.next().value as number }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          expect(deriveStatus(shuffled)).toEqual(base);
          expect(deriveStatus([...events].reverse())).toEqual(base);
        },
      ),
    );
  });

  it("never goes down in precedence when an event is added", () => {
    const rank = (s: string) =>
      Math.max(...Object.values(statusPrecedence).map((p) => (p.status === s ? p.rank : 0)));
    fc.assert(
      fc.property(eventSetArb, eventArb, (events, extra) => {
        const before = deriveStatus(events).status;
        const after = deriveStatus([...events, { ...extra, id: `extra:${extra.id}` }]).status;
        expect(rank(after)).toBeGreaterThanOrEqual(rank(before));
      }),
    );
  });

  it("is queued without events and ignores informational ones", () => {
    expect(deriveStatus([])).toEqual({
      status: "queued",
      status_reason: null,
      error_code: null,
      event_id: null,
    });
    expect(deriveStatus([ev("resent", 1), ev("archived", 2), ev("note", 3)]).status).toBe("queued");
  });

  it("maps every status event type to a known status", () => {
    for (const p of Object.values(statusPrecedence)) expect(messageStatuses).toContain(p.status);
    for (const s of messageStatuses)
      expect(Object.values(statusPrecedence).some((p) => p.status === s)).toBe(true);
  });

  it("lets delivered win after deferred, whichever arrives first", () => {
    const d = ev("deferred", 1, "451 try later", "4.7.1");
    const ok = ev("delivered", 2, "delivered to mx.example.org");
    expect(deriveStatus([d, ok])).toMatchObject({ status: "delivered", error_code: null });
    expect(deriveStatus([ok, d]).status).toBe("delivered");
  });

  it("treats an open as proof of delivery", () => {
    expect(deriveStatus([ev("sent", 1), ev("opened", 2)]).status).toBe("opened");
    expect(deriveStatus([ev("opened", 1), ev("delivered", 5)]).status).toBe("opened");
  });

  it("does not let a late delivered undo a hard bounce", () => {
    const hb = ev("hard_bounced", 1, "550 5.1.1 user unknown", "5.1.1");
    expect(deriveStatus([hb, ev("delivered", 9), ev("opened", 10)])).toMatchObject({
      status: "hard_bounced",
      status_reason: "550 5.1.1 user unknown",
      error_code: "5.1.1",
    });
  });

  it("lets a later success overtake an unknown outcome, and unknown overtake a deferral", () => {
    expect(deriveStatus([ev("deferred", 1), ev("unknown", 2)]).status).toBe("unknown");
    expect(deriveStatus([ev("unknown", 1), ev("delivered", 2)]).status).toBe("delivered");
  });

  it("shows a complaint as blocked even after opens and clicks", () => {
    const r = deriveStatus([ev("delivered", 1), ev("clicked", 2), ev("complained", 3, "marked as spam")]);
    expect(r).toMatchObject({ status: "blocked", status_reason: "marked as spam" });
  });

  it("never lets anything outrank dropped", () => {
    const all = Object.keys(statusPrecedence).map((t, i) => ev(t, i));
    expect(deriveStatus(all).status).toBe("dropped");
  });

  it("takes the reason from the latest event of the winning rank, then the greatest id", () => {
    const a = ev("deferred", 1, "first");
    const b = ev("deferred", 3, "latest");
    const c = ev("deferred", 2, "middle");
    expect(deriveStatus([a, b, c]).status_reason).toBe("latest");
    const x = { ...ev("sent", 5, "x"), id: "evt_a" };
    const y = { ...ev("sent", 5, "y"), id: "evt_b" };
    expect(deriveStatus([y, x]).status_reason).toBe("y");
    expect(deriveStatus([x, y]).status_reason).toBe("y");
  });
});
