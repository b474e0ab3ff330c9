// The import report's reasons as stable codes with their values (reason_code, reason_params), beside the
// unchanged English `reason`: the dashboard words them in the user's language (issue 7).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { importsSettled } from "./import.js";

let env: TestEnv;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-import-reasons-"));
  env = await createTestEnv({ dataDir });
});
afterAll(async () => {
  await importsSettled();
  await env?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function importFile(csv: string, fields: Record<string, string>) {
  const boundary = "----poststelle-reasons";
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="k.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`,
  );
  const res = await env.app.inject({
    method: "POST",
    url: "/v1/imports",
    headers: {
      authorization: `Bearer ${env.ws.editor}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
    },
    payload: Buffer.from(parts.join("")),
  });
  expect(res.statusCode, res.body).toBe(202);
  await importsSettled();
  const id = JSON.parse(res.body).id as string;
  const rows = await api(env.app, env.ws.editor).get(`/v1/imports/${id}/rows?limit=500`);
  return rows.body.items as {
    row: number;
    outcome: string;
    reason: string | null;
    reason_code: string | null;
    reason_params: Record<string, unknown> | null;
  }[];
}

it("gives every reason a code and its values, and keeps the English reason as it was", async () => {
  await api(env.app, env.ws.editor).post("/v1/contacts", {
    first_name: "Ada",
    last_name: "Lovelace",
    emails: ["ada@example.org"],
    address: { city: "London" },
  });
  const csv = [
    "E-Mail,Vorname,Nachname,Ort,Anrede",
    "ada@example.org,Ada,Lovelace,Paris,", // 2: exists → changed address
    "dup@example.de,Dana,Doppel,Ulm,", // 3: created
    "DUP@example.de,Dana,Doppel,Ulm,", // 4: duplicate of row 3
    "max@,Max,Kaputt,,", // 5: invalid e-mail
    ",,,Nirgendwo,", // 6: nothing identifies it
    "sgt@example.de,Sam,Sergeant,,Sgt", // 7: unknown salutation
    "x@example.de,Extra,Spalte,,,zu viel", // 8: more cells than the header
  ].join("\n");
  const rows = await importFile(csv, { on_duplicate: "update" });
  const byRow = Object.fromEntries(rows.map((r) => [r.row, r]));
  expect(byRow[2]).toMatchObject({
    outcome: "updated",
    reason: "row 2: changed address",
    reason_code: "changed",
    reason_params: { fields: ["address"] },
  });
  expect(byRow[3]).toMatchObject({
    outcome: "created",
    reason: null,
    reason_code: null,
    reason_params: null,
  });
  expect(byRow[4]).toMatchObject({
    reason: "row 4: duplicate of row 3 in this file (dup@example.de)",
    reason_code: "duplicate_in_file",
    reason_params: { row: 3, address: "dup@example.de" },
  });
  expect(byRow[5]).toMatchObject({
    reason: "row 5: 'max@' is not a valid e-mail address",
    reason_code: "invalid_emails",
    reason_params: { value: "max@" },
  });
  expect(byRow[6]).toMatchObject({ outcome: "rejected", reason_code: "unidentifiable" });
  expect(byRow[7]).toMatchObject({
    reason_code: "invalid_value",
    reason_params: { column: "Anrede", field: "salutation", value: "Sgt" },
  });
  expect(byRow[7].reason).toMatch(/^row 7: Anrede: 'Sgt' is not a salutation Poststelle knows/);
  expect(byRow[8]).toMatchObject({
    reason: "row 8: it has 6 filled columns, the header only 5",
    reason_code: "too_many_columns",
    reason_params: { filled: 6, header: 5 },
  });

  // A dry run says "would change"; on_duplicate=skip reports the existing contact; a second import of
  // the same values reports them unchanged.
  const dry = await importFile("E-Mail;Ort\nada@example.org;Rom\n", {
    dry_run: "true",
    on_duplicate: "update",
  });
  expect(dry[0]).toMatchObject({ reason_code: "would_change", reason_params: { fields: ["address"] } });
  const skipped = await importFile("E-Mail;Ort\nada@example.org;Rom\n", {});
  expect(skipped[0]).toMatchObject({ outcome: "skipped", reason_code: "contact_exists" });
  expect(skipped[0].reason_params).toMatchObject({ address: "ada@example.org" });
  const same = await importFile("E-Mail;Ort\nada@example.org;Paris\n", { on_duplicate: "update" });
  expect(same[0]).toMatchObject({ outcome: "skipped", reason_code: "unchanged" });
});
