import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";
import { readUnsubscribeToken, unsubscribeUrl } from "./unsubscribe.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
let anonymous: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
  anonymous = api(env.app);
  const r = await api(env.app, env.ws.admin).patch("/v1/workspace", {
    settings: { default_from: "newsletter@hundeschule.example" },
  });
  expect(r.status).toBe(200);
});
afterAll(() => env?.close());

async function contact(language = "de") {
  const r = await editor.post("/v1/contacts", {
    first_name: "Erika",
    last_name: "Muster",
    emails: [`erika.${newId("x")}@example.org`],
    language,
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function list(name = "Welpen-Newsletter") {
  const r = await editor.post("/v1/lists", { name });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function subscribe(listId: string, contactId: string) {
  const r = await editor.post(`/v1/lists/${listId}/subscriptions`, { contact_id: contactId });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function message(contactId: string) {
  const r = await editor.post("/v1/messages", {
    to: { contact_id: contactId },
    subject: "Neuigkeiten",
    text: "Hallo",
  });
  expect(r.status).toBe(202);
  return r.body.id as string;
}

/** The path of the link (the app is called in-process). */
function linkPath(p: Parameters<typeof unsubscribeUrl>[1]) {
  const url = unsubscribeUrl(env.rt, p);
  expect(url.startsWith(`${env.config.publicUrl}/u/`)).toBe(true);
  return url.slice(env.config.publicUrl.length);
}

const oneClick = (path: string, headers: Record<string, string> = {}) =>
  anonymous.raw("POST", path, "List-Unsubscribe=One-Click", {
    "content-type": "application/x-www-form-urlencoded",
    ...headers,
  });
const buttonPost = (path: string) =>
  anonymous.raw("POST", path, "confirm=yes", { "content-type": "application/x-www-form-urlencoded" });

const statusOf = async (subId: string) =>
  (await env.rt.db.selectFrom("subscriptions").selectAll().where("id", "=", subId).executeTakeFirstOrThrow())
    .status;

const activitiesAbout = (contactId: string) =>
  env.rt.db
    .selectFrom("activities")
    .selectAll()
    .where("workspace_id", "=", env.ws.id)
    .where("actor_id", "=", contactId)
    .orderBy("id")
    .execute();

const consents = (contactId: string) =>
  env.rt.db.selectFrom("consents").selectAll().where("contact_id", "=", contactId).orderBy("id").execute();

/** Everything an unsubscribe may change, to show that a refused request changed nothing. */
async function snapshot() {
  const count = async (t: "subscriptions" | "activities" | "consents" | "message_events") =>
    (await env.rt.db.selectFrom(t).select("id").execute()).length;
  const statuses = await env.rt.db
    .selectFrom("subscriptions")
    .select(["id", "status"])
    .orderBy("id")
    .execute();
  return {
    statuses,
    activities: await count("activities"),
    consents: await count("consents"),
    events: await count("message_events"),
  };
}

describe("GET /u/:token", () => {
  it("shows a confirmation page in German with a POST button and changes nothing", async () => {
    const c = await contact("de");
    const l = await list("Welpen & <Junghunde>");
    const sub = await subscribe(l, c);
    const path = linkPath({ workspaceId: env.ws.id, contactId: c, listId: l });
    const before = await snapshot();
    const r = await anonymous.get(path);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/html/);
    expect(r.headers["cache-control"]).toBe("no-store");
    expect(r.text).toContain('<html lang="de">');
    expect(r.text).toContain("„Welpen &amp; &lt;Junghunde&gt;“");
    expect(r.text).not.toContain("<Junghunde>");
    expect(r.text).toMatch(new RegExp(`<form method="post" action="${path}">`));
    expect(r.text).toContain('<button type="submit">Abmeldung bestätigen</button>');
    // a mail scanner fetching the link twice changes nothing
    await anonymous.get(path);
    expect(await statusOf(sub)).toBe("subscribed");
    expect(await snapshot()).toEqual(before);
  });

  it("speaks English to a contact whose language is English", async () => {
    const c = await contact("en");
    const l = await list("Puppy news");
    await subscribe(l, c);
    const r = await anonymous.get(linkPath({ workspaceId: env.ws.id, contactId: c, listId: l }));
    expect(r.text).toContain('<html lang="en">');
    expect(r.text).toContain("Confirm unsubscribe");
  });
});

describe("POST /u/:token (RFC 8058 one-click)", () => {
  it("unsubscribes from the list, logs the recipient as actor and marks the message", async () => {
    const c = await contact();
    const l = await list();
    const other = await list("Kursangebote");
    const sub = await subscribe(l, c);
    const otherSub = await subscribe(other, c);
    const msg = await message(c);
    const path = linkPath({
      workspaceId: env.ws.id,
      contactId: c,
      listId: l,
      messageId: msg,
      campaignId: "cmp_1",
    });
    const r = await oneClick(path);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/plain/);
    expect(r.text).toBe("Abgemeldet.");
    const row = await env.rt.db
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", sub)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("unsubscribed");
    expect(row.status_set_by).toBe(`recipient:${c}`);
    expect(await statusOf(otherSub)).toBe("subscribed");
    const acts = await activitiesAbout(c);
    expect(acts.map((a) => [a.actor_type, a.kind, a.action])).toEqual([
      ["recipient", "subscription", "updated"],
      ["recipient", "contact", "unsubscribed"],
    ]);
    expect(acts[1].record_id).toBe(c);
    const events = await env.rt.db
      .selectFrom("message_events")
      .selectAll()
      .where("message_id", "=", msg)
      .execute();
    const unsub = events.filter((e) => e.type === "unsubscribed");
    expect(unsub).toHaveLength(1);
    expect(unsub[0].source).toBe("list_unsubscribe_post");
    expect(unsub[0].evidence).toMatchObject({ list_id: l, campaign_id: "cmp_1", one_click: true });
    // the consent is left alone: this link does not say to withdraw it
    expect(await consents(c)).toEqual([]);
    // the message's timeline shows it through the API
    const m = await editor.get(`/v1/messages/${msg}`);
    expect(m.body.timeline.map((e: { type: string }) => e.type)).toContain("unsubscribed");
  });

  it("is idempotent: a repeat changes nothing and writes no second activity", async () => {
    const c = await contact();
    const l = await list();
    const sub = await subscribe(l, c);
    const msg = await message(c);
    const path = linkPath({ workspaceId: env.ws.id, contactId: c, listId: l, messageId: msg });
    expect((await oneClick(path)).status).toBe(200);
    const after = await snapshot();
    const setAt = (
      await env.rt.db.selectFrom("subscriptions").selectAll().where("id", "=", sub).executeTakeFirstOrThrow()
    ).status_set_at;
    expect((await oneClick(path)).status).toBe(200);
    expect((await buttonPost(path)).status).toBe(200);
    expect(await snapshot()).toEqual(after);
    const again = await env.rt.db
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", sub)
      .executeTakeFirstOrThrow();
    expect(again.status_set_at).toEqual(setAt);
    // afterwards the page says it is already done
    const page = await anonymous.get(path);
    expect(page.text).toContain("Bereits abgemeldet");
  });

  it("withdraws the e-mail marketing consent when the link says so", async () => {
    const c = await contact();
    const l = await list();
    const sub = await subscribe(l, c);
    const granted = await editor.post(`/v1/contacts/${c}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "Anmeldeformular",
    });
    expect(granted.status).toBe(201);
    const path = linkPath({ workspaceId: env.ws.id, contactId: c, listId: l, withdrawConsent: true });
    const r = await oneClick(path, { "x-forwarded-for": "203.0.113.9" });
    expect(r.status).toBe(200);
    expect(await statusOf(sub)).toBe("unsubscribed");
    const history = await consents(c);
    expect(history.map((h) => h.status)).toEqual(["granted", "withdrawn"]);
    expect(history[1]).toMatchObject({
      channel: "email",
      purpose: "marketing",
      by: `recipient:${c}`,
      source: "list_unsubscribe_post",
      ip: "203.0.113.9",
    });
    const consentActivity = (await activitiesAbout(c)).find((a) => a.kind === "consent");
    expect(consentActivity?.actor_type).toBe("recipient");
    // repeating withdraws nothing twice
    await oneClick(path);
    expect((await consents(c)).length).toBe(2);
  });

  it("without a list unsubscribes from every list of the workspace", async () => {
    const c = await contact();
    const subs = [await subscribe(await list("A"), c), await subscribe(await list("B"), c)];
    const r = await buttonPost(linkPath({ workspaceId: env.ws.id, contactId: c }));
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/html/);
    expect(r.text).toContain("Sie wurden von allen Verteilern abgemeldet.");
    expect(await Promise.all(subs.map(statusOf))).toEqual(["unsubscribed", "unsubscribed"]);
  });

  it("for a mail sent to a contact without any subscription, withdraws the marketing consent", async () => {
    const c = await contact();
    const r = await oneClick(linkPath({ workspaceId: env.ws.id, contactId: c }));
    expect(r.status).toBe(200);
    expect((await consents(c)).map((x) => x.status)).toEqual(["withdrawn"]);
  });

  it("records the refusal on a list the contact is not (or no longer) on", async () => {
    const c = await contact();
    const l = await list();
    await oneClick(linkPath({ workspaceId: env.ws.id, contactId: c, listId: l }));
    const rows = await env.rt.db.selectFrom("subscriptions").selectAll().where("list_id", "=", l).execute();
    expect(rows.map((s) => [s.contact_id, s.status])).toEqual([[c, "unsubscribed"]]);
    // a later bulk add leaves the unsubscribed person out
    const bulk = await editor.post(`/v1/lists/${l}/subscriptions/bulk`, { filter: { contact_ids: [c] } });
    expect(bulk.body.added).toBe(0);
  });

  it("answers a link of a deleted contact with a plain page and changes nothing", async () => {
    const c = await contact();
    const path = linkPath({ workspaceId: env.ws.id, contactId: c });
    expect((await editor.delete(`/v1/contacts/${c}`)).status).toBe(204);
    const before = await snapshot();
    expect((await oneClick(path)).status).toBe(200);
    expect((await anonymous.get(path)).status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });
});

describe("forged and altered links", () => {
  it("get a 400 page and change nothing, whichever character is altered", async () => {
    const c = await contact();
    const l = await list();
    const sub = await subscribe(l, c);
    const msg = await message(c);
    const path = linkPath({
      workspaceId: env.ws.id,
      contactId: c,
      listId: l,
      messageId: msg,
      withdrawConsent: true,
    });
    const token = path.slice(3);
    const before = await snapshot();
    const flip = (i: number) => {
      const ch = token[i] === "A" ? "B" : "A";
      return `/u/${token.slice(0, i)}${ch}${token.slice(i + 1)}`;
    };
    for (const i of [0, 1, Math.floor(token.length / 2), token.length - 2, token.length - 1]) {
      const bad = flip(i);
      const post = await oneClick(bad);
      expect(post.status, `flipped character ${i}`).toBe(400);
      const button = await buttonPost(bad);
      expect(button.status).toBe(400);
      expect(button.text).toContain("Link ungültig");
      expect((await anonymous.get(bad)).status).toBe(400);
    }
    for (const bad of [
      `/u/${token.slice(0, -4)}`,
      `/u/${token}xyz`,
      "/u/forged",
      "/u/%E2%9C%93",
      `/u/${"A".repeat(900)}`,
    ]) {
      expect((await oneClick(bad)).status, bad).toBe(400);
    }
    expect(await statusOf(sub)).toBe("subscribed");
    expect(await snapshot()).toEqual(before);
    // and the genuine link still works
    expect(readUnsubscribeToken(env.rt.secret, token)).not.toBeNull();
    expect((await oneClick(path)).status).toBe(200);
    expect(await statusOf(sub)).toBe("unsubscribed");
  });

  it("shows the invalid-link page in English when the browser prefers English", async () => {
    const r = await anonymous.get("/u/forged", { "accept-language": "en-GB,en;q=0.9,de;q=0.5" });
    expect(r.status).toBe(400);
    expect(r.text).toContain('<html lang="en">');
    expect(r.text).toContain("Invalid link");
  });
});
