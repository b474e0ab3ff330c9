// Live changes from Mailchimp through the secret webhook URL: validation GET, each call type recorded on its
// subscription at once (seed 003 §5.2's rule decides when Poststelle's status is newer), upemail followed
// instead of the seed's scenario B, retries de-duplicated, a bad secret refused with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkListToTool } from "../../../test/fakes/listmonk.js";
import { api, createTestEnv, type TestEnv } from "../../../test/harness.js";
import { findBlocked } from "../../blocklist/lookup.js";
import { parseMailchimpWebhook } from "./mailchimp.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const AUDIENCE = "a1b2c3d4e5";

async function linkedList(tool: "mailchimp" | "listmonk" = "mailchimp") {
  const c = api(env.app, env.ws.admin);
  const list = (await c.post("/v1/lists", { name: `Newsletter ${Math.random()}` })).body;
  await linkListToTool(env.rt.db, env.rt.secret, {
    workspaceId: env.ws.id,
    listId: list.id,
    remoteListId: AUDIENCE,
    baseUrl: "http://127.0.0.1:9",
    credentials:
      tool === "mailchimp"
        ? { kind: "mailchimp", api_key: "0123456789abcdef-us1" }
        : { kind: "listmonk", username: "u", token: "t" },
  });
  return { c, list };
}

async function subscribe(
  c: ReturnType<typeof api>,
  listId: string,
  first: string,
  last: string,
  email: string,
) {
  const contact = (await c.post("/v1/contacts", { first_name: first, last_name: last, emails: [email] }))
    .body;
  const sub = (await c.post(`/v1/lists/${listId}/subscriptions`, { contact_id: contact.id })).body;
  return { contact, sub };
}

function form(fields: Record<string, string>) {
  return new URLSearchParams(fields).toString();
}

async function call(url: string, fields: Record<string, string>) {
  const path = new URL(url).pathname;
  return api(env.app).raw("POST", path, form(fields), {
    "content-type": "application/x-www-form-urlencoded",
  });
}

describe("Mailchimp webhook calls", () => {
  it("parses Mailchimp's form fields and refuses what is not a call", () => {
    const c = parseMailchimpWebhook(
      form({
        type: "upemail",
        fired_at: "2026-03-26 21:35:57",
        "data[list_id]": AUDIENCE,
        "data[new_id]": "51aa6ea7e9",
        "data[new_email]": "christine@providerxyz.net",
        "data[old_email]": "amadeus@relationship-manager.net",
      }),
    );
    expect(c).toEqual({
      change: {
        type: "upemail",
        listId: AUDIENCE,
        oldEmail: "amadeus@relationship-manager.net",
        newEmail: "christine@providerxyz.net",
      },
      firedAt: new Date("2026-03-26T21:35:57Z"),
    });
    expect(parseMailchimpWebhook("type=subscribe")).toContain("fired_at");
    expect(
      parseMailchimpWebhook(form({ type: "explode", fired_at: "2026-01-01 00:00:00", "data[list_id]": "x" })),
    ).toContain("unknown type");
    expect(
      parseMailchimpWebhook(
        form({ type: "subscribe", fired_at: "2026-01-01 00:00:00", "data[list_id]": "x" }),
      ),
    ).toContain("data[email]");
    expect(
      parseMailchimpWebhook(
        form({
          type: "upemail",
          fired_at: "2026-01-01 00:00:00",
          "data[list_id]": "x",
          "data[old_email]": "amadeus@relationship-manager.net",
          "data[new_email]": "not-an-address",
        }),
      ),
    ).toBe("'data[new_email]' (not-an-address) is no e-mail address");
  });
});

