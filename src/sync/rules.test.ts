// The reconciliation rules as pure functions: the seed's status table, as a property over all statuses and
// dates, the duplicate rule and the tasks offered.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SubscriptionStatus } from "../db/schema.js";
import { REMOTE_STATUSES } from "./adapter.js";
import { decideStatus, localStatusOf, nameConflicts, offeredTasks, pickContact } from "./rules.js";

const localStatuses: SubscriptionStatus[] = [
  "subscribed",
  "unsubscribed",
  "pending",
  "bounced_permanent",
  "bounced_temporary",
  "bounced_general",
];

describe("the status rule", () => {
  it("a differing status is taken from the tool only when the tool's is newer; otherwise it is a conflict", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...localStatuses),
        fc.constantFrom(...REMOTE_STATUSES),
        fc.date({ min: new Date("2015-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }),
        fc.option(fc.date({ min: new Date("2015-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })),
        (crm, tool, crmAt, toolAt) => {
          const d = decideStatus({ status: crm, at: crmAt }, { status: tool, at: toolAt });
          if (localStatusOf(tool) === crm) return d.kind === "same";
          if (toolAt && toolAt > crmAt) return d.kind === "take_tool" && d.status === localStatusOf(tool);
          return d.kind === "conflict" && d.crm === crm && d.tool === tool;
        },
      ),
    );
  });

  it("maps the tool's words: cleaned is a permanent bounce, pending stays pending", () => {
    expect(localStatusOf("cleaned")).toBe("bounced_permanent");
    expect(localStatusOf("pending")).toBe("pending");
    expect(localStatusOf("blocklisted")).toBe("unsubscribed");
  });
});

describe("names", () => {
  it("reports each differing field with both values; a tool without salutation is no difference", () => {
    expect(
      nameConflicts(
        { first_name: "Emil Niklas", last_name: "Färber", salutation: "Sehr geehrter Herr Färber," },
        { first_name: "Emil", last_name: "Färber", salutation: null },
      ),
    ).toEqual([{ field: "first_name", crm: "Emil Niklas", tool: "Emil" }]);
    expect(
      nameConflicts(
        { first_name: "A", last_name: "B", salutation: "Hallo," },
        { first_name: "A ", last_name: "B", salutation: "Hi," },
      ),
    ).toEqual([{ field: "salutation", crm: "Hallo,", tool: "Hi," }]);
  });
});

describe("the duplicate rule", () => {
  const c = (id: string, first: string, last: string, onList = false) => ({
    id,
    first_name: first,
    last_name: last,
    onList,
  });
  it("one contact: taken; several: first and last name decide; still several: one, with a warning", () => {
    expect(pickContact([], { first_name: "A", last_name: "B" })).toBeNull();
    expect(pickContact([c("c1", "X", "Y")], { first_name: "A", last_name: "B" })).toEqual({
      contact: c("c1", "X", "Y"),
      ambiguous: false,
    });
    expect(
      pickContact([c("c1", "Hans", "Frank"), c("c2", "Jean", "Soleil")], {
        first_name: "jean",
        last_name: "SOLEIL",
      })?.contact.id,
    ).toBe("c2");
    const tie = pickContact([c("c1", "Rosa", "Sand"), c("c2", "Rosa", "Sand", true)], {
      first_name: "Rosa",
      last_name: "Sand",
    });
    expect(tie).toEqual({ contact: c("c2", "Rosa", "Sand", true), ambiguous: true });
    const none = pickContact([c("c3", "A", "A"), c("c1", "B", "B")], { first_name: "Z", last_name: "Z" });
    expect(none).toEqual({ contact: c("c1", "B", "B"), ambiguous: true });
  });
});

describe("tasks offered", () => {
  const names = { first_name: "A", last_name: "B", salutation: null };
  it("only where they make sense", () => {
    const base = { crmEmail: "a@example.org", toolEmail: "a@example.org", crmNames: names, toolNames: names };
    expect(
      offeredTasks({ ...base, crmStatus: "subscribed", toolStatus: null, toolEmail: null, toolNames: null }),
    ).toEqual(["transmit", "subscribe"]);
    expect(offeredTasks({ ...base, crmStatus: "subscribed", toolStatus: "subscribed" })).toEqual([
      "unsubscribe",
      "delete",
    ]);
    expect(offeredTasks({ ...base, crmStatus: "unsubscribed", toolStatus: "unsubscribed" })).toEqual([
      "subscribe",
      "delete",
    ]);
    expect(offeredTasks({ ...base, crmStatus: "subscribed", toolStatus: "archived" })).toEqual([
      "transmit",
      "subscribe",
    ]);
    expect(
      offeredTasks({
        ...base,
        crmStatus: "subscribed",
        toolStatus: "subscribed",
        crmEmail: "new@example.org",
        toolNames: { ...names, first_name: "X" },
      }),
    ).toEqual(["update_name", "unsubscribe", "delete", "change_email"]);
  });
});
