// The list pages' dictionary (web/src/i18n/lists.ts): English has every key German has, with the same
// kind of value; every reconciliation result, task and saved filter of the sync API is named in both.
import { describe, expect, it } from "vitest";
import { listDicts } from "../../web/src/i18n/lists.js";

function shape(v: unknown, prefix = ""): string[] {
  if (typeof v === "string") return [`${prefix}:string`];
  if (typeof v === "function") return [`${prefix}:fn/${v.length}`];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
    shape(x, prefix ? `${prefix}.${k}` : k),
  );
}

describe("list dictionaries", () => {
  it("have the same keys and kinds of value in German and English", () => {
    expect(shape(listDicts.en).sort()).toEqual(shape(listDicts.de).sort());
  });

  it("name every reconciliation result, task and saved filter", () => {
    const results = ["success", "new_in_list", "new_contact", "not_in_tool", "conflict", "aborted"];
    const tasks = ["transmit", "update_name", "subscribe", "unsubscribe", "delete", "change_email"];
    const filters = [
      "conflicts",
      "conflicts_open",
      "new_in_list",
      "new_contacts",
      "not_in_tool",
      "blocklisted",
      "bounces",
    ];
    for (const d of [listDicts.de, listDicts.en]) {
      for (const r of results) expect(d.results[r], r).toBeTruthy();
      for (const t of tasks) expect(d.tasks[t], t).toBeTruthy();
      for (const f of filters) expect(d.filters[f], f).toBeTruthy();
    }
    // Why a task was proposed and how its transmission ended, as the server records them (src/sync:
    // decide.ts taskReason, transmit.ts transmit_outcome): words, not codes.
    for (const d of [listDicts.de, listDicts.en]) {
      for (const r of ["blocklisted", "email_changed"]) expect(d.taskReasons[r], r).toBeTruthy();
      for (const o of ["ok", "error", "blocklisted"]) expect(d.transmitOutcomes[o], o).toBeTruthy();
    }
    expect(listDicts.de.taskReasons.blocklisted).toBe("die Adresse auf der Sperrliste steht");
    // The seed's German words (seed 003 §5.2).
    expect(listDicts.de.results.conflict).toBe("Konflikt");
    expect(listDicts.de.tasks.transmit).toBe("Teilnehmer übermitteln");
  });
});
