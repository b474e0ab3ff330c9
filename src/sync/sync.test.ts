// List sync end to end through the API against the Mailchimp contract fake (seed 003 §4–§5, §8, §9).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeListmonk } from "../../test/fakes/listmonk.js";
import { type FakeMailchimp, startFakeMailchimp } from "../../test/fakes/mailchimp.js";
import { api, connectMailchimp, createTestEnv, type TestEnv } from "../../test/harness.js";
import { blockAddress } from "../blocklist/service.js";
import { systemActor } from "../runtime.js";
import { settled, startFetch } from "./service.js";

let env: TestEnv;
let fake: FakeMailchimp;
let admin: ReturnType<typeof api>;
let editor: ReturnType<typeof api>;
let viewer: ReturnType<typeof api>;
let connectionId: string;

const address = {
  company: "Hundeschule Pfote",
  address1: "Untere Laube 30",
  city: "Konstanz",
  zip: "78462",
  country: "DE",
};

beforeAll(async () => {
  env = await createTestEnv();
  fake = await startFakeMailchimp();
  admin = api(env.app, env.ws.admin);
  editor = api(env.app, env.ws.editor);
  viewer = api(env.app, env.ws.viewer);
  connectionId = await connectMailchimp(admin, fake);
});
afterAll(async () => {
  await settled();
  await fake.close();
  await env.close();
});

