// `poststelle campaign send ID --follow` (issue 4 item 8) against a running API: the command starts the
// send, draws a progress bar with rate and ETA until the workers are done, and prints the outcome.
import { spawn } from "node:child_process";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliArgs } from "../../test/cli-entry.js";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { seedAudience } from "../campaigns/test-support.js";
import { CampaignWorker } from "../campaigns/worker.js";
import type { WorkerHandle } from "../workers.js";
import { ApiError, describeState, follow, startSend } from "./campaign.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let env: TestEnv;
let url: string;
let workers: WorkerHandle;
let templateId: string;

beforeAll(async () => {
  env = await createTestEnv();
  url = await env.app.listen({ port: 0, host: "127.0.0.1" });
  workers = new CampaignWorker(env.rt, { lanes: 1, batchSize: 20, pollMs: 20 }).start();
  const t = await api(env.app, env.ws.editor).post("/v1/templates", {
    name: "Info",
    subject: "x",
    text: "Hallo {{ contact.first_name }}",
  });
  templateId = t.body.id;
});
afterAll(async () => {
  await workers?.stop();
  await env?.close();
});

async function readyCampaign(count: number) {
  const a = await seedAudience(env.rt.db, env.ws.id, { count });
  const r = await api(env.app, env.ws.editor).post("/v1/campaigns", {
    name: "Info",
    kind: "email",
    list_ids: [a.listId],
    subject: "Hallo",
    template_id: templateId,
    from: "info@example.org",
  });
  for (let i = 0; i < 200; i++) {
    if ((await api(env.app, env.ws.editor).get(`/v1/campaigns/${r.body.id}`)).body.state === "ready") break;
    await new Promise((res) => setTimeout(res, 25));
  }
  return r.body.id as string;
}

describe("campaign send --follow", () => {
  it("sends and follows the progress until the campaign is done", async () => {
    const id = await readyCampaign(150);
    const o = { url, key: env.ws.editor };
    const out = new PassThrough();
    let drawn = "";
    out.on("data", (d: Buffer) => {
      drawn += d.toString();
    });
    const started = await startSend(o, id, false);
    expect(started.state).toBe("in_progress");
    const done = await follow(o, id, { intervalMs: 50, stream: out });
    expect(done.state).toBe("completed_automatic");
    expect(done.progress.counts).toEqual({ sent: 150 });
    expect(drawn).toMatch(/\d+\/150 \| [\d.]+ msg\/s \| ETA \S+ \| /);
    expect(drawn).toContain("100% | 150/150");
  });

  it("reports API errors as messages, not stack traces", async () => {
    await expect(startSend({ url, key: env.ws.viewer }, "cmp_unknown", false)).rejects.toThrow(ApiError);
    await expect(startSend({ url, key: env.ws.editor }, "cmp_unknown", false)).rejects.toThrow(
      /404: No campaign/,
    );
  });

  it("names the waiting states in words", () => {
    const base = {
      id: "c",
      name: "n",
      progress: {
        total: 1,
        done: 0,
        counts: {},
        rate_per_second: 0,
        expected_end: null,
        waiting_for_processing: false,
        resume_at: null,
      },
    };
    expect(
      describeState({
        ...base,
        state: "in_progress",
        progress: { ...base.progress, waiting_for_processing: true },
      }),
    ).toBe("waiting for processing");
    expect(
      describeState({
        ...base,
        state: "waiting_for_continuation",
        progress: { ...base.progress, resume_at: "2026-03-02T10:01:00Z" },
      }),
    ).toMatch(/^waiting for continuation until /);
  });

  it("runs as `poststelle campaign send ID --follow` with POSTSTELLE_URL and POSTSTELLE_API_KEY", {
    timeout: 60_000,
  }, async () => {
    const id = await readyCampaign(40);
    const child = spawn(process.execPath, [...cliArgs(), "campaign", "send", id, "--follow"], {
      cwd: repo,
      env: { ...process.env, POSTSTELLE_URL: url, POSTSTELLE_API_KEY: env.ws.editor },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`(${id}): completed automatic — 40 sent`);
    expect(stderr).toContain("msg/s");
  });
});
