// Test-only: a campaign started through the API and the plan a worker would compile for its run, for tests
// that drive the batch steps (claim, render, mark, record) by hand.
import { expect } from "vitest";
import { api, type TestEnv } from "../../test/harness.js";
import { claimRecipients } from "./queue-store.js";
import { EmailPlan, type RunSnapshot } from "./render.js";
import { findRun } from "./store.js";
import { type Audience, seedAudience } from "./test-support.js";
import type { CampaignWorker, RunPlan } from "./worker.js";

/** A campaign of `count` recipients, sent (in_progress), and the plan a worker would compile for its run. */
export async function startSendingRun(
  env: TestEnv,
  worker: CampaignWorker,
  count: number,
  name: string,
): Promise<{ plan: RunPlan; audience: Audience }> {
  const c = api(env.app, env.ws.editor);
  const audience = await seedAudience(env.rt.db, env.ws.id, { count });
  const t = await c.post("/v1/templates", {
    name: `Vorlage ${Date.now()}`,
    subject: "Hallo {{ contact.first_name }}",
    text: "{{ contact.letter_salutation }}\n\nAbmelden: {{ unsubscribe_url }}\n",
  });
  expect(t.status, t.text).toBe(201);
  const created = await c.post("/v1/campaigns", {
    name: `${name} ${Date.now()}`,
    kind: "email",
    list_ids: [audience.listId],
  });
  expect(created.status, created.text).toBe(202);
  await worker.housekeeping.round();
  const s = await c.post(`/v1/campaigns/${created.body.id}/send`, {
    template_id: t.body.id,
    subject: "Hallo {{ contact.first_name }}",
    from: "info@hundeschule.example",
  });
  expect(s.status, s.text).toBe(202);
  const { plan } = await planOfRun(env, created.body.id);
  return { plan, audience };
}

/** The plan a worker compiles for the campaign's current run, and the run's snapshot. */
export async function planOfRun(
  env: TestEnv,
  campaignId: string,
): Promise<{ plan: RunPlan; snapshot: RunSnapshot }> {
  const campaign = await env.rt.db
    .selectFrom("campaigns")
    .select("current_run_id")
    .where("id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const run = await findRun(env.rt.db, campaign.current_run_id ?? "");
  if (!run) throw new Error(`campaign ${campaignId} has no current run`);
  const snapshot = run.snapshot as RunSnapshot;
  const plan: RunPlan = {
    runId: run.id,
    campaignId,
    workspaceId: env.ws.id,
    email: new EmailPlan(snapshot, null, env.rt),
    broken: null,
    transport: null,
    senderDomain: null,
    transportMissing: false,
    loadedAt: Date.now(),
  };
  return { plan, snapshot };
}

/** What a worker named `owner` claims of the run now (up to 10 recipients, a one-minute lease). */
export function claimForTest(env: TestEnv, plan: RunPlan, owner: string) {
  const now = env.rt.now();
  return claimRecipients(env.rt.db, {
    campaignId: plan.campaignId,
    runId: plan.runId,
    owner,
    now,
    leaseUntil: new Date(now.getTime() + 60_000),
    limit: 10,
  });
}
