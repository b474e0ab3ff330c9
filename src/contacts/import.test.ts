import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { systemActor } from "../runtime.js";
import { BATCH_ROWS, importsSettled, startImport } from "./import.js";

let env: TestEnv;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-import-test-"));
  env = await createTestEnv({ dataDir });
});
afterAll(async () => {
  await importsSettled();
  await env?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A multipart/form-data body as a browser or curl -F sends it. */
function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer | string }) {
  const boundary = `----poststelle${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n` +
          "Content-Type: text/csv\r\n\r\n",
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

async function upload(
  key: string,
  csv: Buffer | string,
  fields: Record<string, string> = {},
  name = "kontakte.csv",
) {
  const m = multipart(fields, { name, content: csv });
  const res = await env.app.inject({
    method: "POST",
    url: "/v1/imports",
    headers: { authorization: `Bearer ${key}`, "content-type": m.type },
    payload: m.body,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

/** Uploads, waits for the background run, and returns the finished import. */
async function importFile(csv: Buffer | string, fields: Record<string, string> = {}) {
  const r = await upload(env.ws.editor, csv, fields);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  await importsSettled();
  const done = await api(env.app, env.ws.editor).get(`/v1/imports/${r.body.id}`);
  return done.body;
}

async function report(id: string, outcome?: string) {
  const r = await api(env.app, env.ws.editor).get(
    `/v1/imports/${id}/rows?limit=500${outcome ? `&outcome=${outcome}` : ""}`,
  );
  return r.body.items as {
    row: number;
    outcome: string;
    reason: string | null;
    contact_id: string | null;
    raw: Record<string, string> | null;
  }[];
}

async function contactCount() {
  const r = await env.rt.db
    .selectFrom("contacts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("workspace_id", "=", env.ws.id)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function byEmail(address: string) {
  const r = await api(env.app, env.ws.editor).get(`/v1/contacts?email=${encodeURIComponent(address)}`);
  return r.body.items[0];
}

// As Excel ("CSV UTF-8") writes it in a German locale: BOM, ";", CRLF, quoted cells where needed.
const excelGerman =
  "\uFEFFAnrede;Titel;Vorname;Nachname;E-Mail;Straße;PLZ;Ort;Land;Telefon;Sprache;Kundennummer\r\n" +
  "Frau;Dr.;Petra;Scholz;petra.scholz@praxis-scholz.de;Königstraße 1;70173;Stuttgart;Deutschland;0711 123456;Deutsch;K-1\r\n" +
  'Herr;;Jörg;Müller-Lüdenscheidt;JOERG@Bücher.DE;"Am Anger 3; Hinterhaus";80331;München;Deutschland;;;K-2\r\n' +
  ";;;;;;;;;;;\r\n" +
  "Ms;;Jane;Doe;jane@example.com;;;;;;English;K-3\r\n";

describe("CSV import", () => {
  it("imports a German Excel file: BOM, ';', quoted cells, umlauts, headers recognised, letter salutations", async () => {
    const imp = await importFile(excelGerman);
    expect(imp).toMatchObject({
      status: "completed",
      interrupted: false,
      dry_run: false,
      delimiter: ";",
      encoding: "utf-8",
      filename: "kontakte.csv",
      unmapped_columns: ["Kundennummer"],
      counts: { total: 3, processed: 3, created: 3, updated: 0, skipped: 0, rejected: 0 },
    });
    expect(Object.keys(imp.columns)[0]).toBe("Anrede");
    expect(imp.columns).toMatchObject({
      Anrede: "salutation",
      Straße: "street",
      PLZ: "postal_code",
      Kundennummer: null,
    });
    const petra = await byEmail("petra.scholz@praxis-scholz.de");
    expect(petra).toMatchObject({
      salutation: "Frau",
      title: "Dr.",
      letter_salutation: "Sehr geehrte Frau Dr. Scholz,",
      address: { street: "Königstraße 1", postal_code: "70173", city: "Stuttgart", country: "Deutschland" },
      phone: "0711 123456",
      language: "de",
      custom_fields: {},
    });
    const joerg = await byEmail("joerg@bücher.de");
    expect(joerg).toMatchObject({
      emails: ["JOERG@xn--bcher-kva.de"],
      last_name: "Müller-Lüdenscheidt",
      letter_salutation: "Sehr geehrter Herr Müller-Lüdenscheidt,",
      address: { street: "Am Anger 3; Hinterhaus", city: "München" },
    });
    expect((await byEmail("jane@example.com")).letter_salutation).toBe("Dear Ms Doe,");
  });

  it("reads Windows-1252 files (Excel's plain 'CSV') and tab-separated ones, and maps columns explicitly", async () => {
    const latin = Buffer.from(
      "Vorname;Nachname;Mail;Kd-Nr.\r\nGünther;Weiß;guenther@weiss.de;4711\r\n",
      "latin1",
    );
    const imp = await importFile(latin, {
      mapping: JSON.stringify({ Mail: "email", "Kd-Nr.": "custom.kundennummer" }),
    });
    expect(imp).toMatchObject({ status: "completed", encoding: "windows-1252", counts: { created: 1 } });
    expect(await byEmail("guenther@weiss.de")).toMatchObject({
      first_name: "Günther",
      last_name: "Weiß",
      custom_fields: { kundennummer: "4711" },
    });
    const list = await api(env.app, env.ws.editor).get("/v1/contacts?custom.kundennummer=4711");
    expect(list.body.items).toHaveLength(1);
    const tsv = await importFile(
      "First name\tLast name\tEmail\tZIP\tCity\nAda\tLovelace\tada@example.org\tW1\tLondon\n",
    );
    expect(tsv).toMatchObject({ status: "completed", delimiter: "\t", counts: { created: 1 } });
    expect((await byEmail("ada@example.org")).address.city).toBe("London");
  });

  it("dry run reports what would happen and changes no contact", async () => {
    const before = await contactCount();
    const actsBefore = await api(env.app, env.ws.editor).get("/v1/activities?kind=contact&limit=500");
    const csv =
      "E-Mail;Vorname;Nachname;Ort\n" +
      "petra.scholz@praxis-scholz.de;Petra;Scholz;Esslingen\n" + // exists → would update city
      "neu@example.de;Nina;Neu;Ulm\n" +
      "kaputt@;Karl;Kaputt;Ulm\n";
    const imp = await importFile(csv, { dry_run: "true", on_duplicate: "update" });
    expect(imp).toMatchObject({
      status: "completed",
      dry_run: true,
      counts: { total: 3, processed: 3, created: 1, updated: 1, skipped: 0, rejected: 1 },
    });
    expect(await contactCount()).toBe(before);
    expect((await byEmail("petra.scholz@praxis-scholz.de")).address.city).toBe("Stuttgart");
    const rows = await report(imp.id);
    expect(rows.map((r) => [r.row, r.outcome, r.reason])).toEqual([
      [2, "updated", "row 2: would change address"],
      [3, "created", null],
      [4, "rejected", "row 4: 'kaputt@' is not a valid e-mail address"],
    ]);
    expect(rows[1].contact_id).toBeNull();
    const actsAfter = await api(env.app, env.ws.editor).get("/v1/activities?kind=contact&limit=500");
    expect(actsAfter.body.items.length).toBe(actsBefore.body.items.length);
  });

  it("finds duplicates within the file and in the database, skips or updates them, and says why", async () => {
    const csv = [
      "E-Mail,Vorname,Nachname,Ort,Anrede",
      "Petra.Scholz@praxis-scholz.de,Petra,Scholz,Esslingen,", // 2: exists → updated
      "dup1@example.de,Dana,Doppel,Ulm,", // 3: created
      "DUP1@example.de,Dana,Doppel,Ulm,", // 4: duplicate of row 3
      "max@,Max,Kaputt,,", // 5: rejected
      ",,,,", // 6: empty, not counted
      "petra.scholz@praxis-scholz.de,P.,Scholz,,", // 7: duplicate of row 2
      ",,,Nirgendwo,", // 8: no name/address/phone → rejected
      "sgt@example.de,Sam,Sergeant,,Sgt", // 9: unknown salutation → rejected
      "a@example.de b@example.de,Zwei,Adressen,,", // 10: two addresses in one cell → created
      "b@example.de,Zwei,Adressen,,", // 11: duplicate of row 10
      "ada@example.org,Ada,Lovelace,London,", // 12: exists, nothing new → skipped (unchanged)
      "x@example.de,Extra,Spalte,,,zu viel", // 13: more cells than header → rejected
    ].join("\n");
    const imp = await importFile(csv, { on_duplicate: "update" });
    expect(imp.counts).toEqual({ total: 11, processed: 11, created: 2, updated: 1, skipped: 4, rejected: 4 });
    const rows = await report(imp.id);
    const reasons = Object.fromEntries(rows.map((r) => [r.row, `${r.outcome}: ${r.reason}`]));
    expect(reasons).toEqual({
      2: "updated: row 2: changed address",
      3: "created: null",
      4: "skipped: row 4: duplicate of row 3 in this file (dup1@example.de)",
      5: "rejected: row 5: 'max@' is not a valid e-mail address",
      7: "skipped: row 7: duplicate of row 2 in this file (petra.scholz@praxis-scholz.de)",
      8: "rejected: row 8: A contact needs at least a name, an e-mail address or a phone number.",
      9: expect.stringMatching(/^rejected: row 9: Anrede: 'Sgt' is not a salutation Poststelle knows/),
      10: "created: null",
      11: "skipped: row 11: duplicate of row 10 in this file (b@example.de)",
      12: expect.stringMatching(/^skipped: row 12: unchanged, contact con_\w+ already has these values$/),
      13: "rejected: row 13: it has 6 filled columns, the header only 5",
    });
    expect((await byEmail("petra.scholz@praxis-scholz.de")).address.city).toBe("Esslingen");
    expect((await byEmail("b@example.de")).emails).toEqual(["a@example.de", "b@example.de"]);
    const rejected = await report(imp.id, "rejected");
    expect(rejected.map((r) => r.row)).toEqual([5, 8, 9, 13]);
    expect(rejected[0].raw).toEqual({
      "E-Mail": "max@",
      Vorname: "Max",
      Nachname: "Kaputt",
      Ort: "",
      Anrede: "",
    });
    expect(Object.keys(rejected[0].raw ?? {})).toEqual(["E-Mail", "Vorname", "Nachname", "Ort", "Anrede"]);
    expect(rows.find((r) => r.row === 2)?.contact_id).toBe(
      (await byEmail("petra.scholz@praxis-scholz.de")).id,
    );
    // on_duplicate=skip (the default) leaves existing contacts alone.
    const again = await importFile("E-Mail;Ort\ndup1@example.de;Berlin\n");
    expect(again.counts).toMatchObject({ created: 0, skipped: 1 });
    expect((await report(again.id))[0].reason).toMatch(
      /^row 2: a contact with dup1@example.de already exists \(con_/,
    );
    expect((await byEmail("dup1@example.de")).address.city).toBe("Ulm");
    const keys = await env.rt.db.selectFrom("import_keys").selectAll().execute();
    expect(keys).toEqual([]);
  });

  it("finds a duplicate that lies a batch apart, in a dry run as in a real one", async () => {
    const lines = Array.from({ length: BATCH_ROWS + 10 }, (_, i) => `batch${i}@example.de;Batch;${i}`);
    lines.push("BATCH3@example.de;Batch;again");
    const csv = `E-Mail;Nachname;Vorname\n${lines.join("\n")}\n`;
    for (const dry_run of ["true", "false"]) {
      const imp = await importFile(csv, { dry_run });
      expect(imp.counts).toMatchObject({ processed: BATCH_ROWS + 11, created: BATCH_ROWS + 10, skipped: 1 });
      const skipped = await report(imp.id, "skipped");
      expect(skipped.map((r) => r.reason)).toEqual([
        `row ${BATCH_ROWS + 12}: duplicate of row 5 in this file (batch3@example.de)`,
      ]);
    }
  });

  it("writes one summary activity per import and none per contact", async () => {
    const acts = async (kind: string) =>
      (await api(env.app, env.ws.editor).get(`/v1/activities?kind=${kind}&limit=500`)).body.items;
    const contactActs = (await acts("contact")).length;
    const importActs = (await acts("import")).length;
    const rows = Array.from({ length: 30 }, (_, i) => `Nr${i};Viele;viele${i}@example.de`).join("\n");
    const imp = await importFile(`Vorname;Nachname;E-Mail\n${rows}\n`);
    expect(imp.counts.created).toBe(30);
    expect((await acts("contact")).length).toBe(contactActs);
    const after = await acts("import");
    expect(after.length).toBe(importActs + 1);
    expect(after[0]).toMatchObject({ action: "completed", record_id: imp.id });
    expect(after[0].summary).toBe("CSV import kontakte.csv: 30 created, 0 updated, 0 skipped, 0 rejected");
    const list = await api(env.app, env.ws.viewer).get("/v1/imports?limit=2");
    expect(list.body.items[0].id).toBe(imp.id);
    expect(list.body.items[0].rate).toBeGreaterThan(0);
  });

  it("lists the imports without their dry runs, or the dry runs alone, when asked", async () => {
    const csv = "Vorname;Nachname;E-Mail\nProbe;Lauf;probe.lauf@example.de\n";
    const dry = await importFile(csv, { dry_run: "true" });
    const real = await importFile(csv);
    const viewer = api(env.app, env.ws.viewer);
    const ids = async (query: string) =>
      ((await viewer.get(`/v1/imports${query}`)).body.items as Array<{ id: string; dry_run: boolean }>).map(
        (i) => [i.id, i.dry_run],
      );
    const all = await ids("?limit=500");
    expect(all.slice(0, 2)).toEqual([
      [real.id, false],
      [dry.id, true],
    ]);
    const imports = await ids("?dry_run=false&limit=500");
    expect(imports[0]).toEqual([real.id, false]);
    expect(imports.every(([, d]) => d === false)).toBe(true);
    const dryRuns = await ids("?dry_run=true&limit=500");
    expect(dryRuns[0]).toEqual([dry.id, true]);
    expect(dryRuns.every(([, d]) => d === true)).toBe(true);
    expect(imports.length + dryRuns.length).toBe(all.length);
    // Paged with the filter: the cursor goes on within it.
    const first = await viewer.get("/v1/imports?dry_run=false&limit=1");
    expect(first.body.items).toHaveLength(1);
    if (first.body.next_cursor) {
      const next = await viewer.get(`/v1/imports?dry_run=false&limit=1&cursor=${first.body.next_cursor}`);
      expect(next.body.items.every((i: { dry_run: boolean }) => !i.dry_run)).toBe(true);
    }
    const bad = await viewer.get("/v1/imports?dry_run=maybe");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/dry_run/);
  });

  it("answers bad uploads with 4xx and keeps no file behind", async () => {
    const ed = env.ws.editor;
    const unknownField = await upload(ed, excelGerman, { mapping: JSON.stringify({ "E-Mail": "emali" }) });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.message).toMatch(/'emali' is not a contact field/);
    const noColumn = await upload(ed, excelGerman, { mapping: JSON.stringify({ Mail: "email" }) });
    expect(noColumn.status).toBe(400);
    expect(noColumn.body.error.message).toMatch(/no column 'Mail'.*'Vorname'/);
    expect((await upload(ed, excelGerman, { mapping: "{nope" })).status).toBe(400);
    expect((await upload(ed, excelGerman, { dry_run: "maybe" })).status).toBe(400);
    expect((await upload(ed, excelGerman, { colour: "red" })).status).toBe(400);
    expect((await upload(ed, "Foo;Bar\n1;2\n")).body.error.message).toMatch(/None of the columns/);
    expect((await upload(ed, "")).status).toBe(400);
    expect((await upload(env.ws.viewer, excelGerman)).status).toBe(403);
    const noFile = multipart({ dry_run: "true" });
    const nf = await env.app.inject({
      method: "POST",
      url: "/v1/imports",
      headers: { authorization: `Bearer ${ed}`, "content-type": noFile.type },
      payload: noFile.body,
    });
    expect(nf.statusCode).toBe(400);
    const json = await api(env.app, ed).post("/v1/imports", { file: "x" });
    expect(json.status).toBe(415);
    await importsSettled();
    expect(fs.readdirSync(path.join(dataDir, "imports"))).toEqual([]);
    expect(
      (await api(env.app, env.other.admin).get(`/v1/imports/${unknownField.body.id ?? "imp_x"}`)).status,
    ).toBe(404);
  });

  it("rejects a row with a NUL byte in a cell it uses, imports the others, and keeps a NUL header readable", async () => {
    // No text column holds U+0000: before session 17 one such cell failed the whole import ("internal error").
    const csv =
      "Vorname;E-Mail;Not\u0000iz\nA\u0000B;nul.zelle@example.de;x\nGut;gut.zelle@example.de;\u0000\n";
    const done = await importFile(csv, { mapping: JSON.stringify({ "Not\u0000iz": null }) });
    expect(done.status).toBe("completed");
    expect(done.counts).toMatchObject({ created: 1, rejected: 1 });
    const rows = await report(done.id);
    expect(rows[0]).toMatchObject({
      row: 2,
      outcome: "rejected",
      reason: "row 2: Vorname: 'A\uFFFDB' holds a NUL byte, which no text can hold",
      raw: { Vorname: "A\uFFFDB", "E-Mail": "nul.zelle@example.de", "Not\uFFFDiz": "x" },
    });
    expect(rows[1]).toMatchObject({ row: 3, outcome: "created" });
    expect((await byEmail("gut.zelle@example.de"))?.first_name).toBe("Gut");
    expect(await byEmail("nul.zelle@example.de")).toBeUndefined();
  });

  it("answers an upload that ends inside the file with 400, keeps no file behind, and goes on serving", async () => {
    // The connection ends in the middle of the CSV: no closing boundary. Both the parser and the file's write
    // fail; before session 17 the write's failure went unhandled and stopped the process.
    const m = multipart({ dry_run: "true" }, { name: "kontakte.csv", content: excelGerman });
    const cut = m.body.subarray(0, m.body.indexOf(Buffer.from("Scholz")));
    const errors: unknown[] = [];
    const onUnhandled = (e: unknown) => errors.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const res = await env.app.inject({
        method: "POST",
        url: "/v1/imports",
        headers: { authorization: `Bearer ${env.ws.editor}`, "content-type": m.type },
        payload: cut,
      });
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).error).toMatchObject({ code: "invalid" });
      expect(JSON.parse(res.body).error.message).toMatch(/multipart body cannot be read/);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(errors).toEqual([]);
    await importsSettled();
    expect(fs.readdirSync(path.join(dataDir, "imports"))).toEqual([]);
    const after = await importFile("E-Mail\nnach.abbruch@example.de\n", { dry_run: "true" });
    expect(after.status).toBe("completed");
  });

  it("counts an import as running until its uploaded file is removed too", async () => {
    // importsSettled() is what shutdown and the tests wait on: it must not return between an import's end and
    // the removal of its file (a run that ends at once: no such import).
    let removed = false;
    const ctx = { rt: env.rt, workspaceId: "ws_none", actor: systemActor("test") };
    startImport(ctx, "imp_none", path.join(dataDir, "none.csv"), async () => {
      await new Promise((r) => setTimeout(r, 300));
      removed = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    await importsSettled();
    expect(removed).toBe(true);
  });

  it("hides an import from other workspaces and reports an interrupted one as failed", async () => {
    const r = await upload(env.ws.editor, "E-Mail\nlate@example.de\n");
    await importsSettled();
    expect((await api(env.app, env.other.admin).get(`/v1/imports/${r.body.id}`)).status).toBe(404);
    expect((await api(env.app, env.other.admin).get(`/v1/imports/${r.body.id}/rows`)).status).toBe(404);
    await env.rt.db
      .updateTable("imports")
      .set({ status: "running", lease_until: new Date(Date.now() - 1000), finished_at: null })
      .where("id", "=", r.body.id)
      .execute();
    const g = await api(env.app, env.ws.viewer).get(`/v1/imports/${r.body.id}`);
    expect(g.body.status).toBe("failed");
    expect(g.body.error).toMatch(/stopped without finishing/);
    // Told apart from an import that failed on its own (its file is gone here: not resumable).
    expect(g.body).toMatchObject({ interrupted: true, resumable: false });
    const listed = await api(env.app, env.ws.viewer).get("/v1/imports");
    expect(listed.body.items.find((i: { id: string }) => i.id === r.body.id)).toMatchObject({
      status: "failed",
      interrupted: true,
    });
  });
});
