// The SendGrid batch's fast structural check must accept exactly what the zod schema accepts: a batch it
// passes skips zod, one it refuses is read by zod for the 400's wording.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSendgridBatch, sendgridBatch } from "./sendgrid.js";

/** A value for a field: often of the right type and near its length limit, sometimes anything JSON allows. */
const fieldValue = (max: number) =>
  fc.oneof(
    fc.string({ minLength: 0, maxLength: 3 }),
    fc.string({ minLength: max - 1, maxLength: max + 1 }),
    fc.constantFrom(null, 0, -1.5, 1e308, true, [], {}),
  );

const event = fc.record(
  {
    event: fc.oneof(fc.constantFrom("delivered", "open", "bounce"), fieldValue(100)),
    email: fieldValue(320),
    timestamp: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
      fc.string(),
    ),
    sg_event_id: fieldValue(200),
    sg_message_id: fieldValue(500),
    poststelle_message_id: fc.string(),
  },
  { requiredKeys: [] },
);

const batch = fc.oneof(
  fc.array(event, { minLength: 0, maxLength: 5 }),
  fc.array(fc.oneof(event, fc.constantFrom(null, 1, "x", [])), { maxLength: 3 }),
  fc.jsonValue(),
);

describe("isSendgridBatch", () => {
  it("accepts exactly what the zod schema accepts", () => {
    fc.assert(
      fc.property(batch, (value) => {
        expect(isSendgridBatch(value)).toBe(sendgridBatch.safeParse(value).success);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts SendGrid's documented event and refuses an empty batch or one over 10,000", () => {
    const documented = {
      email: "example@test.com",
      timestamp: 1513299569,
      "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
      event: "delivered",
      category: "cat facts",
      sg_event_id: "sg_event_id",
      sg_message_id: "sg_message_id",
      response: "250 OK",
    };
    expect(isSendgridBatch([documented])).toBe(true);
    expect(isSendgridBatch([])).toBe(false);
    expect(isSendgridBatch(Array.from({ length: 10_001 }, () => documented))).toBe(false);
    expect(sendgridBatch.safeParse(Array.from({ length: 10_001 }, () => documented)).success).toBe(false);
  });
});
