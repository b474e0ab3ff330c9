import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { createWorkspace } from "../workspaces/service.js";
import { contactSorts } from "./schema.js";
import { createContact } from "./service.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const editor = () => api(env.app, env.ws.editor);

async function activityCount(kind = "contact") {
  const r = await env.rt.db
    .selectFrom("activities")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("workspace_id", "=", env.ws.id)
    .where("kind", "=", kind)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe("contacts: create, read, change, delete", () => {
  it("creates a contact in the DESIGN §9 shape with normalised, de-duplicated addresses and a letter salutation", async () => {
    const r = await editor().post("/v1/contacts", {
      salutation: "Frau",
      title: "Dr.",
      first_name: "Petra",
      last_name: "Scholz",
      emails: [" Petra.Scholz@Praxis-Scholz.DE ", "petra@bücher.de", "petra.scholz@praxis-scholz.de"],
      phone: "+49 711 123456",
      address: { street: "Königstraße 1", postal_code: "70173", city: "Stuttgart", country: "DE" },
      custom_fields: { kundennummer: "K-17", vip: true },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      salutation: "Frau",
      title: "Dr.",
      letter_salutation: "Sehr geehrte Frau Dr. Scholz,",
      letter_salutation_custom: false,
      emails: ["Petra.Scholz@praxis-scholz.de", "petra@xn--bcher-kva.de"],
      phone: "+49 711 123456",
      mobile: null,
      address: { street: "Königstraße 1", postal_code: "70173", city: "Stuttgart", country: "DE" },
      language: "de",
      custom_fields: { kundennummer: "K-17", vip: true },
      consents: [],
    });
    expect(r.body.id).toMatch(/^con_/);
    const g = await editor().get(`/v1/contacts/${r.body.id}`);
    expect(g.status).toBe(200);
    expect(g.body.emails).toEqual(r.body.emails);
    expect(typeof g.body.created_at).toBe("string");
  });

  it("rejects a bad address with the field path, an unknown field, a wrong type — and writes nothing", async () => {
    const before = await activityCount();
    const bad = await editor().post("/v1/contacts", {
      last_name: "Müller",
      emails: ["ok@example.de", "max@"],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid");
    expect(bad.body.error.details[0].path).toBe("emails.1");
    expect(bad.body.error.details[0].code).toBe("custom");
    expect(bad.body.error.message).toContain("'max@' is not a valid e-mail address");
    const unknown = await editor().post("/v1/contacts", { last_name: "Müller", nickname: "Maxi" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/nickname/);
    expect(unknown.body.error.details).toEqual([
      { path: "", message: 'Unrecognized key: "nickname"', code: "unrecognized_keys", keys: ["nickname"] },
    ]);
    const type = await editor().post("/v1/contacts", { last_name: 42 });
    expect(type.status).toBe(400);
    // The detail says what kind of value came (never the value itself) and what was expected.
    expect(type.body.error.details).toEqual([
      {
        path: "last_name",
        message: "Invalid input: expected string, received number",
        code: "invalid_type",
        expected: "string",
        received: "number",
      },
    ]);
    const long = await editor().post("/v1/contacts", { last_name: "M".repeat(1000) });
    expect(long.status).toBe(400);
    expect(long.body.error.details[0]).toMatchObject({
      path: "last_name",
      code: "too_big",
      origin: "string",
      inclusive: true,
    });
    expect(typeof long.body.error.details[0].maximum).toBe("number");
    expect(JSON.stringify(long.body.error.details)).not.toContain("MMMM");
    const salutation = await editor().post("/v1/contacts", { salutation: "Sgt", last_name: "Pepper" });
    expect(salutation.status).toBe(400);
    expect(salutation.body.error.message).toMatch(/salutation.*Frau, Herr/);
    const nobody = await editor().post("/v1/contacts", { address: { city: "Berlin" } });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.message).toMatch(/at least a name, an e-mail address or a phone number/);
    expect(nobody.body.error.details).toEqual([
      {
        path: "",
        message: "give first_name, last_name, emails, phone or mobile",
        code: "required_one_of",
        fields: ["first_name", "last_name", "emails", "phone", "mobile"],
      },
    ]);
    expect(await activityCount()).toBe(before);
  });

  it("answers 404 for another workspace's contact and 403 for a viewer's write", async () => {
    const mine = await editor().post("/v1/contacts", { last_name: "Eigen" });
    const foreign = api(env.app, env.other.admin);
    expect((await foreign.get(`/v1/contacts/${mine.body.id}`)).status).toBe(404);
    expect((await foreign.patch(`/v1/contacts/${mine.body.id}`, { first_name: "X" })).status).toBe(404);
    expect((await foreign.delete(`/v1/contacts/${mine.body.id}`)).status).toBe(404);
    expect((await foreign.get(`/v1/contacts/${mine.body.id}/consents`)).status).toBe(404);
    expect((await foreign.get(`/v1/contacts/${mine.body.id}/export`)).status).toBe(404);
    expect((await foreign.post(`/v1/contacts/${mine.body.id}/erase`)).status).toBe(404);
    const nf = await editor().get("/v1/contacts/con_nope");
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe("not_found");
    const viewer = api(env.app, env.ws.viewer);
    expect((await viewer.post("/v1/contacts", { last_name: "Nein" })).status).toBe(403);
    expect((await viewer.patch(`/v1/contacts/${mine.body.id}`, { first_name: "X" })).status).toBe(403);
    expect((await viewer.delete(`/v1/contacts/${mine.body.id}`)).status).toBe(403);
    expect((await viewer.get(`/v1/contacts/${mine.body.id}`)).status).toBe(200);
    expect((await editor().post(`/v1/contacts/${mine.body.id}/erase`)).status).toBe(403);
    expect((await editor().get(`/v1/contacts/${mine.body.id}`)).body.first_name).toBeNull();
  });

  it("regenerates the letter salutation when the name changes, unless the user set it", async () => {
    const c = await editor().post("/v1/contacts", { salutation: "Herr", last_name: "Müller" });
    expect(c.body.letter_salutation).toBe("Sehr geehrter Herr Müller,");
    const p1 = await editor().patch(`/v1/contacts/${c.body.id}`, { title: "Dr.", language: "en" });
    expect(p1.body.letter_salutation).toBe("Dear Mr Dr Müller,");
    const p2 = await editor().patch(`/v1/contacts/${c.body.id}`, { letter_salutation: "Lieber Jan," });
    expect(p2.body).toMatchObject({ letter_salutation: "Lieber Jan,", letter_salutation_custom: true });
    const p3 = await editor().patch(`/v1/contacts/${c.body.id}`, { last_name: "Schulze", language: "de" });
    expect(p3.body.letter_salutation).toBe("Lieber Jan,");
    const p4 = await editor().patch(`/v1/contacts/${c.body.id}`, { letter_salutation: null });
    expect(p4.body).toMatchObject({
      letter_salutation: "Sehr geehrter Herr Dr. Schulze,",
      letter_salutation_custom: false,
    });
  });

  it("merges address and custom fields on PATCH, replaces the e-mail list, and logs before/after", async () => {
    const c = await editor().post("/v1/contacts", {
      last_name: "Weber",
      emails: ["a@weber.de"],
      address: { city: "Köln", postal_code: "50667" },
      custom_fields: { a: 1, b: "zwei" },
    });
    const p = await editor().patch(`/v1/contacts/${c.body.id}`, {
      emails: ["B@Weber.DE", "a@weber.de"],
      address: { city: "Bonn" },
      custom_fields: { a: null, c: [1, 2] },
    });
    expect(p.status).toBe(200);
    expect(p.body.emails).toEqual(["B@weber.de", "a@weber.de"]);
    expect(p.body.address).toEqual({ street: null, postal_code: "50667", city: "Bonn", country: null });
    expect(p.body.custom_fields).toEqual({ b: "zwei", c: [1, 2] });
    const acts = await editor().get(`/v1/activities?kind=contact&record_id=${c.body.id}`);
    expect(acts.body.items.map((a: { action: string }) => a.action)).toEqual(["updated", "created"]);
    expect(acts.body.items[0].changes.address).toEqual({
      before: { street: null, postal_code: "50667", city: "Köln", country: null },
      after: { street: null, postal_code: "50667", city: "Bonn", country: null },
    });
    expect(acts.body.items[0].changes.emails.before).toEqual(["a@weber.de"]);
  });

  it("deletes a contact (204), logs it, and then answers 404", async () => {
    const c = await editor().post("/v1/contacts", { first_name: "Weg" });
    const d = await editor().delete(`/v1/contacts/${c.body.id}`);
    expect(d.status).toBe(204);
    expect((await editor().get(`/v1/contacts/${c.body.id}`)).status).toBe(404);
    expect((await editor().delete(`/v1/contacts/${c.body.id}`)).status).toBe(404);
    const acts = await editor().get(`/v1/activities?kind=contact&action=deleted&record_id=${c.body.id}`);
    expect(acts.body.items).toHaveLength(1);
    expect(acts.body.items[0].changes.first_name).toEqual({ before: "Weg", after: null });
  });
});

describe("contacts: filters", () => {
  let ids: Record<string, string>;
  let listId: string;
  let ws: { id: string; key: string };

  beforeAll(async () => {
    const w = await createWorkspace(env.rt, systemActor("test"), "Filterei");
    const { createApiKey } = await import("../workspaces/service.js");
    ws = { id: w.id, key: (await createApiKey(env.rt, systemActor("test"), w.id, "editor")).key };
    const c = api(env.app, ws.key);
    const mk = async (body: Record<string, unknown>) =>
      (await c.post("/v1/contacts", body)).body.id as string;
    ids = {
      anna: await mk({
        first_name: "Anna",
        last_name: "Schmidt",
        emails: ["anna@schmidt.de"],
        custom_fields: { plan: "gold" },
      }),
      bernd: await mk({
        first_name: "Bernd",
        last_name: "Schmidtke",
        emails: ["bernd@bücher.de"],
        custom_fields: { plan: "silver" },
      }),
      clara: await mk({
        first_name: "Clara",
        last_name: "Anders",
        emails: ["clara@example.org"],
        custom_fields: { plan: "gold", n: 3 },
      }),
      dora: await mk({ first_name: "Dora", last_name: "Schmidtner", mobile: "0171 1234567" }),
    };
    await c.post(`/v1/contacts/${ids.anna}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "web form",
    });
    await c.post(`/v1/contacts/${ids.bernd}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      source: "web form",
    });
    await c.post(`/v1/contacts/${ids.bernd}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "withdrawn",
      source: "unsubscribe link",
    });
    listId = newId("lst");
    const now = new Date();
    await env.rt.db
      .insertInto("lists")
      .values({ id: listId, workspace_id: ws.id, name: "Newsletter", created_at: now, updated_at: now })
      .execute();
    const sub = (contact: string, status: "subscribed" | "unsubscribed") => ({
      id: newId("sub"),
      workspace_id: ws.id,
      list_id: listId,
      contact_id: contact,
      status,
      status_set_at: now,
      status_set_by: "test",
      created_at: now,
      updated_at: now,
    });
    await env.rt.db
      .insertInto("subscriptions")
      .values([sub(ids.anna, "subscribed"), sub(ids.clara, "unsubscribed")])
      .execute();
  });

  const names = async (query: string) => {
    const r = await api(env.app, ws.key).get(`/v1/contacts?sort=last_name&${query}`);
    expect(r.status).toBe(200);
    return r.body.items.map((i: { first_name: string }) => i.first_name);
  };

  it("finds by words of the name, by exact address (any case, IDN), consent, list membership and custom field", async () => {
    expect(await names("q=schmidt")).toEqual(["Anna", "Bernd", "Dora"]);
    expect(await names("q=anna%20schm")).toEqual(["Anna"]);
    expect(await names("q=100%25")).toEqual([]);
    expect(await names("email=ANNA@Schmidt.de")).toEqual(["Anna"]);
    expect(await names(`email=${encodeURIComponent("bernd@BÜCHER.de")}`)).toEqual(["Bernd"]);
    expect(await names("consent=email/marketing:granted")).toEqual(["Anna"]);
    expect(await names("consent=email/marketing:withdrawn")).toEqual(["Bernd"]);
    expect(await names("consent=email/marketing:none")).toEqual(["Clara", "Dora"]);
    expect(await names(`list_id=${listId}`)).toEqual(["Clara", "Anna"]);
    expect(await names(`list_id=${listId}&subscription_status=subscribed`)).toEqual(["Anna"]);
    expect(await names("custom.plan=gold")).toEqual(["Clara", "Anna"]);
    expect(await names("custom.plan=gold&custom.n=3")).toEqual(["Clara"]);
    expect(await names("custom.plan=gold&q=anna")).toEqual(["Anna"]);
  });

  it("rejects unknown filters, malformed ones and a foreign list with 4xx", async () => {
    const c = api(env.app, ws.key);
    const unknown = await c.get("/v1/contacts?colour=red");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/colour/);
    expect((await c.get("/v1/contacts?consent=marketing")).status).toBe(400);
    expect((await c.get("/v1/contacts?email=not-an-address")).status).toBe(400);
    expect((await c.get("/v1/contacts?sort=first_name")).status).toBe(400);
    expect((await c.get("/v1/contacts?cursor=garbage")).status).toBe(400);
    expect((await api(env.app, env.ws.editor).get(`/v1/contacts?list_id=${listId}`)).status).toBe(404);
  });

  it("never reads another sort's cursor or a forged one as a position", async () => {
    const c = api(env.app, ws.key);
    const page = await c.get("/v1/contacts?sort=last_name&limit=1");
    const cross = await c.get(`/v1/contacts?sort=created_at&cursor=${page.body.next_cursor}`);
    expect(cross.status).toBe(400);
    const forged = Buffer.from(JSON.stringify(["created_at", "2024-02-31 10:00:00+00", "x"])).toString(
      "base64url",
    );
    expect((await c.get(`/v1/contacts?sort=created_at&cursor=${forged}`)).status).toBe(400);
  });
});

describe("contacts: sort and cursor pagination", () => {
  it("walks every sort page by page without duplicates or gaps, in the order of one big page", async () => {
    const lastNames = fc.option(
      fc.constantFrom("Müller", "müller", "Meyer", "Ängström", "Zander", "abel", "O'Neil"),
      {
        nil: null,
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ last: lastNames, sameInstant: fc.boolean() }), { minLength: 0, maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        async (people, limit) => {
          const w = await createWorkspace(env.rt, systemActor("test"), "Paging");
          const ctx = { rt: env.rt, workspaceId: w.id, actor: systemActor("test") };
          const instant = new Date("2025-03-01T10:00:00.000Z");
          for (const p of people) {
            env.setNow(p.sameInstant ? instant : null);
            await createContact(ctx, { last_name: p.last, first_name: p.last ? null : "Ohne" });
          }
          env.setNow(null);
          const { listContacts } = await import("./service.js");
          for (const sort of contactSorts) {
            const all = await listContacts(ctx, { limit: 500, sort, custom: {} });
            expect(all.items).toHaveLength(people.length);
            const walked: string[] = [];
            let cursor: string | undefined;
            for (let guard = 0; guard < 100; guard++) {
              const page = await listContacts(ctx, { limit, sort, cursor, custom: {} });
              expect(page.items.length).toBeLessThanOrEqual(limit);
              walked.push(...page.items.map((i) => i.id));
              if (!page.next_cursor) break;
              cursor = page.next_cursor;
            }
            expect(walked).toEqual(all.items.map((i) => i.id));
            if (sort.endsWith("created_at")) {
              const times = all.items.map((i) => new Date(i.created_at).getTime());
              const sorted = [...times].sort((a, b) => (sort.startsWith("-") ? b - a : a - b));
              expect(times).toEqual(sorted);
            }
          }
        },
      ),
      { numRuns: 6 },
    );
  });
});
