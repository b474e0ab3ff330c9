import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { systemActor } from "../runtime.js";
import { newId } from "../util/ids.js";
import { subscriptionStatuses } from "./schema.js";
import { addSubscription, setSubscriptionStatus } from "./subscriptions.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
});
afterAll(() => env?.close());

interface ContactSeed {
  first_name?: string;
  last_name?: string;
  emails?: string[];
  custom_fields?: Record<string, unknown>;
}

/** Contacts are written straight into the table: these tests are about lists, not the contacts API. */
async function contact(seed: ContactSeed = {}, workspaceId = env.ws.id) {
  const now = new Date();
  const id = newId("ct");
  const emails = seed.emails ?? [];
  await env.rt.db
    .insertInto("contacts")
    .values({
      id,
      workspace_id: workspaceId,
      first_name: seed.first_name ?? null,
      last_name: seed.last_name ?? null,
      emails,
      email_keys: emails.map((e) => e.toLowerCase()),
      custom_fields: JSON.stringify(seed.custom_fields ?? {}),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

async function list(name = "Newsletter-Verteiler", key = env.ws.editor) {
  const r = await api(env.app, key).post("/v1/lists", { name });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

const rowsOf = (listId: string) =>
  env.rt.db.selectFrom("subscriptions").selectAll().where("list_id", "=", listId).orderBy("id").execute();

const activities = (filter: { recordId?: string; kind?: string; action?: string }) => {
  let q = env.rt.db.selectFrom("activities").selectAll().where("workspace_id", "=", env.ws.id);
  if (filter.recordId) q = q.where("record_id", "=", filter.recordId);
  if (filter.kind) q = q.where("kind", "=", filter.kind);
  if (filter.action) q = q.where("action", "=", filter.action);
  return q.orderBy("id").execute();
};

describe("adding one contact", () => {
  it("subscribes with set-at and set-by, shows the contact's name and first address, logs it", async () => {
    const l = await list();
    const c = await contact({
      first_name: "Lea",
      last_name: "Frisch",
      emails: ["lea@luna-aventuras.net", "privat@example.org"],
    });
    const r = await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: c });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      list_id: l,
      contact_id: c,
      status: "subscribed",
      contact: { name: "Lea Frisch", email: "lea@luna-aventuras.net" },
    });
    const [act] = await activities({ recordId: r.body.id });
    expect(act.action).toBe("created");
    expect(r.body.status_set_by).toBe(`api_key:${act.actor_id}`);
    expect(new Date(r.body.status_set_at).getTime()).toBe(new Date(act.at).getTime());
    const g = await editor.get(`/v1/lists/${l}/subscriptions/${r.body.id}`);
    expect(g.body.contact.email).toBe("lea@luna-aventuras.net");
  });

  it("takes a starting status", async () => {
    const l = await list();
    const r = await editor.post(`/v1/lists/${l}/subscriptions`, {
      contact_id: await contact(),
      status: "pending",
    });
    expect(r.body.status).toBe("pending");
  });

  it("never adds a contact twice: the second add is 409 naming the existing subscription", async () => {
    const l = await list();
    const c = await contact();
    const first = await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: c });
    const second = await editor.post(`/v1/lists/${l}/subscriptions`, {
      contact_id: c,
      status: "unsubscribed",
    });
    expect(second.status).toBe(409);
    expect(second.body.error.details).toEqual({ subscription_id: first.body.id, status: "subscribed" });
    const rows = await rowsOf(l);
    expect(rows.map((s) => s.status)).toEqual(["subscribed"]);
  });

  it("never adds a contact twice under 10 concurrent requests", async () => {
    const l = await list();
    const c = await contact();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: c })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(await rowsOf(l)).toHaveLength(1);
    expect(await activities({ kind: "subscription", recordId: (await rowsOf(l))[0].id })).toHaveLength(1);
  });

  it("answers 404 for an unknown or foreign contact and 400 for bad bodies, writing nothing", async () => {
    const l = await list();
    const foreign = await contact({}, env.other.id);
    expect((await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: foreign })).status).toBe(404);
    expect((await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: "ct_nope" })).status).toBe(404);
    const c = await contact();
    for (const body of [
      { contact_id: c, status: "angemeldet" },
      { contact_id: c, x: 1 },
      { contact_id: 5 },
      {},
    ]) {
      const r = await editor.post(`/v1/lists/${l}/subscriptions`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect(await rowsOf(l)).toEqual([]);
  });
});

