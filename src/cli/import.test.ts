import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/cli-entry.js";
import { createTestDb } from "../../test/harness.js";
import { loadConfig } from "../config/index.js";
import { systemActor } from "../runtime.js";
import { openRuntime } from "../server.js";
import { createWorkspace } from "../workspaces/service.js";
import { parseMapOptions } from "./import.js";

describe("poststelle import contacts", () => {
  it("parses --map pairs; an empty field leaves the column out", () => {
    expect(parseMapOptions(["Kd-Nr.=custom.kundennummer", "Notiz=", "a=b=email"])).toEqual({
      "Kd-Nr.": "custom.kundennummer",
      Notiz: null,
      "a=b": "email",
    });
  });

  it("imports a CSV file in a child process and prints what it did", { timeout: 180_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-cli-import-"));
    const testDb = process.env.DATABASE_URL ? await createTestDb() : null;
    try {
      const env = {
        ...process.env,
        POSTSTELLE_DATA_DIR: tmp,
        DATABASE_URL: testDb?.url ?? "",
        LOG_LEVEL: "silent",
      };
      const first = await openRuntime(loadConfig(env));
      const ws = await createWorkspace(first.rt, systemActor("test"), "Kommandozeile");
      await first.handle.close();
      const file = path.join(tmp, "kontakte.csv");
      fs.writeFileSync(
        file,
        "\uFEFFVorname;Nachname;E-Mail;Kd\r\nPetra;Scholz;petra@example.de;K-1\r\nMax;Kaputt;max@;K-2\r\n",
      );

      const run = runCli(
        ["import", "contacts", file, "--workspace", ws.id, "--map", "Kd=custom.kundennummer"],
        { env },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain("2 rows: 1 created, 0 updated, 0 skipped, 1 rejected");
      expect(run.stdout).toContain("rejected: row 3: 'max@' is not a valid e-mail address");

      const after = await openRuntime(loadConfig(env));
      const contacts = await after.rt.db
        .selectFrom("contacts")
        .selectAll()
        .where("workspace_id", "=", ws.id)
        .execute();
      await after.handle.close();
      expect(contacts.map((c) => [c.emails, c.custom_fields])).toEqual([
        [["petra@example.de"], { kundennummer: "K-1" }],
      ]);
    } finally {
      await testDb?.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
