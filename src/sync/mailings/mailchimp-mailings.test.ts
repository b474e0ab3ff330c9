// Mailings from Mailchimp: the adapter's campaign, report, sent-to and email-activity reads against the
// Mailchimp contract fake, and the same through /v1/mailings on a Mailchimp-linked list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkListToTool } from "../../../test/fakes/listmonk.js";
import { type FakeMailchimp, startFakeMailchimp } from "../../../test/fakes/mailchimp.js";
import { api, createTestEnv, type TestEnv } from "../../../test/harness.js";
import { findBlocked } from "../../blocklist/lookup.js";
import { adapterFor } from "../adapters/index.js";
import { type RemoteBounce, type RemoteReaction, supportsMailings } from "./tool.js";

let env: TestEnv;
let fake: FakeMailchimp;
beforeAll(async () => {
  env = await createTestEnv();
  fake = await startFakeMailchimp();
});
afterAll(async () => {
  await fake?.close();
  await env?.close();
});

const emails = ["amadeus", "bartlau", "cash", "frank"].map((n) => `${n}@relationship-manager.net`);

function seedTool() {
  const l = fake.addList(`Newsletter ${Math.random()}`);
  for (const e of emails) fake.addMember(l.id, { email_address: e, status: "subscribed" });
  fake.addCampaign({ list_id: fake.addList("Andere").id, title: "Anderswo" });
  const c = fake.addCampaign({
    list_id: l.id,
    title: "Mai-Aussendung",
    emails_sent: 4,
    opened: [emails[0], emails[1]],
    clicked: [emails[0]],
    bounced: [
      { email: emails[2], kind: "hard" },
      { email: emails[3], kind: "soft" },
    ],
    unsubscribed: 1,
  });
  return { l, c };
}

describe("Mailchimp mailings", () => {
  it("reads campaigns of the audience, the report, bounces from sent-to and reactions from email-activity", async () => {
    const { l, c } = seedTool();
    const a = adapterFor({
      id: "x",
      tool: "mailchimp",
      base_url: fake.url,
      credentials: { kind: "mailchimp", api_key: fake.apiKey },
    });
    if (!supportsMailings(a)) throw new Error("the Mailchimp adapter should read mailings");
    expect((await a.mailings(l.id)).map((m) => m.name)).toEqual(["Mai-Aussendung"]);
    expect(await a.mailingReport(c.id)).toEqual({
      recipients: 4,
      bounces: 2,
      opens: 2,
      clicks: 1,
      unsubscribes: 1,
    });
    const bounces: RemoteBounce[] = [];
    for await (const p of a.mailingBounces(c.id)) bounces.push(...p);
    expect(bounces.map((b) => [b.email, b.kind])).toEqual([
      [emails[2], "permanent"],
      [emails[3], "temporary"],
    ]);
    const reactions: RemoteReaction[] = [];
    for await (const p of a.mailingReactions(c.id)) reactions.push(...p);
    expect(reactions.map((r) => `${r.email}:${r.reaction}`).sort()).toEqual([
      `${emails[0]}:clicked`,
      `${emails[0]}:opened`,
      `${emails[1]}:opened`,
    ]);
    await expect(a.mailing("nope")).rejects.toMatchObject({ kind: "not_found" });
  });

  it("through /v1/mailings: statistics, a hard bounce blocklists, reactions per recipient", async () => {
    const { l, c } = seedTool();
    const k = api(env.app, env.ws.editor);
    const list = (await k.post("/v1/lists", { name: `Newsletter ${Math.random()}`, record_reactions: true }))
      .body;
    for (const e of emails) {
      const contact = (await k.post("/v1/contacts", { last_name: e.split("@")[0], emails: [e] })).body;
      await k.post(`/v1/lists/${list.id}/subscriptions`, { contact_id: contact.id });
    }
    await linkListToTool(env.rt.db, env.rt.secret, {
      workspaceId: env.ws.id,
      listId: list.id,
      remoteListId: l.id,
      baseUrl: fake.url,
      credentials: { kind: "mailchimp", api_key: fake.apiKey },
    });
    const m = (await k.post("/v1/mailings", { list_id: list.id, remote_mailing_id: c.id })).body;
    expect(m.recipient_count).toBe(4);
    const res = await k.post(`/v1/mailings/${m.id}/fetch`, {});
    expect(res.status).toBe(200);
    expect(res.body.fetched.statistics).toMatchObject({
      recipients: 4,
      reached: 2,
      bounces: 2,
      unsubscribes: 1,
    });
    expect(res.body.mailing.recipients_by_bounce).toEqual({ permanent: 1, temporary: 1, general: 0 });
    expect(res.body.mailing.recipients_by_reaction).toEqual({ not_opened: 2, opened: 1, clicked: 1 });
    expect((await findBlocked(env.rt.db, env.rt.secret, env.ws.id, [emails[2]])).size).toBe(1);
  });
});
