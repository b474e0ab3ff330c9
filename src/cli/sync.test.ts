// `poststelle sync fetch|review|transmit LIST` against a running API and the Mailchimp contract fake: the
// commands run in-process through the same registration as the real entry (output and exit code captured),
// and the real entry once as a child process for an unknown list.
import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cliArgs, ROOT } from "../../test/cli-entry.js";
import { type FakeMailchimp, startFakeMailchimp } from "../../test/fakes/mailchimp.js";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { settled } from "../sync/service.js";
import { registerCommands } from "./commands.js";

let env: TestEnv;
let fake: FakeMailchimp;
let url: string;
let editor: ReturnType<typeof api>;
let listId: string;
let remoteId: string;

beforeAll(async () => {
  env = await createTestEnv();
  fake = await startFakeMailchimp();
  editor = api(env.app, env.ws.editor);
  await env.app.listen({ port: 0, host: "127.0.0.1" });
  url = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  const c = await api(env.app, env.ws.admin).post("/v1/email-tools", {
    name: "Mailchimp",
    tool: "mailchimp",
    base_url: fake.url,
    credentials: { api_key: fake.apiKey },
  });
  expect(c.status).toBe(201);
  const list = await editor.post("/v1/lists", { name: "Newsletter-Verteiler" });
  listId = list.body.id;
  const remote = fake.addList("Newsletter");
  remoteId = remote.id;
  fake.addMember(remote.id, {
    email_address: "amadeus@relationship-manager.net",
    merge_fields: { FNAME: "Christine", LNAME: "Amadeus" },
  });
  const link = await editor.post(`/v1/lists/${listId}/link`, {
    mode: "attach",
    connection_id: c.body.id,
    remote_list_id: remote.id,
  });
  expect(link.status).toBe(201);
  const contact = await editor.post("/v1/contacts", {
    first_name: "Jochen",
    last_name: "Bartlau",
    emails: ["bartlau@relationship-manager.net"],
  });
  expect(
    (await editor.post(`/v1/lists/${listId}/subscriptions`, { contact_id: contact.body.id })).status,
  ).toBe(201);
}, 120_000);
afterAll(async () => {
  await settled();
  await fake.close();
  await env?.close();
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `poststelle …args` in-process; returns what it printed and the exit code it set. */
async function poststelle(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true); // the progress bar
  const program = new Command().exitOverride();
  registerCommands(program);
  await program.parseAsync(["node", "poststelle", ...args, "--url", url, "--key", env.ws.editor]);
  const code = process.exitCode ?? 0;
  process.exitCode = undefined;
  vi.restoreAllMocks();
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("poststelle sync", () => {
  it("fetch, review, transmit (asking first), fetch again: each prints its result and exits 0", async () => {
    const fetched = await poststelle("sync", "fetch", listId);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toMatch(/^fetch \S+: done — /);
    expect(fetched.stdout).toContain("1 new contact");
    expect(fetched.stdout).toContain("1 not in tool");

    expect((await editor.post(`/v1/lists/${listId}/sync/mark-for-transmission`, {})).status).toBe(200);
    const review = await poststelle("sync", "review", listId);
    expect(review.code).toBe(0);
    expect(review.stdout).toContain("Tasks to transmit: 1");
    expect(review.stdout).toMatch(/transmit\s+1/);

    const asked = await poststelle("sync", "transmit", listId);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain("Nothing transmitted. Repeat with --yes");
    expect(fake.member(remoteId, "bartlau@relationship-manager.net")).toBeUndefined();

    const sent = await poststelle("sync", "transmit", listId, "--yes");
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/transmit \S+: done — 1 ok/);
    expect(fake.member(remoteId, "bartlau@relationship-manager.net")?.status).toBe("subscribed");

    const again = await poststelle("sync", "fetch", listId);
    expect(again.code).toBe(0);
    // In step: every member a success, nothing else to decide.
    expect(again.stdout).toMatch(/done — 2 success(,|$)/);
    expect(again.stdout).not.toMatch(/conflict|not in tool|new /);
  });

  it("a fetch that breaks off prints the error and exits 1", async () => {
    fake.dropMembersAtOffset = 0;
    const r = await poststelle("sync", "fetch", listId);
    fake.dropMembersAtOffset = null;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fetch \S+: aborted/);
  });

  it("an unknown list or a missing key is a clear error with exit code 1", async () => {
    const unknown = await poststelle("sync", "review", "list_nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("404: No list with id 'list_nope'");

    const out: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    const program = new Command().exitOverride();
    registerCommands(program);
    await program.parseAsync(["node", "poststelle", "sync", "review", listId, "--url", url]);
    expect(process.exitCode).toBe(1);
    expect(out.join("\n")).toContain("Give a workspace API key: --key or POSTSTELLE_API_KEY.");
  });

  it("the real entry, as a child process, exits 1 for an unknown list", { timeout: 180_000 }, async () => {
    const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [...cliArgs(), "sync", "fetch", "list_nope"],
        {
          cwd: ROOT,
          env: { ...process.env, POSTSTELLE_URL: url, POSTSTELLE_API_KEY: env.ws.editor },
          encoding: "utf8",
        },
        (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
      );
    });
    expect(child.code, child.stderr).toBe(1);
    expect(child.stderr).toContain("404: No list with id 'list_nope'");
    expect(child.stdout).toBe("");
  });
});
