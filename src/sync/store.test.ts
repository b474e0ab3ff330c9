// Bulk writes (store.ts insertColumns): a column every row shares goes as one scalar, the others as arrays;
// the rows written are the same either way, whatever the types (text, time, jsonb, boolean, null).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { insertEvents } from "./store.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

const read = (group: string) =>
  env.rt.db
    .selectFrom("event_log")
    .select(["workspace_id", "at", "severity", "record_id", "detail", "data", "checked", "record_kind"])
    .where("group_id", "=", group)
    .orderBy("record_id")
    .execute();

describe("insertColumns", () => {
  it("writes shared and varying columns alike, for one row and for many", async () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, 0, ms));
    for (const n of [1, 2, 7]) {
      const group = `grp_store_${n}`;
      const events = Array.from({ length: n }, (_, i) => ({
        workspaceId: env.ws.id,
        // the same instant in a new Date each time: shared; the severity shared only when n is 1
        at: at(5),
        severity: i % 2 === 0 ? ("information" as const) : ("warning" as const),
        process: "sync:listmonk",
        trigger: "user" as const,
        groupId: group,
        recordKind: undefined,
        recordId: `sub_${i}`,
        detail: `Eintrag „${i}" mit "Anführung" und \\ Backslash`,
        data: { result: "success", i },
      }));
      await insertEvents(env.rt.db, events, at(9));
      const rows = await read(group);
      expect(rows).toHaveLength(n);
      rows.forEach((r, i) => {
        expect(r).toMatchObject({
          workspace_id: env.ws.id,
          severity: i % 2 === 0 ? "information" : "warning",
          record_id: `sub_${i}`,
          record_kind: null,
          detail: `Eintrag „${i}" mit "Anführung" und \\ Backslash`,
          checked: false,
        });
        expect(new Date(r.at).getTime()).toBe(at(5).getTime());
        expect(typeof r.data === "string" ? JSON.parse(r.data) : r.data).toEqual({ result: "success", i });
      });
    }
  });
});
