// Poststelle registers its live-changes URL in Mailchimp itself (POST /lists/{id}/webhooks) and removes the
// registration again; when Mailchimp cannot reach the URL, or the public URL is not configured, the answer
// says so instead of pretending. Against the Mailchimp contract fake, which checks the URL with a GET first.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeMailchimp, startFakeMailchimp } from "../../../test/fakes/mailchimp.js";
import { api, connectMailchimp, createTestEnv, type TestEnv } from "../../../test/harness.js";
import { publicUrlUnknown } from "./registration.js";

let env: TestEnv;
let fake: FakeMailchimp;
let admin: ReturnType<typeof api>;
let connectionId: string;
let reachable: string;
const derivedDefault = "http://127.0.0.1:8025";

beforeAll(async () => {
  env = await createTestEnv();
  fake = await startFakeMailchimp();
  admin = api(env.app, env.ws.admin);
  connectionId = await connectMailchimp(admin, fake);
  // Mailchimp must be able to call Poststelle: the app listens on loopback, as the public URL.
  await env.app.listen({ port: 0, host: "127.0.0.1" });
  reachable = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await fake.close();
  await env?.close();
});

async function linkedList() {
  const l = await admin.post("/v1/lists", { name: `Newsletter ${Math.random()}` });
  const remote = fake.addList("Audience");
  const r = await admin.post(`/v1/lists/${l.body.id}/link`, {
    mode: "attach",
    connection_id: connectionId,
    remote_list_id: remote.id,
  });
  expect(r.status).toBe(201);
  return { listId: l.body.id as string, remote: fake.lists.get(remote.id)! };
}

const webhookPosts = () => fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/webhooks"));

