// A batch's messages are rendered group by group, just before the group is marked `sending` (batch.ts
// renderAndMark), not all at once after the claim: a message that cannot be rendered then ends as `error`
// there, and is neither marked nor handed to the relay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { isScreened, type LazySend, renderAndMark, screenBatch } from "./batch.js";
import type { RenderInput } from "./render.js";
import { claimForTest, startSendingRun } from "./sending-run.testkit.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1, batchSize: 50 });
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const sending = async (count: number) => (await startSendingRun(env, worker, count, "Gruppen")).plan;

const statuses = async (campaignId: string) =>
  env.rt.db
    .selectFrom("campaign_recipients")
    .select(["status", "reason", "mime_sha256", "merge"])
    .where("campaign_id", "=", campaignId)
    .orderBy("position")
    .execute();

describe("rendering a batch group by group", () => {
  it("renders a group only when it is marked; one that cannot be rendered ends as error, unmarked and unsent", async () => {
    const plan = await sending(3);
    const w = { rt: env.rt, owner: "group-worker" };
    const claimed = await claimForTest(env, plan, w.owner);
    expect(claimed).toHaveLength(3);
    // The second recipient's message fails to render (as a template filter could for one contact's data).
    const email = plan.email!;
    const renderAll = email.render.bind(email);
    let rendered = 0;
    email.render = (r: RenderInput) => {
      rendered++;
      // Told apart by a field the template reads: the stored merge data holds only those (render.ts).
      if (r.merge.contact.first_name === claimed[1].contact.first_name) throw new Error("Datum nicht lesbar");
      return renderAll(r);
    };

    const decided = await screenBatch(w, plan, claimed);
    const items: LazySend[] = decided.filter(isScreened).map((screened) => ({ screened, prepared: null }));
    expect(items).toHaveLength(3);
    expect(rendered).toBe(0);
    expect((await statuses(plan.campaignId)).map((r) => r.status)).toEqual(["claimed", "claimed", "claimed"]);

    const held = await renderAndMark(w, plan, items);
    expect(rendered).toBe(3);
    expect([...held].sort()).toEqual([claimed[0].contact_id, claimed[2].contact_id].sort());
    expect(items.map((x) => x.prepared !== null)).toEqual([true, false, true]);
    const rows = await statuses(plan.campaignId);
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ["sending", null],
      ["error", "template_render_failed"],
      ["sending", null],
    ]);
    // What the marked messages are rendered from is stored with the marking: the digest and the merge data.
    expect(rows[0].mime_sha256).toBe(items[0].prepared!.write.mime_sha256);
    expect(rows[0].merge).toEqual(JSON.parse(JSON.stringify(items[0].prepared!.write.merge)));
    expect(rows[1].merge).toBeNull();
  });
});