describe("/v1/lists/:id/webhook and /v1/webhooks/mailchimp", () => {
  it("creates a secret URL for a Mailchimp-linked list only, admins only; Mailchimp's GET validates it", async () => {
    const { c, list } = await linkedList();
    expect((await api(env.app, env.ws.editor).post(`/v1/lists/${list.id}/webhook`)).status).toBe(403);
    const res = await c.post(`/v1/lists/${list.id}/webhook`);
    expect(res.status).toBe(201);
    expect(res.body.url).toMatch(new RegExp(`/v1/webhooks/mailchimp/${env.ws.id}/[A-Za-z0-9_-]{20,}$`));
    expect(res.body.events).toContain("upemail");
    const path = new URL(res.body.url).pathname;
    expect((await api(env.app).get(path)).status).toBe(200);
    expect((await api(env.app).get(`${path}x`)).status).toBe(404);
    expect((await api(env.app).get(path.replace(env.ws.id, env.other.id))).status).toBe(404);
    const lm = await linkedList("listmonk");
    const refused = await lm.c.post(`/v1/lists/${lm.list.id}/webhook`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("next fetch");
    const plain = (await c.post("/v1/lists", { name: `Unlinked ${Math.random()}` })).body;
    expect((await c.post(`/v1/lists/${plain.id}/webhook`)).status).toBe(409);
    // A new URL replaces the old one; deleting it refuses further calls.
    const second = await c.post(`/v1/lists/${list.id}/webhook`);
    expect((await api(env.app).get(path)).status).toBe(404);
    expect((await c.delete(`/v1/lists/${list.id}/webhook`)).status).toBe(200);
    expect((await api(env.app).get(new URL(second.body.url).pathname)).status).toBe(404);
  });

  it("takes a NUL or half a surrogate pair in a call's fields as U+FFFD, not as a 500", async () => {
    const { c, list } = await linkedList();
    await subscribe(c, list.id, "Nora", "Null", "nora@example.org");
    const url = (await c.post(`/v1/lists/${list.id}/webhook`)).body.url;
    const profile = await call(url, {
      type: "profile",
      fired_at: "2026-02-05 11:00:01",
      "data[list_id]": AUDIENCE,
      "data[email]": "nora@example.org",
      "data[merges][FNAME]": "No\u0000ra",
      "data[merges][LNAME]": "\ud800",
    });
    expect(profile.status, profile.text).toBe(200);
    expect(profile.body).toEqual({ type: "profile", outcome: "profile_differs" });
    const unsub = await call(url, {
      type: "unsubscribe",
      fired_at: "2026-02-05 11:00:02",
      "data[list_id]": AUDIENCE,
      "data[email]": "nora@example.org",
      "data[reason]": "man\u0000ual",
    });
    expect(unsub.status, unsub.text).toBe(200);
  });

  it("records unsubscribe, subscribe and cleaned on the subscription at once; retries change nothing twice", async () => {
    env.setNow(new Date("2026-02-01T10:00:00Z"));
    const { c, list } = await linkedList();
    const anna = await subscribe(c, list.id, "Anna", "Alt", "anna@example.org");
    const cash = await subscribe(c, list.id, "William", "Cash", "cash@relationship-manager.net");
    const url = (await c.post(`/v1/lists/${list.id}/webhook`)).body.url;
    env.setNow(new Date("2026-02-05T12:00:00Z"));
    const unsub = {
      type: "unsubscribe",
      fired_at: "2026-02-05 11:00:00",
      "data[action]": "unsub",
      "data[reason]": "manual",
      "data[list_id]": AUDIENCE,
      "data[email]": "anna@example.org",
    };
    const first = await call(url, unsub);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ type: "unsubscribe", outcome: "status_set" });
    const s = (await c.get(`/v1/lists/${list.id}/subscriptions/${anna.sub.id}`)).body;
    expect(s).toMatchObject({ status: "unsubscribed", status_set_by: "email_tool:mailchimp" });
    const acts = async () => (await c.get(`/v1/activities?record_id=${anna.sub.id}`)).body.items.length;
    const before = await acts();
    expect((await call(url, unsub)).body.outcome).toBe("duplicate");
    expect(await acts()).toBe(before);
    // Resubscribed in the tool later: the newer change wins again.
    const resub = await call(url, { ...unsub, type: "subscribe", fired_at: "2026-02-05 11:30:00" });
    expect(resub.body.outcome).toBe("status_set");
    const cleaned = await call(url, {
      type: "cleaned",
      fired_at: "2026-02-05 11:45:00",
      "data[list_id]": AUDIENCE,
      "data[campaign_id]": "4fjk2ma9xd",
      "data[reason]": "hard",
      "data[email]": "cash@relationship-manager.net",
    });
    expect(cleaned.body.outcome).toBe("status_set");
    expect((await c.get(`/v1/lists/${list.id}/subscriptions/${cash.sub.id}`)).body.status).toBe(
      "bounced_permanent",
    );
    const blocked = await findBlocked(env.rt.db, env.rt.secret, env.ws.id, ["cash@relationship-manager.net"]);
    expect(blocked.size).toBe(1);
    env.setNow(null);
  });

  it("seed 003 §5.2: a status set here after the tool's change is kept (conflict, nothing changes)", async () => {
    env.setNow(new Date("2020-03-20T09:00:00Z"));
    const { c, list } = await linkedList();
    const p = await subscribe(c, list.id, "Annette", "Frisch", "frisch@example.org");
    const url = (await c.post(`/v1/lists/${list.id}/webhook`)).body.url;
    env.setNow(new Date("2020-03-21T09:00:00Z"));
    // cRM: angemeldet 20.03.2020 — tool: abgemeldet 05.02.2020 → Konflikt (keine Änderung)
    const r = await call(url, {
      type: "unsubscribe",
      fired_at: "2020-02-05 08:00:00",
      "data[action]": "unsub",
      "data[list_id]": AUDIENCE,
      "data[email]": "frisch@example.org",
    });
    expect(r.body.outcome).toBe("conflict");
    expect((await c.get(`/v1/lists/${list.id}/subscriptions/${p.sub.id}`)).body.status).toBe("subscribed");
    const ev = await c.get(`/v1/event-log?record_id=${p.sub.id}`);
    expect(JSON.stringify(ev.body)).toContain("is newer");
    env.setNow(null);
  });

  it("upemail: the contact follows the new address, so no duplicate arises (seed §9 scenario B)", async () => {
    const { c, list } = await linkedList();
    const amadeus = await subscribe(c, list.id, "Christine", "Amadeus", "amadeus@relationship-manager.net");
    const url = (await c.post(`/v1/lists/${list.id}/webhook`)).body.url;
    const contactsBefore = (await c.get("/v1/contacts?limit=500")).body.items.length;
    const r = await call(url, {
      type: "upemail",
      fired_at: "2026-03-26 21:35:57",
      "data[list_id]": AUDIENCE,
      "data[new_id]": "51aa6ea7e9",
      "data[new_email]": "Christine@ProviderXYZ.net",
      "data[old_email]": "amadeus@relationship-manager.net",
    });
    expect(r.body.outcome).toBe("address_followed");
    const contact = (await c.get(`/v1/contacts/${amadeus.contact.id}`)).body;
    // Stored as Poststelle normalises addresses (the domain in lower case).
    expect(contact.emails).toEqual(["Christine@providerxyz.net"]);
    expect((await c.get("/v1/contacts?limit=500")).body.items.length).toBe(contactsBefore);
    // A later change under the new address finds the same subscription.
    const later = await call(url, {
      type: "unsubscribe",
      fired_at: "2099-01-01 00:00:00",
      "data[action]": "unsub",
      "data[list_id]": AUDIENCE,
      "data[email]": "christine@providerxyz.net",
    });
    expect(later.body.outcome).toBe("status_set");
    expect((await c.get(`/v1/lists/${list.id}/subscriptions/${amadeus.sub.id}`)).body.status).toBe(
      "unsubscribed",
    );
  });

  it("profile, unknown members, another audience and deleted members are noted without guessing", async () => {
    const { c, list } = await linkedList();
    const f = await subscribe(c, list.id, "Emil Niklas", "Färber", "faerber@example.org");
    const url = (await c.post(`/v1/lists/${list.id}/webhook`)).body.url;
    const base = { fired_at: "2026-03-31 11:44:55", "data[list_id]": AUDIENCE };
    const prof = await call(url, {
      ...base,
      type: "profile",
      "data[email]": "faerber@example.org",
      "data[merges][FNAME]": "Emil",
      "data[merges][LNAME]": "Färber",
    });
    expect(prof.body.outcome).toBe("profile_differs");
    expect((await c.get(`/v1/contacts/${f.contact.id}`)).body.first_name).toBe("Emil Niklas");
    const unknown = await call(url, { ...base, type: "subscribe", "data[email]": "new@example.org" });
    expect(unknown.body.outcome).toBe("unknown_member");
    const other = await call(url, {
      ...base,
      type: "subscribe",
      "data[list_id]": "zzz",
      "data[email]": "faerber@example.org",
    });
    expect(other.body.outcome).toBe("other_list");
    const del = await call(url, {
      ...base,
      type: "unsubscribe",
      "data[action]": "delete",
      "data[email]": "faerber@example.org",
    });
    expect(del.body.outcome).toBe("member_deleted_in_tool");
    expect((await c.get(`/v1/lists/${list.id}/subscriptions/${f.sub.id}`)).body.status).toBe("subscribed");
  });

  it("a bad secret is a 404 and garbage a 400; neither changes anything", async () => {
    const { c, list } = await linkedList();
    const a = await subscribe(c, list.id, "Anna", "Alt", "alt@example.org");
    const url = (await c.post(`/v1/lists/${list.id}/webhook`)).body.url as string;
    const fields = {
      type: "unsubscribe",
      fired_at: "2099-01-01 00:00:00",
      "data[action]": "unsub",
      "data[list_id]": AUDIENCE,
      "data[email]": "alt@example.org",
    };
    const wrong = await call(url.replace(/[^/]+$/, "not-the-secret"), fields);
    expect(wrong.status).toBe(404);
    const foreign = await call(url.replace(env.ws.id, env.other.id), fields);
    expect(foreign.status).toBe(404);
    const garbage = await call(url, { hello: "world" });
    expect(garbage.status).toBe(400);
    expect((await c.get(`/v1/lists/${list.id}/subscriptions/${a.sub.id}`)).body.status).toBe("subscribed");
  });
});
