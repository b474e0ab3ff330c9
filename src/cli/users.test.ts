import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/cli-entry.js";
import { createTestDb } from "../../test/harness.js";
import { loadConfig } from "../config/index.js";
import { systemActor } from "../runtime.js";
import { openRuntime } from "../server.js";
import { login } from "../users/sessions.js";
import { createWorkspace } from "../workspaces/service.js";
import { userInput } from "./users.js";

describe("poststelle users create", () => {
  it("validates its options like the API does", () => {
    expect(() => userInput({ workspace: "ws", email: "kein-at", role: "admin" }, undefined)).toThrow(
      /--email/,
    );
    expect(() => userInput({ workspace: "ws", email: "a@example.org", role: "chef" }, undefined)).toThrow(
      /--role/,
    );
    expect(() => userInput({ workspace: "ws", email: "a@example.org", role: "admin" }, "kurz")).toThrow(
      /password/,
    );
  });

  it("creates the first admin with a password from stdin, and one with a generated password", {
    timeout: 180_000,
  }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-cli-users-"));
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
      const cli = (args: string[], input?: string) =>
        runCli(["users", "create", "--workspace", ws.id, ...args], { env, input });
      const a = cli(
        ["--email", "chefin@example.org", "--role", "admin", "--name", "Petra", "--password-stdin"],
        "Sicheres-Passwort-9\n",
      );
      expect(a.status, a.stderr).toBe(0);
      expect(a.stdout).toContain("(chefin@example.org, admin) created");
      expect(a.stdout).not.toContain("Sicheres-Passwort-9");
      const b = cli(["--email", "kollege@example.org", "--role", "viewer"]);
      expect(b.status, b.stderr).toBe(0);
      const generated = /Password \(shown once, store it now\):\n\s+(\S+)/.exec(b.stdout)?.[1];
      expect(generated).toMatch(/^[\w-]{20}$/);
      const dup = cli(["--email", "CHEFIN@example.org", "--role", "viewer"]);
      expect(dup.status).toBe(1);
      expect(dup.stderr).toContain("already exists");

      const after = await openRuntime(loadConfig(env));
      try {
        const client = { ip: "127.0.0.1" };
        const s = await login(
          after.rt,
          { email: "chefin@example.org", password: "Sicheres-Passwort-9" },
          client,
        );
        expect(s.session).toMatchObject({ role: "admin", name: "Petra", workspaceId: ws.id });
        const v = await login(
          after.rt,
          { email: "kollege@example.org", password: generated as string },
          client,
        );
        expect(v.session.role).toBe("viewer");
      } finally {
        await after.handle.close();
      }
    } finally {
      await testDb?.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