let seq = 0;
async function newList(name = `Newsletter ${++seq}`) {
  const r = await editor.post("/v1/lists", {
    name,
    sender_name: "Pfote",
    sender_email: "info@pfote.example",
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function contact(first: string, last: string, email: string) {
  const r = await editor.post("/v1/contacts", { first_name: first, last_name: last, emails: [email] });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function subscribe(listId: string, contactId: string, status = "subscribed") {
  const r = await editor.post(`/v1/lists/${listId}/subscriptions`, { contact_id: contactId, status });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

/** A list attached to a fresh audience in the fake. */
async function attachedList() {
  const listId = await newList();
  const remote = fake.addList(`Audience ${seq}`);
  const r = await editor.post(`/v1/lists/${listId}/link`, {
    mode: "attach",
    connection_id: connectionId,
    remote_list_id: remote.id,
  });
  expect(r.status).toBe(201);
  return { listId, remoteId: remote.id };
}

async function fetchList(listId: string, confirm?: boolean) {
  const r = await editor.post(`/v1/lists/${listId}/sync/fetch`, confirm ? { confirm } : {});
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  await settled();
  const run = await editor.get(`/v1/lists/${listId}/sync/runs/${r.body.id}`);
  return run.body;
}

async function transmit(listId: string) {
  const r = await editor.post(`/v1/lists/${listId}/sync/transmit`, { confirm: true });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  await settled();
  return (await editor.get(`/v1/lists/${listId}/sync/runs/${r.body.id}`)).body;
}

async function members(listId: string, filter?: string) {
  const r = await editor.get(
    `/v1/lists/${listId}/sync/members?limit=500${filter ? `&filter=${filter}` : ""}`,
  );
  expect(r.status).toBe(200);
  return r.body.items as {
    subscription_id: string;
    contact: { id: string; email: string; first_name: string; last_name: string };
    status: { value: string };
    result: string;
    result_detail: {
      conflicts?: { field: string; crm: string; tool: string }[];
      warnings?: string[];
      notes?: string[];
    };
    task: string | null;
    task_reason: string | null;
    offered_tasks: string[];
    transmit: { outcome: string; error: string | null } | null;
  }[];
}

const byEmail = async (listId: string) => new Map((await members(listId)).map((m) => [m.contact.email, m]));

async function setTask(listId: string, subId: string, task: string | null) {
  return editor.put(`/v1/lists/${listId}/sync/members/${subId}/task`, { task });
}

describe("connections", () => {
  it("credentials are shown to admins only and checked with the tool", async () => {
    const asAdmin = await admin.get(`/v1/email-tools/${connectionId}`);
    expect(asAdmin.body.credentials).toEqual({ api_key: fake.apiKey });
    expect(asAdmin.body.account).toBe("Hundeschule Pfote");
    const asViewer = await viewer.get(`/v1/email-tools/${connectionId}`);
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.credentials).toBeUndefined();
    expect(asViewer.body.credentials_hint).toBe("API key …us21");
    expect(JSON.stringify((await viewer.get("/v1/email-tools")).body)).not.toContain(fake.apiKey);
    const stored = await env.rt.db
      .selectFrom("email_tool_connections")
      .select("credentials_enc")
      .executeTakeFirstOrThrow();
    expect(stored.credentials_enc).not.toContain(fake.apiKey.slice(0, 16));
    const byEditor = await editor.post("/v1/email-tools", {
      name: "x",
      tool: "mailchimp",
      base_url: fake.url,
      credentials: { api_key: fake.apiKey },
    });
    expect(byEditor.status).toBe(403);
    const wrong = await admin.post("/v1/email-tools", {
      name: "Wrong",
      tool: "mailchimp",
      base_url: fake.url,
      credentials: { api_key: "ffffffffffffffffffffffffffffffff-us21" },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain("refused the credentials");
    const foreign = await api(env.app, env.other.admin).get(`/v1/email-tools/${connectionId}`);
    expect(foreign.status).toBe(404);
  });
});

describe("linking (seed 003 §4.3, §5.5)", () => {
  it("creates the list in the tool from its settings and marks every member for transmission", async () => {
    const noSender = await editor.post("/v1/lists", { name: "Ohne Absender" });
    const refused = await editor.post(`/v1/lists/${noSender.body.id}/link`, {
      mode: "create",
      connection_id: connectionId,
      contact: address,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("sender_name and sender_email");

    const listId = await newList("Newsletter-Verteiler");
    const a = await subscribe(
      listId,
      await contact("Christine", "Amadeus", "amadeus@relationship-manager.net"),
    );
    await subscribe(
      listId,
      await contact("Jochen", "Bartlau", "bartlau@relationship-manager.net"),
      "unsubscribed",
    );
    const r = await editor.post(`/v1/lists/${listId}/link`, {
      mode: "create",
      connection_id: connectionId,
      contact: address,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      how: "created",
      marked_for_transmission: 1,
      settings: { from_email: "info@pfote.example" },
    });
    const remote = fake.lists.get(r.body.remote_list_id);
    expect(remote?.name).toBe("Newsletter-Verteiler");
    expect(
      (
        await editor.post(`/v1/lists/${listId}/link`, {
          mode: "attach",
          connection_id: connectionId,
          remote_list_id: "x",
        })
      ).status,
    ).toBe(409);

    const review = await editor.get(`/v1/lists/${listId}/sync/review`);
    expect(review.body.tasks.transmit).toBe(1);
    const unconfirmed = await editor.post(`/v1/lists/${listId}/sync/transmit`, {});
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.error.details.tasks.transmit).toBe(1);

    const run = await transmit(listId);
    expect(run).toMatchObject({ status: "done", counts: { ok: 1, error: 0 } });
    expect(fake.member(remote?.id ?? "", "amadeus@relationship-manager.net")).toMatchObject({
      status: "subscribed",
      merge_fields: { FNAME: "Christine", LNAME: "Amadeus", SALUTATION: "Guten Tag Christine Amadeus," },
    });
    const after = await fetchList(listId);
    expect(after.counts).toMatchObject({
      success: 2,
      conflict: 0,
      new_in_list: 0,
      new_contact: 0,
      not_in_tool: 0,
    });
    const m = (await members(listId)).find((x) => x.subscription_id === a);
    expect(m?.result).toBe("success");
  });

  it("expert options need confirm: true, warn, and leave an activity", async () => {
    const { listId } = await attachedList();
    const other = fake.addList("Die richtige Liste");
    const noConfirm = await editor.put(`/v1/lists/${listId}/link/remote`, {
      remote_list_id: other.id,
      how: "entered",
    });
    expect(noConfirm.status).toBe(409);
    expect(noConfirm.body.error.details.warning).toContain("drops the reconciliation results");
    const unknown = await editor.put(`/v1/lists/${listId}/link/remote`, {
      remote_list_id: "nope",
      how: "entered",
      confirm: true,
    });
    expect(unknown.status).toBe(404);
    const moved = await editor.put(`/v1/lists/${listId}/link/remote`, {
      remote_list_id: other.id,
      how: "entered",
      confirm: true,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ remote_list_id: other.id, how: "entered" });
    expect((await editor.post(`/v1/lists/${listId}/link/detach`, {})).status).toBe(409);
    expect((await editor.post(`/v1/lists/${listId}/link/detach`, { confirm: true })).status).toBe(200);
    expect((await editor.get(`/v1/lists/${listId}/link`)).status).toBe(404);
    const acts = await env.rt.db
      .selectFrom("activities")
      .select("action")
      .where("record_id", "=", listId)
      .orderBy("id")
      .execute();
    expect(acts.map((a) => a.action)).toEqual(
      expect.arrayContaining(["linked", "remote_id_entered", "detached"]),
    );
  });
});

describe("reconciliation results (seed 003 §5.2)", () => {
  it("success, new in list, new contact, not in tool and conflict with the field and both values", async () => {
    const { listId, remoteId } = await attachedList();
    const ok = await subscribe(
      listId,
      await contact("Brita", "Dannenmann", "dannenmann@relationship-manager.net"),
    );
    const emil = await subscribe(
      listId,
      await contact("Emil Niklas", "Färber", "faerber@relationship-manager.net"),
    );
    const notThere = await subscribe(listId, await contact("James", "Ford", "ford@relationship-manager.net"));
    const known = await contact("Gerda", "Heinze", "heinze@relationship-manager.net");
    fake.addMember(remoteId, {
      email_address: "dannenmann@relationship-manager.net",
      merge_fields: { FNAME: "Brita", LNAME: "Dannenmann" },
    });
    fake.addMember(remoteId, {
      email_address: "faerber@relationship-manager.net",
      merge_fields: { FNAME: "Emil", LNAME: "Färber" },
    });
    fake.addMember(remoteId, {
      email_address: "Heinze@Relationship-Manager.net",
      merge_fields: { FNAME: "Gerda", LNAME: "Heinze" },
    });
    fake.addMember(remoteId, {
      email_address: "leser@relationship-manager.net",
      merge_fields: { FNAME: "Klaus", LNAME: "Leser" },
    });
    fake.addMember(remoteId, { email_address: "gone@relationship-manager.net", status: "archived" });

    const run = await fetchList(listId);
    expect(run.status).toBe("done");
    expect(run.counts).toMatchObject({
      success: 1,
      conflict: 1,
      new_in_list: 1,
      new_contact: 1,
      not_in_tool: 1,
      members_read: 5,
    });
    const m = await byEmail(listId);
    expect(m.get("dannenmann@relationship-manager.net")?.result).toBe("success");
    expect(m.get("ford@relationship-manager.net")).toMatchObject({
      subscription_id: notThere,
      result: "not_in_tool",
    });
    const conflict = m.get("faerber@relationship-manager.net");
    expect(conflict).toMatchObject({ subscription_id: emil, result: "conflict" });
    expect(conflict?.result_detail.conflicts).toEqual([
      { field: "first_name", crm: "Emil Niklas", tool: "Emil" },
    ]);
    expect(conflict?.offered_tasks).toEqual(["update_name", "unsubscribe", "delete"]);
    expect(m.get("heinze@relationship-manager.net")).toMatchObject({
      result: "new_in_list",
      contact: { id: known },
    });
    const created = m.get("leser@relationship-manager.net");
    expect(created).toMatchObject({
      result: "new_contact",
      contact: { first_name: "Klaus", last_name: "Leser" },
    });
    expect(m.has("gone@relationship-manager.net")).toBe(false);
    expect(ok).toBeTruthy();

    // saved filters
    expect((await members(listId, "conflicts")).map((x) => x.subscription_id)).toEqual([emil]);
    expect((await members(listId, "not_in_tool_open")).map((x) => x.subscription_id)).toEqual([notThere]);
    expect((await members(listId, "new_contacts")).map((x) => x.contact.email)).toEqual([
      "leser@relationship-manager.net",
    ]);
    expect((await members(listId, "new_in_list")).map((x) => x.contact.id)).toEqual([known]);

    // every subscription has its entries in the run's event-log group, with the trigger
    const events = await editor.get(`/v1/event-log?group_id=${run.id}&limit=100`);
    expect(events.status).toBe(200);
    const details = events.body.items.map((e: { detail: string }) => e.detail);
    expect(details).toContain(
      'A subscription for the address "dannenmann@relationship-manager.net" was found.',
    );
    expect(details).toContain("The first name differs — here: Emil Niklas, in the tool: Emil.");
    expect(events.body.items.every((e: { trigger: string }) => e.trigger === "user")).toBe(true);
  });

  it("a connection dropped mid-run applies nothing; the run can be repeated", async () => {
    const { listId, remoteId } = await attachedList();
    const sub = await subscribe(listId, await contact("Inga", "Herzog", "herzog@relationship-manager.net"));
    for (let i = 0; i < 30; i++)
      fake.addMember(remoteId, {
        email_address: `neu${i}-${seq}@example.org`,
        merge_fields: { FNAME: "N", LNAME: `${i}` },
      });
    fake.addMember(remoteId, {
      email_address: "herzog@relationship-manager.net",
      status: "unsubscribed",
      merge_fields: { FNAME: "Inga", LNAME: "Herzog" },
    });
    const contactsBefore = await env.rt.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    fake.dropMembersAtOffset = 20;
    // pages of 10, so the connection breaks after two pages were read and staged
    const started = await startFetch(
      { rt: env.rt, workspaceId: env.ws.id, actor: systemActor("test") },
      listId,
      {},
      { pageSize: 10 },
    );
    await settled();
    fake.dropMembersAtOffset = null;
    const r = { body: started };
    const run = (await editor.get(`/v1/lists/${listId}/sync/runs/${r.body.id}`)).body;
    expect(run.status).toBe("aborted");
    expect(run.error).toContain("nothing was applied");
    // the tool's error keeps its kind on the way to the run (an error of unknown kind reads "internal")
    expect(run.error).toContain("the fetch broke off (connection)");
    const contactsAfter = await env.rt.db
      .selectFrom("contacts")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(contactsAfter.n).toBe(contactsBefore.n);
    const m = await members(listId);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ subscription_id: sub, result: "aborted", status: { value: "subscribed" } });
    expect(await env.rt.db.selectFrom("sync_fetched_members").selectAll().execute()).toEqual([]);
    const again = await fetchList(listId);
    expect(again.status).toBe("done");
    expect(again.counts.new_contact).toBe(30);
  });

  it("an audience gone from the tool: the run is aborted with the tool's answer, nothing applied", async () => {
    const { listId, remoteId } = await attachedList();
    const sub = await subscribe(listId, await contact("Jana", "Sommer", "sommer@relationship-manager.net"));
    fake.addMember(remoteId, { email_address: `weg-${seq}@example.org` });
    fake.lists.delete(remoteId);
    const run = await fetchList(listId);
    expect(run.status).toBe("aborted");
    expect(run.error).toContain("the fetch broke off (not_found) — nothing was applied");
    expect(run.error).toMatch(/→ 404 .*could not be found/);
    const m = await members(listId);
    expect(m).toEqual([expect.objectContaining({ subscription_id: sub, result: "aborted" })]);
    expect(await env.rt.db.selectFrom("sync_fetched_members").selectAll().execute()).toEqual([]);
  });

  it("a 429 with Retry-After is waited out", async () => {
    const { listId, remoteId } = await attachedList();
    fake.addMember(remoteId, { email_address: `retry-${seq}@example.org` });
    fake.throttle(1, 1);
    const run = await fetchList(listId);
    expect(run.status).toBe("done");
    expect(run.counts.new_contact).toBe(1);
  });

  it("the API keeps answering while the tool makes a fetch wait (no transaction is held across the tool's pages)", async () => {
    const { listId, remoteId } = await attachedList();
    for (let i = 0; i < 15; i++) fake.addMember(remoteId, { email_address: `slow${i}-${seq}@example.org` });
    // The tool's first answer is a 429 asking for 2 seconds: on PGlite (one connection) a fetch that held a
    // transaction while it waits would stall every other request of the embedded server until it ended.
    fake.throttle(1, 2);
    const asked = fake.requests.length;
    const started = await editor.post(`/v1/lists/${listId}/sync/fetch`, {});
    expect(started.status).toBe(202);
    while (fake.requests.length === asked) await new Promise((ok) => setTimeout(ok, 10));
    expect((await editor.get("/v1/contacts?limit=1")).status).toBe(200);
    const during = await editor.get(`/v1/lists/${listId}/sync/runs/${started.body.id}`);
    expect(["queued", "running"]).toContain(during.body.status);
    await settled();
    const run = (await editor.get(`/v1/lists/${listId}/sync/runs/${started.body.id}`)).body;
    expect(run.status).toBe("done");
    expect(run.counts.new_contact).toBe(15);
  });
});

describe("the status rule (seed 003 §5.2 table, every row)", () => {
  const rows = [
    {
      crm: "subscribed",
      crmAt: "2020-01-01",
      tool: "unsubscribed",
      toolAt: "2020-02-05",
      result: "unsubscribed",
      conflict: false,
    },
    {
      crm: "subscribed",
      crmAt: "2020-03-20",
      tool: "unsubscribed",
      toolAt: "2020-02-05",
      result: "subscribed",
      conflict: true,
    },
    {
      crm: "unsubscribed",
      crmAt: "2020-01-01",
      tool: "subscribed",
      toolAt: "2020-02-05",
      result: "subscribed",
      conflict: false,
    },
    {
      crm: "unsubscribed",
      crmAt: "2020-03-20",
      tool: "subscribed",
      toolAt: "2020-02-05",
      result: "unsubscribed",
      conflict: true,
    },
  ] as const;
  for (const row of rows) {
    it(`here ${row.crm} (${row.crmAt}), tool ${row.tool} (${row.toolAt}) → ${row.conflict ? "conflict, no change" : row.result}`, async () => {
      const { listId, remoteId } = await attachedList();
      const email = `status-${seq}@example.org`;
      const sub = await subscribe(listId, await contact("Anna", "Status", email), row.crm);
      await env.rt.db
        .updateTable("subscriptions")
        .set({ status_set_at: new Date(`${row.crmAt}T00:00:00Z`) })
        .where("id", "=", sub)
        .execute();
      fake.addMember(remoteId, {
        email_address: email,
        status: row.tool,
        last_changed: `${row.toolAt}T00:00:00+00:00`,
        merge_fields: { FNAME: "Anna", LNAME: "Status" },
      });
      await fetchList(listId);
      const m = (await members(listId))[0];
      expect(m.status.value).toBe(row.result);
      expect(m.result).toBe(row.conflict ? "conflict" : "success");
      if (row.conflict)
        expect(m.result_detail.conflicts).toEqual([
          expect.objectContaining({ field: "status", crm: row.crm, tool: row.tool }),
        ]);
    });
  }
});

describe("duplicates (seed 003 §5.2 Dubletten-Kriterien)", () => {
  it("first and last name tell contacts with one address apart; otherwise one is taken with a warning", async () => {
    const { listId, remoteId } = await attachedList();
    await contact("Hans", "Frank", "frank@luna-aventuras.net");
    const jean = await contact("Jean", "Soleil", "frank@luna-aventuras.net");
    const first = await contact("Rosa", "Sand", "sand@genertours.example");
    await contact("Rosa", "Sand", "sand@genertours.example");
    fake.addMember(remoteId, {
      email_address: "frank@luna-aventuras.net",
      merge_fields: { FNAME: "Jean", LNAME: "Soleil" },
    });
    fake.addMember(remoteId, {
      email_address: "sand@genertours.example",
      merge_fields: { FNAME: "Rosa", LNAME: "Sand" },
    });
    const run = await fetchList(listId);
    const m = await members(listId);
    expect(m.find((x) => x.contact.email === "frank@luna-aventuras.net")?.contact.id).toBe(jean);
    const rosa = m.find((x) => x.contact.email === "sand@genertours.example");
    expect(rosa?.contact.id).toBe(first);
    expect(rosa?.result_detail.warnings?.[0]).toContain("do not tell them apart");
    const warnings = await env.rt.db
      .selectFrom("event_log")
      .select(["detail", "record_id"])
      .where("group_id", "=", run.id)
      .where("severity", "=", "warning")
      .execute();
    expect(warnings).toEqual([expect.objectContaining({ record_id: rosa?.subscription_id })]);
  });
});

describe("tasks and transmit (seed 003 §5.2, §5.3, §8.1)", () => {
  let listId: string;
  let remoteId: string;
  const subs: Record<string, string> = {};
  beforeAll(async () => {
    ({ listId, remoteId } = await attachedList());
    subs.name = await subscribe(
      listId,
      await contact("Christine", "Amadeus-Müller", "t-amadeus@example.org"),
    );
    subs.doi = await subscribe(listId, await contact("Claudia", "Hertrich", "t-hertrich@example.org"));
    subs.unsub = await subscribe(
      listId,
      await contact("Annette", "Frisch", "t-frisch@example.org"),
      "unsubscribed",
    );
    subs.del = await subscribe(listId, await contact("William", "Cash", "t-cash@example.org"));
    subs.missing = await subscribe(listId, await contact("Amélie", "Chevalier", "t-chevalier@example.org"));
    subs.rejected = await subscribe(listId, await contact("Fake", "Person", "t-fake@example.org"));
    const old = new Date("2019-05-10T00:00:00Z");
    await env.rt.db
      .updateTable("subscriptions")
      .set({ status_set_at: old })
      .where("list_id", "=", listId)
      .execute();
    const later = "2020-01-01T00:00:00+00:00";
    fake.addMember(remoteId, {
      email_address: "t-amadeus@example.org",
      merge_fields: { FNAME: "Christine", LNAME: "Amadeus" },
    });
    fake.addMember(remoteId, {
      email_address: "t-hertrich@example.org",
      status: "unsubscribed",
      last_changed: "2019-01-01T00:00:00+00:00",
      merge_fields: { FNAME: "Claudia", LNAME: "Hertrich" },
    });
    fake.addMember(remoteId, {
      email_address: "t-frisch@example.org",
      status: "subscribed",
      last_changed: "2019-01-01T00:00:00+00:00",
      merge_fields: { FNAME: "Annette", LNAME: "Frisch" },
    });
    fake.addMember(remoteId, {
      email_address: "t-cash@example.org",
      last_changed: later,
      merge_fields: { FNAME: "William", LNAME: "Cash" },
    });
    await fetchList(listId);
  });

  it("offers only the tasks that make sense and refuses the others", async () => {
    const m = await byEmail(listId);
    expect(m.get("t-amadeus@example.org")?.offered_tasks).toEqual(["update_name", "unsubscribe", "delete"]);
    expect(m.get("t-hertrich@example.org")?.offered_tasks).toEqual(["transmit", "subscribe", "delete"]);
    expect(m.get("t-chevalier@example.org")?.offered_tasks).toEqual(["transmit", "subscribe"]);
    const refused = await setTask(listId, subs.missing, "delete");
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.offered_tasks).toEqual(["transmit", "subscribe"]);
    expect(
      (await viewer.put(`/v1/lists/${listId}/sync/members/${subs.missing}/task`, { task: "transmit" }))
        .status,
    ).toBe(403);
    expect((await setTask(listId, "sub_unknown", "transmit")).status).toBe(404);
  });

  it("transmits each task, records each result, and removes a deleted subscription", async () => {
    expect((await setTask(listId, subs.name, "update_name")).status).toBe(200);
    expect((await setTask(listId, subs.doi, "subscribe")).status).toBe(200);
    expect((await setTask(listId, subs.unsub, "unsubscribe")).status).toBe(200);
    const del = await setTask(listId, subs.del, "delete");
    expect(del.body.warning).toContain("archives");
    const marked = await editor.post(`/v1/lists/${listId}/sync/mark-for-transmission`, {});
    expect(marked.body).toEqual({ marked: 2 });
    fake.reject.add("t-fake@example.org");
    const review = (await editor.get(`/v1/lists/${listId}/sync/review`)).body;
    expect(review.tasks).toMatchObject({
      transmit: 2,
      update_name: 1,
      subscribe: 1,
      unsubscribe: 1,
      delete: 1,
    });
    expect(review.warnings.join(" ")).toContain("archives");

    const run = await transmit(listId);
    expect(run).toMatchObject({ status: "done", counts: { ok: 5, error: 1, blocklisted: 0 } });
    expect(fake.member(remoteId, "t-amadeus@example.org")?.merge_fields.LNAME).toBe("Amadeus-Müller");
    expect(fake.member(remoteId, "t-hertrich@example.org")?.status).toBe("pending");
    expect(fake.member(remoteId, "t-frisch@example.org")?.status).toBe("unsubscribed");
    expect(fake.member(remoteId, "t-cash@example.org")?.status).toBe("archived");
    expect(fake.member(remoteId, "t-chevalier@example.org")?.status).toBe("subscribed");
    expect(fake.member(remoteId, "t-fake@example.org")).toBeUndefined();
    const m = await byEmail(listId);
    expect(m.has("t-cash@example.org")).toBe(false);
    expect(m.get("t-hertrich@example.org")?.status.value).toBe("pending");
    expect(m.get("t-fake@example.org")).toMatchObject({ task: "transmit", transmit: { outcome: "error" } });
    expect((await members(listId, "transmit_errors")).map((x) => x.subscription_id)).toEqual([subs.rejected]);
    fake.reject.delete("t-fake@example.org");
  });

  it("a fetch warns before it clears tasks not yet transmitted", async () => {
    const r = await editor.post(`/v1/lists/${listId}/sync/fetch`, {});
    expect(r.status).toBe(409);
    expect(r.body.error.details.untransmitted_tasks).toBe(1);
    const run = await fetchList(listId, true);
    expect(run.status).toBe("done");
    expect((await members(listId, "with_task")).length).toBe(0);
  });
});

describe("idempotence", () => {
  it("fetch → transmit → fetch on an unchanged pair of lists yields only success", async () => {
    const { listId, remoteId } = await attachedList();
    for (let i = 0; i < 25; i++)
      await subscribe(listId, await contact(`Vor${i}`, `Nach${i}`, `idem${i}-${seq}@example.org`));
    for (let i = 0; i < 5; i++)
      fake.addMember(remoteId, {
        email_address: `tool${i}-${seq}@example.org`,
        merge_fields: { FNAME: `T${i}`, LNAME: "Tool" },
      });
    const first = await fetchList(listId);
    expect(first.counts).toMatchObject({ not_in_tool: 25, new_contact: 5 });
    await editor.post(`/v1/lists/${listId}/sync/mark-for-transmission`, {});
    expect((await transmit(listId)).counts.ok).toBe(25);
    const second = await fetchList(listId);
    expect(second.counts).toMatchObject({
      success: 30,
      conflict: 0,
      new_in_list: 0,
      new_contact: 0,
      not_in_tool: 0,
    });
    const third = await fetchList(listId);
    expect(third.counts).toMatchObject({
      success: 30,
      conflict: 0,
      new_in_list: 0,
      new_contact: 0,
      not_in_tool: 0,
    });
  });

  it("a repeat fetch finding members unchanged stamps their sync state with the run; a change is written whole", async () => {
    const { listId, remoteId } = await attachedList();
    for (let i = 0; i < 6; i++)
      fake.addMember(remoteId, {
        email_address: `same${i}-${seq}@example.org`,
        merge_fields: { FNAME: `S${i}`, LNAME: "Gleich" },
      });
    const state = () =>
      env.rt.db
        .selectFrom("subscription_sync")
        .selectAll()
        .where("list_id", "=", listId)
        .orderBy("subscription_id")
        .execute();
    const withoutStamp = (rows: Awaited<ReturnType<typeof state>>) =>
      rows.map(({ result_at: _a, result_run_id: _r, updated_at: _u, ...rest }) => rest);
    expect((await fetchList(listId)).counts).toMatchObject({ new_contact: 6 });
    await fetchList(listId);
    const before = await state();
    env.setNow(new Date(Date.now() + 3_600_000));
    try {
      const again = await fetchList(listId);
      expect(again.counts).toMatchObject({ success: 6, conflict: 0 });
      const after = await state();
      expect(after).toHaveLength(6);
      expect(withoutStamp(after)).toEqual(withoutStamp(before));
      for (const r of after) {
        expect(r.result_run_id).toBe(again.id);
        expect(new Date(r.result_at!).getTime()).toBeGreaterThan(new Date(before[0].result_at!).getTime());
      }
      // Renamed in the tool: a conflict, its remote name and detail written; and again on the next fetch.
      fake.member(remoteId, `same0-${seq}@example.org`)!.merge_fields.FNAME = "Umbenannt";
      for (let i = 0; i < 2; i++) {
        const renamed = await fetchList(listId);
        expect(renamed.counts).toMatchObject({ success: 5, conflict: 1 });
        const conflicted = (await state()).filter((r) => r.result === "conflict");
        expect(conflicted).toHaveLength(1);
        expect(conflicted[0]).toMatchObject({ remote_first_name: "Umbenannt", result_run_id: renamed.id });
        expect(JSON.stringify(conflicted[0].result_detail)).toContain("Umbenannt");
      }
    } finally {
      env.setNow(null);
    }
  });
});

describe("a decided task the subscription outgrew before the transmit", () => {
  it("'transmit member' is not carried out once the subscription here is no longer subscribed", async () => {
    const { listId, remoteId } = await attachedList();
    const email = `leser-${seq}@example.org`;
    const sub = await subscribe(listId, await contact("Klaus", "Leser", email));
    expect((await fetchList(listId)).counts).toMatchObject({ not_in_tool: 1 });
    expect((await editor.post(`/v1/lists/${listId}/sync/mark-for-transmission`, {})).body).toEqual({
      marked: 1,
    });
    // the person unsubscribes here after the decision (e.g. through the unsubscribe link)
    const unsub = await editor.patch(`/v1/lists/${listId}/subscriptions/${sub}`, { status: "unsubscribed" });
    expect(unsub.status).toBe(200);
    const review = (await editor.get(`/v1/lists/${listId}/sync/review`)).body;
    expect(review.warnings.join(" ")).toContain("no longer subscribed here");

    const run = await transmit(listId);
    expect(run.counts).toMatchObject({ ok: 0, error: 1 });
    expect(fake.member(remoteId, email)).toBeUndefined();
    const [m] = await members(listId);
    expect(m).toMatchObject({ subscription_id: sub, status: { value: "unsubscribed" }, task: null });
    expect(m.transmit).toMatchObject({ outcome: "error" });
    expect(m.transmit?.error).toContain("unsubscribed");
    expect(m.offered_tasks).not.toContain("transmit");
  });
});

describe("a transmit the tool breaks off (seed 003 §5.2 'Abgleich abgebrochen')", () => {
  it("records what the tool carried out before it broke off; only the rest stays decided", async () => {
    const { listId, remoteId } = await attachedList();
    const people = [
      ["Jochen", "Bartlau", `bartlau-${seq}@example.org`],
      ["Brita", "Dannenmann", `dannenmann-${seq}@example.org`],
      ["Gerda", "Heinze", `heinze-${seq}@example.org`],
    ] as const;
    const subs: string[] = [];
    for (const [first, last, email] of people) {
      subs.push(await subscribe(listId, await contact(first, last, email)));
      fake.addMember(remoteId, { email_address: email, merge_fields: { FNAME: first, LNAME: last } });
    }
    expect((await fetchList(listId)).counts).toMatchObject({ success: 3 });
    for (const sub of subs.slice(0, 2)) expect((await setTask(listId, sub, "delete")).status).toBe(200);
    const heinze = (await members(listId)).find((m) => m.subscription_id === subs[2]);
    expect(
      (await editor.patch(`/v1/contacts/${heinze?.contact.id}`, { first_name: "Gerda Maria" })).status,
    ).toBe(200);
    expect((await setTask(listId, subs[2], "update_name")).status).toBe(200);

    // Mailchimp carries out the first delete, then answers 503 (a write is never repeated after a 5xx)
    fake.failNext(5, 503, 1);
    const broken = await transmit(listId);
    fake.failNext(0);
    expect(broken).toMatchObject({ status: "aborted", counts: { ok: 1, error: 2 } });
    expect(fake.member(remoteId, people[0][2])?.status).toBe("archived");
    let m = new Map((await members(listId)).map((x) => [x.subscription_id, x]));
    expect(m.has(subs[0])).toBe(false);
    expect(m.get(subs[1])).toMatchObject({ task: "delete", transmit: { outcome: "error" } });
    expect(m.get(subs[2])).toMatchObject({ task: "update_name", transmit: { outcome: "error" } });

    const again = await transmit(listId);
    expect(again).toMatchObject({ status: "done", counts: { ok: 2, error: 0 } });
    expect(fake.member(remoteId, people[1][2])?.status).toBe("archived");
    expect(fake.member(remoteId, people[2][2])?.merge_fields.FNAME).toBe("Gerda Maria");
    m = new Map((await members(listId)).map((x) => [x.subscription_id, x]));
    expect([...m.keys()]).toEqual([subs[2]]);
    expect((await fetchList(listId)).counts).toMatchObject({
      success: 1,
      not_in_tool: 0,
      new_in_list: 0,
      new_contact: 0,
      conflict: 0,
    });
  });
});

describe("blocklist (seed 003 §5.3 Sonderfall Sperrliste)", () => {
  beforeEach(() => fake.reject.clear());
  afterEach(() => fake.reject.clear());
  it("a blocklisted address is never transmitted: warning and filter", async () => {
    const { listId, remoteId } = await attachedList();
    const sub = await subscribe(listId, await contact("Oliver", "Schilling", `blocked-${seq}@example.org`));
    await fetchList(listId);
    await setTask(listId, sub, "transmit");
    expect(
      (
        await admin.post("/v1/blocklist", {
          address: `blocked-${seq}@example.org`,
          reason: "DSGVO Widerspruch",
        })
      ).status,
    ).toBe(201);
    expect((await editor.get(`/v1/lists/${listId}/sync/review`)).body.will_not_transmit_blocklisted).toBe(1);
    const run = await transmit(listId);
    expect(run.counts).toMatchObject({ ok: 0, blocklisted: 1 });
    expect(fake.member(remoteId, `blocked-${seq}@example.org`)).toBeUndefined();
    expect((await members(listId, "blocklisted_not_transmitted")).map((m) => m.subscription_id)).toEqual([
      sub,
    ]);
    expect((await members(listId, "blocklisted")).map((m) => m.subscription_id)).toEqual([sub]);
  });

  it("the saved filter 'bounces' also counts a subscription whose address is blocklisted because of a bounce (seed 003 §5.4)", async () => {
    const { listId } = await attachedList();
    const addr = (name: string) => `${name}-${seq}@example.org`;
    const subs = {
      hard: await subscribe(listId, await contact("Hanna", "Hart", addr("hard"))),
      soft: await subscribe(listId, await contact("Sören", "Weich", addr("soft"))),
      tool: await subscribe(listId, await contact("Tina", "Tool", addr("tool"))),
      manual: await subscribe(listId, await contact("Max", "Hand", addr("manual"))),
      lifted: await subscribe(listId, await contact("Lia", "Frei", addr("lifted"))),
      clean: await subscribe(listId, await contact("Carl", "Sauber", addr("clean"))),
    };
    await fetchList(listId);
    const block = (name: string, source: string) =>
      blockAddress(env.rt.db, env.rt, env.ws.id, {
        kind: "email",
        address: addr(name).toUpperCase(),
        reason: `${source} in a test`,
        source,
        actor: systemActor("test"),
      });
    await block("hard", "hard_bounce");
    await block("soft", "repeated_soft_bounces");
    await block("tool", "email_tool");
    await block("manual", "manual");
    const lifted = await block("lifted", "hard_bounce");
    expect((await admin.delete(`/v1/blocklist/${lifted.entry.id}`)).status).toBe(200);

    const all = await members(listId);
    // Their own status is no bounce status: only the blocklist marks them as bouncing.
    expect(new Set(all.map((m) => m.status.value))).toEqual(new Set(["subscribed"]));
    expect(new Set((await members(listId, "bounces")).map((m) => m.subscription_id))).toEqual(
      new Set([subs.hard, subs.soft, subs.tool]),
    );
    // Blocked for another reason (here: by hand) is the other filter's, not a bounce.
    expect(new Set((await members(listId, "blocklisted")).map((m) => m.subscription_id))).toEqual(
      new Set([subs.hard, subs.soft, subs.tool, subs.manual]),
    );
  });
});

describe("no manual repair (issue 6 item 6, seed 003 §8.1, §8.2, §9)", () => {
  async function inStep(first: string, last: string, email: string) {
    const { listId, remoteId } = await attachedList();
    const contactId = await contact(first, last, email);
    const sub = await subscribe(listId, contactId);
    fake.addMember(remoteId, { email_address: email, merge_fields: { FNAME: first, LNAME: last } });
    expect((await fetchList(listId)).counts).toMatchObject({ success: 1 });
    return { listId, remoteId, contactId, sub };
  }
  const countContacts = async (last: string) =>
    (
      await env.rt.db
        .selectFrom("contacts")
        .select("id")
        .where("workspace_id", "=", env.ws.id)
        .where("last_name", "=", last)
        .execute()
    ).length;

  it("scenario A: the address changed here — the tool follows on the next transmit, no duplicate", async () => {
    const { listId, remoteId, contactId, sub } = await inStep(
      "Christine",
      "AmadeusA",
      `amadeus-a-${seq}@relationship-manager.net`,
    );
    const newEmail = `Christine-${seq}@ProviderXYZ.net`;
    expect((await editor.patch(`/v1/contacts/${contactId}`, { emails: [newEmail] })).status).toBe(200);
    let m = (await members(listId))[0];
    expect(m).toMatchObject({ subscription_id: sub, task: "change_email", task_reason: "email_changed" });
    // a fetch in between neither creates the old address as a new contact nor needs a confirmation
    const between = await fetchList(listId);
    expect(between.counts).toMatchObject({ success: 1, new_contact: 0, not_in_tool: 0 });
    expect((await members(listId))[0].task).toBe("change_email");
    expect((await transmit(listId)).counts.ok).toBe(1);
    expect(fake.member(remoteId, newEmail)?.merge_fields.FNAME).toBe("Christine");
    const after = await fetchList(listId);
    expect(after.counts).toMatchObject({ success: 1, new_contact: 0, not_in_tool: 0, conflict: 0 });
    m = (await members(listId))[0];
    expect(m).toMatchObject({ subscription_id: sub, result: "success", task: null });
    expect(await countContacts("AmadeusA")).toBe(1);
  });

  it("scenario B: the address changed in the tool — followed here, no duplicate", async () => {
    const oldEmail = `amadeus-b-${seq}@relationship-manager.net`;
    const { listId, remoteId, contactId, sub } = await inStep("Christine", "AmadeusB", oldEmail);
    const member = fake.member(remoteId, oldEmail);
    if (!member) throw new Error("member missing");
    const list = fake.lists.get(remoteId);
    list?.members.delete(member.id);
    member.email_address = `christine-b-${seq}@providerxyz.net`;
    member.id = "renamed";
    list?.members.set(member.id, member);
    const run = await fetchList(listId);
    expect(run.counts).toMatchObject({ success: 1, new_contact: 0, not_in_tool: 0 });
    const m = (await members(listId))[0];
    expect(m).toMatchObject({ subscription_id: sub, result: "success" });
    expect(m.result_detail.notes?.[0]).toContain("followed here");
    const c = await editor.get(`/v1/contacts/${contactId}`);
    expect(c.body.emails).toEqual([`christine-b-${seq}@providerxyz.net`]);
    expect(await countContacts("AmadeusB")).toBe(1);
    expect((await fetchList(listId)).counts).toMatchObject({ success: 1, new_contact: 0, not_in_tool: 0 });
  });

  it("blocking an address proposes 'set unsubscribed', which is transmitted", async () => {
    const email = `sperre-${seq}@example.org`;
    const { listId, remoteId, sub } = await inStep("Waltraud", "Scholz", email);
    expect((await admin.post("/v1/blocklist", { address: email, reason: "Widerspruch" })).status).toBe(201);
    const m = (await members(listId))[0];
    expect(m).toMatchObject({ subscription_id: sub, task: "unsubscribe", task_reason: "blocklisted" });
    const run = await transmit(listId);
    expect(run.counts).toMatchObject({ ok: 1, blocklisted: 0 });
    expect(fake.member(remoteId, email)?.status).toBe("unsubscribed");
    expect((await members(listId))[0].status.value).toBe("unsubscribed");
    expect((await fetchList(listId)).counts).toMatchObject({ success: 1 });
  });

  it("deleting one subscription the tool knows first asks: delete the member there too, or here only (§8.1)", async () => {
    const gone = async (listId: string, sub: string) =>
      (await editor.get(`/v1/lists/${listId}/subscriptions?limit=500`)).body.items.every(
        (s: { id: string }) => s.id !== sub,
      );
    const ea = `eggstein-${seq}@example.org`;
    const a = await inStep("Björn", "Eggstein", ea);
    const asked = await editor.delete(`/v1/lists/${a.listId}/subscriptions/${a.sub}`);
    expect(asked.status).toBe(409);
    expect(asked.body.error.details.options).toEqual(["delete", "keep"]);
    expect(asked.body.error.details.linked_members).toEqual([
      { list_id: a.listId, subscription_id: a.sub, email: ea },
    ]);
    expect(asked.body.error.details.delete_in_tool).toContain("archives");
    expect(asked.body.error.message).toContain("unsubscribe");
    expect(await gone(a.listId, a.sub)).toBe(false);
    expect(fake.member(a.remoteId, ea)?.status).toBe("subscribed");

    // delete there too: the member is archived in the tool first, and the next fetch finds both sides clean
    const deleted = await editor.delete(`/v1/lists/${a.listId}/subscriptions/${a.sub}?linked_members=delete`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: a.sub, deleted: true, member_in_tool: "archived" });
    expect(fake.member(a.remoteId, ea)?.status).toBe("archived");
    expect(await gone(a.listId, a.sub)).toBe(true);
    expect((await fetchList(a.listId)).counts).toMatchObject({ new_in_list: 0, new_contact: 0 });
    expect(await gone(a.listId, a.sub)).toBe(true);
    expect(
      (await members(a.listId)).filter((m) => m.contact.email === ea && m.status.value === "subscribed"),
    ).toEqual([]);

    // a tool that fails stops the deletion: nothing half done
    const eb = `frisch-${seq}@example.org`;
    const b = await inStep("Annette", "Frisch", eb);
    fake.failNext(10, 503);
    const failed = await editor.delete(`/v1/lists/${b.listId}/subscriptions/${b.sub}?linked_members=delete`);
    fake.failNext(0);
    expect(failed.status).toBe(409);
    expect(await gone(b.listId, b.sub)).toBe(false);
    expect(fake.member(b.remoteId, eb)?.status).toBe("subscribed");

    // here only: the tool keeps the member, and the next fetch shows it as new in list (the seed's warning)
    const kept = await editor.delete(`/v1/lists/${b.listId}/subscriptions/${b.sub}?linked_members=keep`);
    expect(kept.status).toBe(200);
    expect(kept.body).toEqual({ id: b.sub, deleted: true });
    expect(fake.member(b.remoteId, eb)?.status).toBe("subscribed");
    expect((await fetchList(b.listId)).counts).toMatchObject({ new_in_list: 1 });

    // a subscription the tool does not know is deleted without asking
    const c = await contact("Hans", "Frank", `frank-${seq}@example.org`);
    const cSub = await subscribe(b.listId, c);
    expect((await editor.delete(`/v1/lists/${b.listId}/subscriptions/${cSub}`)).status).toBe(200);
    expect(await gone(b.listId, cSub)).toBe(true);
  });

  it("deleting one subscription in listmonk takes the subscriber off that list only (§8.1)", async () => {
    const lm = new FakeListmonk();
    const base = await lm.start();
    try {
      const c = await admin.post("/v1/email-tools", {
        name: "listmonk",
        tool: "listmonk",
        base_url: base,
        credentials: { username: lm.user, token: lm.token },
      });
      expect(c.status).toBe(201);
      const listId = await newList();
      const remote = lm.addList({ name: "Newsletter" });
      const other = lm.addList({ name: "Other" });
      const link = { mode: "attach", connection_id: c.body.id, remote_list_id: String(remote.id) };
      expect((await editor.post(`/v1/lists/${listId}/link`, link)).status).toBe(201);
      const email = `fouquet-${seq}@example.org`;
      const sub = await subscribe(listId, await contact("Antoine", "Fouquet", email));
      lm.addSubscriber({
        email,
        name: "Antoine Fouquet",
        lists: { [remote.id]: "confirmed", [other.id]: "confirmed" },
      });
      expect((await fetchList(listId)).counts).toMatchObject({ success: 1 });
      const asked = await editor.delete(`/v1/lists/${listId}/subscriptions/${sub}`);
      expect(asked.status).toBe(409);
      expect(asked.body.error.details.delete_in_tool).toContain("this list only");
      const deleted = await editor.delete(`/v1/lists/${listId}/subscriptions/${sub}?linked_members=delete`);
      expect(deleted.body).toEqual({ id: sub, deleted: true, member_in_tool: "deleted" });
      const s = lm.subscriberByEmail(email);
      expect(s?.lists.has(remote.id)).toBe(false);
      expect(s?.lists.has(other.id)).toBe(true);
    } finally {
      await lm.close();
    }
  });

  it("deleting a contact the tool knows first offers to unsubscribe or delete the member there", async () => {
    const ea = `magulski-${seq}@example.org`;
    const eb = `florian-${seq}@example.org`;
    const ec = `koerdel-${seq}@example.org`;
    const a = await inStep("Peter", "Magulski", ea);
    const asked = await editor.delete(`/v1/contacts/${a.contactId}`);
    expect(asked.status).toBe(409);
    expect(asked.body.error.details.options).toEqual(["unsubscribe", "delete", "keep"]);
    expect(asked.body.error.details.linked_members).toEqual([expect.objectContaining({ list_id: a.listId })]);
    expect((await editor.delete(`/v1/contacts/${a.contactId}?linked_members=unsubscribe`)).status).toBe(204);
    expect(fake.member(a.remoteId, ea)?.status).toBe("unsubscribed");

    const b = await inStep("Birgit", "Florian", eb);
    expect((await editor.delete(`/v1/contacts/${b.contactId}?linked_members=delete`)).status).toBe(204);
    expect(fake.member(b.remoteId, eb)?.status).toBe("archived");
    expect((await fetchList(b.listId)).counts).toMatchObject({ new_contact: 0, success: 0 });

    const c = await inStep("Klaus", "Kördel", ec);
    fake.failNext(10, 503);
    const failed = await editor.delete(`/v1/contacts/${c.contactId}?linked_members=delete`);
    fake.failNext(0);
    expect(failed.status).toBe(409);
    expect((await editor.get(`/v1/contacts/${c.contactId}`)).status).toBe(200);
    expect((await editor.delete(`/v1/contacts/${c.contactId}?linked_members=keep`)).status).toBe(204);
    expect(fake.member(c.remoteId, ec)?.status).toBe("subscribed");
  });
});
