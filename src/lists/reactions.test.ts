// Reaction filters on a list's members (seed 003 §5.4 filter family 6 "Empfängerspezifische Reaktionen"):
// not opened / opened / clicked, from the message events of Poststelle's own campaigns sent through the list
// and from the reactions fetched for the tool's mailings of the list.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";

let env: TestEnv;
let viewer: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  viewer = api(env.app, env.ws.viewer);
});
afterAll(() => env?.close());

const now = new Date("2026-11-20T10:00:00Z");

async function contact(name: string, workspaceId = env.ws.id) {
  const id = newId("ct");
  const email = `${name.toLowerCase()}@relationship-manager.net`;
  await env.rt.db
    .insertInto("contacts")
    .values({
      id,
      workspace_id: workspaceId,
      first_name: name,
      last_name: "Muster",
      emails: [email],
      email_keys: [email],
      custom_fields: JSON.stringify({}),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, email, name };
}

async function list(name: string, contacts: { id: string }[], workspaceId = env.ws.id) {
  const id = newId("list");
  await env.rt.db
    .insertInto("lists")
    .values({ id, workspace_id: workspaceId, name, created_at: now, updated_at: now })
    .execute();
  for (const c of contacts) {
    await env.rt.db
      .insertInto("subscriptions")
      .values({
        id: newId("sub"),
        workspace_id: workspaceId,
        list_id: id,
        contact_id: c.id,
        status: "subscribed",
        status_set_at: now,
        status_set_by: "test",
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  return id;
}

type Reaction = "none" | "opened" | "clicked" | "machine_open";

/** A sent campaign through listId: one message per recipient, with its open/click events. */
async function campaign(listId: string, recipients: [{ id: string; email: string }, Reaction][]) {
  const id = newId("cmp");
  const ws = env.ws.id;
  await env.rt.db
    .insertInto("campaigns")
    .values({
      id,
      workspace_id: ws,
      name: "Mai-Aussendung",
      kind: "email",
      state: "completed",
      purpose: "marketing",
      list_ids: [listId],
    })
    .execute();
  for (const [i, [c, reaction]] of recipients.entries()) {
    const msg = newId("msg");
    await env.rt.db
      .insertInto("messages")
      .values({
        id: msg,
        workspace_id: ws,
        contact_id: c.id,
        to_address: c.email,
        from_address: "info@sunshine-agency.net",
        campaign_id: id,
        message_id_header: `<${msg}@sunshine-agency.net>`,
        return_path: "bounce@sunshine-agency.net",
        send_state: "done",
        status: "delivered",
      })
      .execute();
    await env.rt.db
      .insertInto("campaign_recipients")
      .values({
        campaign_id: id,
        contact_id: c.id,
        workspace_id: ws,
        position: i,
        list_id: listId,
        status: "sent",
        message_id: msg,
      })
      .execute();
    const event = (type: string, machine: boolean) =>
      env.rt.db
        .insertInto("message_events")
        .values({
          id: newId("evt"),
          workspace_id: ws,
          message_id: msg,
          at: now,
          type,
          source: "tracking",
          evidence: JSON.stringify(machine ? { machine: true } : {}),
        })
        .execute();
    if (reaction === "opened") await event("opened", false);
    // a click without an open: the pixel was blocked, the person still read the mail
    if (reaction === "clicked") await event("clicked", false);
    if (reaction === "machine_open") await event("opened", true);
  }
  return id;
}

/** A mailing sent by the tool, with per-recipient reactions fetched (or not yet). */
async function toolMailing(
  listId: string,
  recipients: [{ id: string; email: string }, "not_opened" | "opened" | "clicked"][],
  fetched = true,
) {
  const id = newId("mlg");
  await env.rt.db
    .insertInto("mailings")
    .values({
      id,
      workspace_id: env.ws.id,
      list_id: listId,
      list_name: "Newsletter",
      name: "Juni (Mailchimp)",
      recipient_count: recipients.length,
      reactions_fetched_at: fetched ? now : null,
      created_by: "test",
    })
    .execute();
  for (const [c, reaction] of recipients) {
    await env.rt.db
      .insertInto("mailing_recipients")
      .values({
        mailing_id: id,
        email_key: c.email,
        workspace_id: env.ws.id,
        contact_id: c.id,
        email: c.email,
        reaction,
      })
      .execute();
  }
  return id;
}

const names = async (url: string) => {
  const r = await viewer.get(url);
  expect(r.status).toBe(200);
  return (r.body.items as { contact: { first_name: string } }[]).map((i) => i.contact.first_name).sort();
};

describe("reaction filters on a list's subscriptions", () => {
  let listId: string;
  let own: string;
  let tool: string;
  beforeAll(async () => {
    const [amadeus, bartlau, cash, frank, frisch, hauser, jaeger] = await Promise.all(
      ["Amadeus", "Bartlau", "Cash", "Frank", "Frisch", "Hauser", "Jaeger"].map((n) => contact(n)),
    );
    listId = await list("Newsletter", [amadeus, bartlau, cash, frank, frisch, hauser, jaeger]);
    own = await campaign(listId, [
      [amadeus, "opened"],
      [bartlau, "clicked"],
      [cash, "machine_open"],
      [frank, "none"],
    ]);
    tool = await toolMailing(listId, [
      [frisch, "opened"],
      [hauser, "not_opened"],
    ]);
    // Reactions not fetched yet: Jaeger is neither opened nor not opened.
    await toolMailing(listId, [[jaeger, "not_opened"]], false);
    // Frank clicked a mail of another list: that is no reaction to this one.
    const other = await list("Andere", [frank]);
    await campaign(other, [[frank, "clicked"]]);
  });

  it("opened includes clicks; a machine open is no reaction; not opened needs mail that went out", async () => {
    const base = `/v1/lists/${listId}/subscriptions`;
    expect(await names(`${base}?reaction=opened`)).toEqual(["Amadeus", "Bartlau", "Frisch"]);
    expect(await names(`${base}?reaction=clicked`)).toEqual(["Bartlau"]);
    expect(await names(`${base}?reaction=not_opened`)).toEqual(["Cash", "Frank", "Hauser"]);
    expect(await names(base)).toHaveLength(7);
  });

  it("mailing_id narrows to one campaign or one tool mailing of the list", async () => {
    const base = `/v1/lists/${listId}/subscriptions`;
    expect(await names(`${base}?reaction=opened&mailing_id=${own}`)).toEqual(["Amadeus", "Bartlau"]);
    expect(await names(`${base}?reaction=not_opened&mailing_id=${own}`)).toEqual(["Cash", "Frank"]);
    expect(await names(`${base}?reaction=opened&mailing_id=${tool}`)).toEqual(["Frisch"]);
    expect(await names(`${base}?reaction=not_opened&mailing_id=${tool}`)).toEqual(["Hauser"]);
  });

  it("combines with the status filter and pages", async () => {
    const base = `/v1/lists/${listId}/subscriptions?reaction=opened`;
    const first = await viewer.get(`${base}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await viewer.get(`${base}&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect((await viewer.get(`${base}&status=unsubscribed`)).body.items).toEqual([]);
  });

  it("refuses an unknown reaction, mailing_id without reaction, and a mailing of another list", async () => {
    const base = `/v1/lists/${listId}/subscriptions`;
    const bad = await viewer.get(`${base}?reaction=read`);
    expect(bad.status).toBe(400);
    const lone = await viewer.get(`${base}?mailing_id=${own}`);
    expect(lone.status).toBe(400);
    expect(JSON.stringify(lone.body.error)).toContain("mailing_id needs reaction");
    const unknown = await viewer.get(`${base}?reaction=opened&mailing_id=cmp_nope`);
    expect(unknown.status).toBe(404);
    const elsewhere = await list("Leer", []);
    const foreign = await viewer.get(
      `/v1/lists/${elsewhere}/subscriptions?reaction=opened&mailing_id=${own}`,
    );
    expect(foreign.status).toBe(404);
    const otherWs = await api(env.app, env.other.admin).get(`${base}?reaction=opened`);
    expect(otherWs.status).toBe(404);
  });
});