describe("listing subscriptions", () => {
  it("filters by status and contact and pages with a cursor", async () => {
    const l = await list();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await contact({ last_name: `Teilnehmer ${i}`, emails: [`t${i}@example.org`] });
      ids.push(c);
      await editor.post(`/v1/lists/${l}/subscriptions`, {
        contact_id: c,
        status: i % 2 ? "unsubscribed" : "subscribed",
      });
    }
    const subscribed = await editor.get(`/v1/lists/${l}/subscriptions?status=subscribed`);
    expect(subscribed.body.items.map((s: { contact_id: string }) => s.contact_id)).toEqual([
      ids[0],
      ids[2],
      ids[4],
    ]);
    const one = await editor.get(`/v1/lists/${l}/subscriptions?contact_id=${ids[3]}`);
    expect(one.body.items).toHaveLength(1);
    expect(one.body.items[0].contact).toMatchObject({ last_name: "Teilnehmer 3", email: "t3@example.org" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { body: { items: { contact_id: string }[]; next_cursor: string | null } } = await editor.get(
        `/v1/lists/${l}/subscriptions?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...p.body.items.map((s) => s.contact_id));
      cursor = p.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect((await editor.get(`/v1/lists/${l}`)).body.counts).toMatchObject({
      total: 5,
      subscribed: 3,
      unsubscribed: 2,
    });
  });
});

describe("adding all contacts matching a filter", () => {
  it("adds once; the second run adds nothing and reports them as already present", async () => {
    const l = await list();
    const marker = `Bulk${newId("m").slice(-6)}`;
    for (let i = 0; i < 4; i++) await contact({ first_name: "Anna", last_name: `${marker} ${i}` });
    await contact({ first_name: "Bernd", last_name: "Anderswo" });
    const first = await editor.post(`/v1/lists/${l}/subscriptions/bulk`, { filter: { q: marker } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ matched: 4, added: 4, already_present: 0 });
    const again = await editor.post(`/v1/lists/${l}/subscriptions/bulk`, { filter: { q: marker } });
    expect(again.body).toEqual({ matched: 4, added: 0, already_present: 4 });
    const rows = await rowsOf(l);
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.id)).size).toBe(4);
    expect(rows.every((r) => r.status === "subscribed" && r.status_set_by.startsWith("api_key:"))).toBe(true);
    const acts = await activities({ recordId: l, action: "subscriptions_added" });
    expect(acts.map((a) => (a.data as { added: number }).added)).toEqual([4, 0]);
  });

  it("combines contact_ids, email, has_email, custom fields, consent and another list's members", async () => {
    const tag = newId("t").slice(-8);
    const a = await contact({
      first_name: "A",
      emails: [`a.${tag}@Beispiel.DE`],
      custom_fields: { kurs: tag },
    });
    const b = await contact({
      first_name: "B",
      emails: [`b.${tag}@example.org`],
      custom_fields: { kurs: tag },
    });
    const c = await contact({ first_name: "C", custom_fields: { kurs: tag } });
    const d = await contact({ first_name: "D", emails: [`d.${tag}@example.org`] });
    const foreign = await contact({ first_name: "F", custom_fields: { kurs: tag } }, env.other.id);
    const now = new Date();
    const consent = (contactId: string, status: "granted" | "withdrawn", at: Date) => ({
      id: newId("cons"),
      workspace_id: env.ws.id,
      contact_id: contactId,
      channel: "email",
      purpose: "marketing",
      status,
      at,
    });
    await env.rt.db
      .insertInto("consents")
      .values([
        consent(a, "granted", new Date(now.getTime() - 2000)),
        consent(b, "granted", new Date(now.getTime() - 2000)),
        consent(b, "withdrawn", new Date(now.getTime() - 1000)),
      ])
      .execute();
    const add = async (filter: object) => {
      const l = await list();
      const r = await editor.post(`/v1/lists/${l}/subscriptions/bulk`, { filter });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (await rowsOf(l)).map((s) => s.contact_id).sort();
    };
    const sorted = (...ids: string[]) => ids.sort();
    expect(await add({ custom_field: "kurs", custom_value: tag })).toEqual(sorted(a, b, c));
    expect(await add({ custom_field: "kurs", custom_value: tag, has_email: true })).toEqual(sorted(a, b));
    expect(await add({ custom_field: "kurs", custom_value: tag, has_email: false })).toEqual([c]);
    expect(await add({ email: `A.${tag}@beispiel.de` })).toEqual([a]);
    expect(await add({ contact_ids: [a, d, foreign] })).toEqual(sorted(a, d));
    expect(await add({ custom_field: "kurs", consent: { channel: "email", purpose: "marketing" } })).toEqual([
      a,
    ]);
    const source = await list();
    await editor.post(`/v1/lists/${source}/subscriptions`, { contact_id: b });
    await editor.post(`/v1/lists/${source}/subscriptions`, { contact_id: d, status: "unsubscribed" });
    expect(await add({ from_list_id: source })).toEqual([b]);
    expect(await add({ from_list_id: source, from_list_status: "unsubscribed" })).toEqual([d]);
  });

  it("rejects bad filters and foreign lists with 4xx and adds nothing", async () => {
    const l = await list();
    const foreignList = await list("Fremd", env.other.admin);
    const cases: [object, number][] = [
      [{ filter: { custom_value: "x" } }, 400],
      [{ filter: { from_list_status: "subscribed" } }, 400],
      [{ filter: { email: "kein-at" } }, 400],
      [{ filter: { colour: "red" } }, 400],
      [{ filter: {}, status: "gelöscht" }, 400],
      [{}, 400],
      [{ filter: { from_list_id: foreignList } }, 404],
    ];
    for (const [body, status] of cases) {
      const r = await editor.post(`/v1/lists/${l}/subscriptions/bulk`, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
    }
    expect(
      (await api(env.app, env.other.admin).post(`/v1/lists/${l}/subscriptions/bulk`, { filter: {} })).status,
    ).toBe(404);
    expect(await rowsOf(l)).toEqual([]);
  });

  it("keeps one row per contact whatever mix of single and bulk adds runs (property)", async () => {
    const pool = await Promise.all(Array.from({ length: 6 }, () => contact({ first_name: "Pool" })));
    const actx = { workspaceId: env.ws.id, actor: systemActor("test"), now: new Date() };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("one" as const), i: fc.nat({ max: 5 }) }),
      fc.record({
        kind: fc.constant("bulk" as const),
        pick: fc.uniqueArray(fc.nat({ max: 5 }), { minLength: 1 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), async (ops) => {
        const l = await list("Eigenschaft");
        const expected = new Set<string>();
        let created = 0;
        for (const o of ops) {
          if (o.kind === "one") {
            const r = await addSubscription(env.rt.db, actx, l, pool[o.i]).catch((e: { code: string }) => e);
            if (!("code" in r) || r.code !== "conflict") created++;
            expected.add(pool[o.i]);
          } else {
            const ids = o.pick.map((i) => pool[i]);
            const r = await editor.post(`/v1/lists/${l}/subscriptions/bulk`, {
              filter: { contact_ids: ids },
            });
            created += r.body.added;
            for (const id of ids) expected.add(id);
          }
        }
        const rows = await rowsOf(l);
        expect(rows.map((r) => r.contact_id).sort()).toEqual([...expected].sort());
        expect(created).toBe(rows.length);
      }),
      { numRuns: 12 },
    );
  });
});

describe("subscription status", () => {
  it("sets every status with set-at and set-by and logs before/after", async () => {
    const l = await list();
    const sub = (await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: await contact() })).body;
    // Walk every status, ending with one different from the starting "subscribed".
    const order = [...subscriptionStatuses.filter((s) => s !== "subscribed"), "subscribed", "unsubscribed"];
    let previous = "subscribed";
    for (const [i, status] of order.entries()) {
      const at = new Date(Date.UTC(2024, 0, 1 + i, 9, 30));
      env.setNow(at);
      const r = await editor.patch(`/v1/lists/${l}/subscriptions/${sub.id}`, { status });
      expect(r.status).toBe(200);
      expect(r.body.status).toBe(status);
      expect(new Date(r.body.status_set_at).toISOString()).toBe(at.toISOString());
      expect(r.body.status_set_by).toMatch(/^api_key:key_/);
      const acts = await activities({ recordId: sub.id, action: "updated" });
      expect(acts[acts.length - 1].changes).toMatchObject({ status: { before: previous, after: status } });
      previous = status;
    }
    env.setNow(null);
  });

  it("leaves set-at alone and logs nothing when the status does not change", async () => {
    const l = await list();
    const sub = (await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: await contact() })).body;
    env.setNow(new Date(Date.UTC(2030, 0, 1)));
    const r = await editor.patch(`/v1/lists/${l}/subscriptions/${sub.id}`, { status: "subscribed" });
    env.setNow(null);
    expect(r.body.status_set_at).toBe(sub.status_set_at);
    expect(await activities({ recordId: sub.id, action: "updated" })).toEqual([]);
  });

  it("lets a process set a contact's status on every list, named as set-by", async () => {
    const c = await contact();
    const [l1, l2, l3] = [await list(), await list(), await list()];
    for (const l of [l1, l2]) await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: c });
    await editor.post(`/v1/lists/${l3}/subscriptions`, { contact_id: c, status: "bounced_permanent" });
    const actx = { workspaceId: env.ws.id, actor: systemActor("bounces"), now: new Date() };
    const changed = await setSubscriptionStatus(
      env.rt.db,
      actx,
      { contactId: c },
      "bounced_permanent",
      "bounces",
    );
    expect(changed.map((s) => s.list_id).sort()).toEqual([l1, l2].sort());
    expect(changed.every((s) => s.status_set_by === "bounces")).toBe(true);
    const one = await setSubscriptionStatus(env.rt.db, actx, { contactId: c, listId: l1 }, "unsubscribed");
    expect(one.map((s) => [s.list_id, s.status, s.status_set_by])).toEqual([
      [l1, "unsubscribed", "system:bounces"],
    ]);
    const acts = await activities({ kind: "subscription", action: "updated" });
    expect(acts.filter((a) => a.actor_name === "bounces")).toHaveLength(3);
  });

  it("names the user or API key that set a status; processes and recipients have no name", async () => {
    const op = api(env.app, env.operatorKey);
    const named = await op.post(`/v1/workspaces/${env.ws.id}/api-keys`, {
      role: "editor",
      name: "Buchungssystem",
    });
    expect(named.status).toBe(201);
    const booking = api(env.app, named.body.key);
    const c = await contact({ first_name: "Nora", last_name: "Name", emails: ["nora@example.org"] });
    const l = await list();
    const added = await booking.post(`/v1/lists/${l}/subscriptions`, { contact_id: c });
    expect(added.body).toMatchObject({
      status_set_by: `api_key:${named.body.id}`,
      status_set_by_name: "Buchungssystem",
    });
    const got = await editor.get(`/v1/lists/${l}/subscriptions/${added.body.id}`);
    expect(got.body.status_set_by_name).toBe("Buchungssystem");
    const page = await editor.get(`/v1/lists/${l}/subscriptions`);
    expect(page.body.items.map((s: { status_set_by_name: string }) => s.status_set_by_name)).toEqual([
      "Buchungssystem",
    ]);
    const exported = await editor.get(`/v1/contacts/${c}/export`);
    expect(exported.body.subscriptions[0].status_set_by_name).toBe("Buchungssystem");
    // The test env's editor key has no name: its id is all there is, and the name is null.
    const patched = await editor.patch(`/v1/lists/${l}/subscriptions/${added.body.id}`, {
      status: "unsubscribed",
    });
    expect(patched.body.status_set_by).toMatch(/^api_key:key_/);
    expect(patched.body.status_set_by_name).toBeNull();
    const actx = { workspaceId: env.ws.id, actor: systemActor("bounces"), now: new Date() };
    await setSubscriptionStatus(env.rt.db, actx, { contactId: c }, "bounced_permanent", "bounces");
    const after = await editor.get(`/v1/lists/${l}/subscriptions/${added.body.id}`);
    expect(after.body).toMatchObject({ status_set_by: "bounces", status_set_by_name: null });
  });

  it("never touches another workspace's subscriptions", async () => {
    const l = await list();
    const sub = (await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: await contact() })).body;
    const actx = { workspaceId: env.other.id, actor: systemActor("sync"), now: new Date() };
    expect(await setSubscriptionStatus(env.rt.db, actx, [sub.id], "unsubscribed")).toEqual([]);
    const other = api(env.app, env.other.admin);
    expect(
      (await other.patch(`/v1/lists/${l}/subscriptions/${sub.id}`, { status: "unsubscribed" })).status,
    ).toBe(404);
    expect((await other.delete(`/v1/lists/${l}/subscriptions/${sub.id}`)).status).toBe(404);
    expect((await other.get(`/v1/lists/${l}/subscriptions/${sub.id}`)).status).toBe(404);
    // the same subscription through a different list of the right workspace is not found either
    const wrongList = await list();
    expect((await editor.get(`/v1/lists/${wrongList}/subscriptions/${sub.id}`)).status).toBe(404);
    expect((await rowsOf(l))[0].status).toBe("subscribed");
  });

  it("rejects an unknown status and a viewer's change", async () => {
    const l = await list();
    const sub = (await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: await contact() })).body;
    expect(
      (await editor.patch(`/v1/lists/${l}/subscriptions/${sub.id}`, { status: "abgemeldet" })).status,
    ).toBe(400);
    const viewer = api(env.app, env.ws.viewer);
    expect(
      (await viewer.patch(`/v1/lists/${l}/subscriptions/${sub.id}`, { status: "unsubscribed" })).status,
    ).toBe(403);
    expect((await viewer.post(`/v1/lists/${l}/subscriptions/bulk`, { filter: {} })).status).toBe(403);
    expect((await rowsOf(l))[0].status).toBe("subscribed");
  });
});

describe("removing a contact from a list", () => {
  it("deletes the subscription and logs it", async () => {
    const l = await list();
    const sub = (await editor.post(`/v1/lists/${l}/subscriptions`, { contact_id: await contact() })).body;
    const d = await editor.delete(`/v1/lists/${l}/subscriptions/${sub.id}`);
    expect(d.status).toBe(200);
    expect(await rowsOf(l)).toEqual([]);
    expect((await activities({ recordId: sub.id })).map((a) => a.action)).toEqual(["created", "deleted"]);
    expect((await editor.delete(`/v1/lists/${l}/subscriptions/${sub.id}`)).status).toBe(404);
  });
});