describe("registering the webhook in Mailchimp", () => {
  it("registers the URL with every event and source, replaces it on renewal, and removes it on delete", async () => {
    env.rt.config.publicUrl = reachable;
    const { listId, remote } = await linkedList();
    const first = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ registered_in_tool: true, problem: null });
    const hook = remote.webhooks.get(first.body.remote_webhook_id);
    expect(hook?.url).toBe(first.body.url);
    expect(hook?.url.startsWith(`${reachable}/v1/webhooks/mailchimp/`)).toBe(true);
    expect(hook?.events).toEqual({
      subscribe: true,
      unsubscribe: true,
      profile: true,
      cleaned: true,
      upemail: true,
      campaign: true,
    });
    expect(hook?.sources).toEqual({ user: true, admin: true, api: true });

    const second = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(second.body).toMatchObject({ registered_in_tool: true, earlier_registration_problem: null });
    expect([...remote.webhooks.keys()]).toEqual([second.body.remote_webhook_id]);

    const gone = await admin.delete(`/v1/lists/${listId}/webhook`);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ deleted: true, unregistered_in_tool: true, problem: null });
    expect(remote.webhooks.size).toBe(0);
  });

  it("deleting the linked list (seed 003 §8.3) asks first, keeps the audience and removes the registration", async () => {
    env.rt.config.publicUrl = reachable;
    const { listId, remote } = await linkedList();
    const c = await admin.post("/v1/contacts", {
      first_name: "Inga",
      emails: [`herzog-${Math.random()}@example.org`],
    });
    expect((await admin.post(`/v1/lists/${listId}/subscriptions`, { contact_id: c.body.id })).status).toBe(
      201,
    );
    const mailing = await admin.post("/v1/mailings", { list_id: listId, name: "Mai" });
    expect(mailing.status).toBe(201);
    const hook = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(hook.body).toMatchObject({ registered_in_tool: true });

    const asked = await admin.delete(`/v1/lists/${listId}`);
    expect(asked.status).toBe(409);
    expect(asked.body.error.message).toContain("does not delete that list in Mailchimp");
    expect(asked.body.error.details).toMatchObject({
      tool: "mailchimp",
      remote_list_id: remote.id,
      subscriptions: 1,
      mailings: 1,
    });
    expect((await admin.get(`/v1/lists/${listId}`)).status).toBe(200);
    expect(remote.webhooks.size).toBe(1);

    const deleted = await admin.delete(`/v1/lists/${listId}?confirm=true`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      deleted: true,
      subscriptions_removed: 1,
      tool_list_kept: { tool: "mailchimp", remote_list_id: remote.id },
      webhook: { unregistered_in_tool: true, problem: null },
    });
    expect(fake.lists.has(remote.id)).toBe(true);
    expect(remote.webhooks.size).toBe(0);
    expect((await admin.get(`/v1/lists/${listId}`)).status).toBe(404);
    expect((await admin.get(`/v1/mailings/${mailing.body.id}`)).body.list_id).toBeNull();

    // a list without a link is deleted as before, without being asked
    const plain = await admin.post("/v1/lists", { name: `Plain ${Math.random()}` });
    expect((await admin.delete(`/v1/lists/${plain.body.id}`)).status).toBe(200);
  });

  it("choosing another audience or detaching removes the registration on the old audience", async () => {
    env.rt.config.publicUrl = reachable;
    const { listId, remote } = await linkedList();
    expect((await admin.post(`/v1/lists/${listId}/webhook`)).body).toMatchObject({
      registered_in_tool: true,
    });
    const other = fake.addList("Other audience");
    const moved = await admin.put(`/v1/lists/${listId}/link/remote`, {
      remote_list_id: other.id,
      how: "chosen",
      confirm: true,
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.webhook).toMatchObject({ unregistered_in_tool: true, problem: null });
    expect(moved.body.webhook.note).toContain(`/v1/lists/${listId}/webhook`);
    expect(remote.webhooks.size).toBe(0);
    expect((await admin.delete(`/v1/lists/${listId}/webhook`)).status).toBe(404);

    const again = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(again.body).toMatchObject({ registered_in_tool: true });
    const otherRemote = fake.lists.get(other.id);
    expect(otherRemote?.webhooks.size).toBe(1);
    const detached = await admin.post(`/v1/lists/${listId}/link/detach`, { confirm: true });
    expect(detached.status).toBe(200);
    expect(detached.body.webhook).toMatchObject({ unregistered_in_tool: true, problem: null });
    expect(otherRemote?.webhooks.size).toBe(0);
    const call = await fetch(again.body.url, { method: "GET" });
    expect(call.status).toBe(404);
  });

  it("says plainly when the public URL is not configured, and does not ask Mailchimp", async () => {
    env.rt.config.publicUrl = derivedDefault;
    expect(publicUrlUnknown(env.rt.config)).toBe(true);
    const { listId, remote } = await linkedList();
    const before = webhookPosts().length;
    const r = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(r.status).toBe(201);
    expect(r.body.registered_in_tool).toBe(false);
    expect(r.body.problem).toContain("POSTSTELLE_PUBLIC_URL is not set");
    expect(r.body.note).toContain("NOT registered");
    expect(webhookPosts().length).toBe(before);
    expect(remote.webhooks.size).toBe(0);
    const row = await env.rt.db
      .selectFrom("tool_webhooks")
      .selectAll()
      .where("list_id", "=", listId)
      .executeTakeFirstOrThrow();
    expect(row.remote_webhook_id).toBeNull();
    expect(row.registration_problem).toContain("POSTSTELLE_PUBLIC_URL");
  });

  it("passes on Mailchimp's refusal when it cannot reach the URL", async () => {
    env.rt.config.publicUrl = "http://127.0.0.1:9";
    expect(publicUrlUnknown(env.rt.config)).toBe(false);
    const { listId, remote } = await linkedList();
    const r = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(r.status).toBe(201);
    expect(r.body.registered_in_tool).toBe(false);
    expect(r.body.problem).toContain("couldn't verify the URL is working");
    expect(r.body.problem).toContain("http://127.0.0.1:9 (POSTSTELLE_PUBLIC_URL)");
    expect(remote.webhooks.size).toBe(0);
  });

  it("a registration Mailchimp cannot remove is reported, and the URL is refused here anyway", async () => {
    env.rt.config.publicUrl = reachable;
    const { listId, remote } = await linkedList();
    const created = await admin.post(`/v1/lists/${listId}/webhook`);
    expect(created.body.registered_in_tool).toBe(true);
    fake.failNext(1, 503);
    const gone = await admin.delete(`/v1/lists/${listId}/webhook`);
    fake.failNext(0);
    expect(gone.status).toBe(200);
    expect(gone.body.unregistered_in_tool).toBe(false);
    expect(gone.body.problem).toContain("delete it in Mailchimp");
    expect(remote.webhooks.size).toBe(1);
    const validation = await api(env.app).get(new URL(created.body.url).pathname);
    expect(validation.status).toBe(404);
  });

  it("only admins register, and a list without a link is a 409", async () => {
    env.rt.config.publicUrl = reachable;
    const { listId } = await linkedList();
    expect((await api(env.app, env.ws.editor).post(`/v1/lists/${listId}/webhook`)).status).toBe(403);
    const plain = await admin.post("/v1/lists", { name: "Ohne Tool" });
    expect((await admin.post(`/v1/lists/${plain.body.id}/webhook`)).status).toBe(409);
  });
});
