import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { hasConsent } from "./consent.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const editor = () => api(env.app, env.ws.editor);
const contact = async (last: string) =>
  (await editor().post("/v1/contacts", { last_name: last, emails: [`${last.toLowerCase()}@example.de`] }))
    .body.id as string;

describe("consent", () => {
  it("keeps the whole history with its evidence; the current state is the newest entry per channel and purpose", async () => {
    const id = await contact("Lang");
    const granted = await editor().post(`/v1/contacts/${id}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      at: "2025-01-10T09:00:00Z",
      by: "Frau Berger (Empfang)",
      source: "paper form",
      wording: "Ich möchte den Newsletter der Praxis erhalten.",
      ip: "192.0.2.7",
    });
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ status: "granted", by: "Frau Berger (Empfang)", ip: "192.0.2.7" });
    await editor().post(`/v1/contacts/${id}/consents`, {
      channel: "sms",
      purpose: "appointment_reminders",
      status: "granted",
      source: "web form",
    });
    await editor().post(`/v1/contacts/${id}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "withdrawn",
      at: "2025-02-01T12:00:00Z",
      source: "unsubscribe link",
    });
    // Back-dated evidence that arrives late does not override the newer withdrawal.
    await editor().post(`/v1/contacts/${id}/consents`, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      at: "2025-01-20T08:00:00Z",
      source: "phone call",
    });
    const s = await editor().get(`/v1/contacts/${id}/consents`);
    expect(s.status).toBe(200);
    expect(s.body.history.map((h: { status: string; source: string }) => `${h.status}:${h.source}`)).toEqual([
      "granted:web form",
      "withdrawn:unsubscribe link",
      "granted:phone call",
      "granted:paper form",
    ]);
    const current = Object.fromEntries(
      s.body.current.map((c: { channel: string; purpose: string; status: string }) => [
        `${c.channel}/${c.purpose}`,
        c.status,
      ]),
    );
    expect(current).toEqual({ "email/marketing": "withdrawn", "sms/appointment_reminders": "granted" });
    expect(s.body.history[3].wording).toBe("Ich möchte den Newsletter der Praxis erhalten.");
    const g = await editor().get(`/v1/contacts/${id}`);
    expect(g.body.consents).toHaveLength(2);
    expect(g.body.consents.find((c: { channel: string }) => c.channel === "email").source).toBe(
      "unsubscribe link",
    );
    const acts = await editor().get("/v1/activities?kind=consent");
    expect(acts.body.items).toHaveLength(4);
    expect(acts.body.items[0].data).toEqual({ contact_id: id });
  });

  it("rejects a future date, an unknown channel, a missing source and unknown fields, writing nothing", async () => {
    const id = await contact("Streng");
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const cases = [
      { channel: "email", purpose: "marketing", status: "granted", source: "x", at: future },
      { channel: "fax", purpose: "marketing", status: "granted", source: "x" },
      { channel: "email", purpose: "marketing", status: "granted" },
      { channel: "email", purpose: "Marketing!", status: "granted", source: "x" },
      { channel: "email", purpose: "marketing", status: "maybe", source: "x" },
      { channel: "email", purpose: "marketing", status: "granted", source: "x", colour: "red" },
      { channel: "email", purpose: "marketing", status: "granted", source: "x", ip: "999.1.1.1" },
    ];
    for (const body of cases) {
      const r = await editor().post(`/v1/contacts/${id}/consents`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await editor().get(`/v1/contacts/${id}/consents`)).body.history).toEqual([]);
    const body = { channel: "email", purpose: "marketing", status: "granted", source: "x" };
    expect((await api(env.app, env.ws.viewer).post(`/v1/contacts/${id}/consents`, body)).status).toBe(403);
    expect((await api(env.app, env.other.admin).post(`/v1/contacts/${id}/consents`, body)).status).toBe(404);
  });

  it("hasConsent answers a whole batch: granted now, never for another workspace; transactional needs none", async () => {
    const [yes, withdrawn, never] = [await contact("Ja"), await contact("Zurueck"), await contact("Nie")];
    const grant = (id: string, status: string, at: string) =>
      editor().post(`/v1/contacts/${id}/consents`, {
        channel: "email",
        purpose: "marketing",
        status,
        at,
        source: "test",
      });
    await grant(yes, "granted", "2025-01-01T00:00:00Z");
    await grant(withdrawn, "granted", "2025-01-01T00:00:00Z");
    await grant(withdrawn, "withdrawn", "2025-01-02T00:00:00Z");
    const foreign = (await api(env.app, env.other.admin).post("/v1/contacts", { last_name: "Fremd" })).body
      .id;
    const ids = [yes, withdrawn, never, foreign, "con_unknown"];
    const db = env.rt.db;
    expect([...(await hasConsent(db, env.ws.id, ids, "email", "marketing"))]).toEqual([yes]);
    expect([...(await hasConsent(db, env.ws.id, ids, "sms", "marketing"))]).toEqual([]);
    expect(new Set(await hasConsent(db, env.ws.id, ids, "email", "transactional"))).toEqual(
      new Set([yes, withdrawn, never]),
    );
    expect((await hasConsent(db, env.ws.id, [], "email", "marketing")).size).toBe(0);
  });
});
