// A list linked to an e-mail tool (seed 003 §4.3): its sender and reply-to belong to the tool from then on,
// and the sync members listing filters by reactions like the plain subscriptions listing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeMailchimp, startFakeMailchimp } from "../../test/fakes/mailchimp.js";
import { api, connectMailchimp, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";

let env: TestEnv;
let fake: FakeMailchimp;
let admin: ReturnType<typeof api>;
let editor: ReturnType<typeof api>;
let connectionId: string;

beforeAll(async () => {
  env = await createTestEnv();
  fake = await startFakeMailchimp();
  admin = api(env.app, env.ws.admin);
  editor = api(env.app, env.ws.editor);
  connectionId = await connectMailchimp(admin, fake, "Mailchimp Pfote");
});
afterAll(async () => {
  await fake.close();
  await env?.close();
});

const sender = {
  sender_name: "Pfote",
  sender_email: "info@pfote.example",
  reply_to: "antwort@pfote.example",
};

async function linkedList() {
  const l = await editor.post("/v1/lists", { name: `Newsletter ${newId("n")}`, ...sender });
  expect(l.status).toBe(201);
  const remote = fake.addList("Audience");
  const r = await editor.post(`/v1/lists/${l.body.id}/link`, {
    mode: "attach",
    connection_id: connectionId,
    remote_list_id: remote.id,
  });
  expect(r.status).toBe(201);
  return l.body.id as string;
}

const activityCount = async (listId: string) =>
  (
    await env.rt.db
      .selectFrom("activities")
      .select("id")
      .where("kind", "=", "list")
      .where("record_id", "=", listId)
      .execute()
  ).length;

describe("PATCH /v1/lists/{id} on a list linked to a tool", () => {
  it("refuses sender name, sender address and reply-to changes with where to change them, changing nothing", async () => {
    const listId = await linkedList();
    const before = (await editor.get(`/v1/lists/${listId}`)).body;
    const activities = await activityCount(listId);
    for (const change of [
      { sender_name: "Hundeschule" },
      { sender_email: "neu@pfote.example" },
      { reply_to: null },
      { name: "Umbenannt", sender_name: "Hundeschule" },
    ]) {
      const r = await editor.patch(`/v1/lists/${listId}`, change);
      expect(r.status, JSON.stringify(change)).toBe(409);
      expect(r.body.error.message).toContain("linked to Mailchimp");
      expect(r.body.error.message).toContain("Audience → Settings");
      expect(r.body.error.message).toContain(`/v1/lists/${listId}/link/detach`);
      expect(r.body.error.details.fields).toEqual(Object.keys(change).filter((k) => k !== "name"));
    }
    expect((await editor.get(`/v1/lists/${listId}`)).body).toEqual(before);
    expect(await activityCount(listId)).toBe(activities);
  });

  it("lets other fields and unchanged sender values through", async () => {
    const listId = await linkedList();
    const r = await editor.patch(`/v1/lists/${listId}`, { name: "Neuer Name", ...sender });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "Neuer Name", ...sender });
  });

  it("an unlinked or detached list changes its sender as before", async () => {
    const plain = await editor.post("/v1/lists", { name: "Ohne Tool", ...sender });
    expect((await editor.patch(`/v1/lists/${plain.body.id}`, { sender_name: "Neu" })).status).toBe(200);
    const listId = await linkedList();
    expect((await editor.post(`/v1/lists/${listId}/link/detach`, { confirm: true })).status).toBeLessThan(
      300,
    );
    const r = await editor.patch(`/v1/lists/${listId}`, { sender_name: "Wieder hier" });
    expect(r.status).toBe(200);
    expect(r.body.sender_name).toBe("Wieder hier");
  });
});

describe("GET /v1/lists/{id}/sync/members reaction filters", () => {
  it("filters opened / clicked / not opened from the tool mailing's fetched reactions", async () => {
    const listId = await linkedList();
    const people = [] as { id: string; email: string; first: string }[];
    for (const first of ["Amadeus", "Bartlau", "Cash"]) {
      const email = `${first.toLowerCase()}@relationship-manager.net`;
      const c = await editor.post("/v1/contacts", {
        first_name: first,
        last_name: "Muster",
        emails: [email],
      });
      expect(c.status).toBe(201);
      const s = await editor.post(`/v1/lists/${listId}/subscriptions`, { contact_id: c.body.id });
      expect(s.status).toBe(201);
      people.push({ id: c.body.id, email, first });
    }
    const mailing = newId("mlg");
    await env.rt.db
      .insertInto("mailings")
      .values({
        id: mailing,
        workspace_id: env.ws.id,
        list_id: listId,
        list_name: "Newsletter",
        name: "Mai-Aussendung",
        recipient_count: 3,
        reactions_fetched_at: new Date(),
        created_by: "test",
      })
      .execute();
    const reactions = ["clicked", "opened", "not_opened"] as const;
    for (const [i, p] of people.entries()) {
      await env.rt.db
        .insertInto("mailing_recipients")
        .values({
          mailing_id: mailing,
          email_key: p.email,
          workspace_id: env.ws.id,
          contact_id: p.id,
          email: p.email,
          reaction: reactions[i],
        })
        .execute();
    }
    const firsts = async (filter: string) => {
      const r = await editor.get(`/v1/lists/${listId}/sync/members?filter=${filter}`);
      expect(r.status).toBe(200);
      return (r.body.items as { contact: { first_name: string } }[]).map((m) => m.contact.first_name).sort();
    };
    expect(await firsts("opened")).toEqual(["Amadeus", "Bartlau"]);
    expect(await firsts("clicked")).toEqual(["Amadeus"]);
    expect(await firsts("not_opened")).toEqual(["Cash"]);
    expect((await editor.get(`/v1/lists/${listId}/sync/members?filter=read`)).status).toBe(400);
  });
});
