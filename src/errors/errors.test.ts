import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { reasons } from "../inbound/reasons.js";
import { catalogue } from "./catalogue.js";
import { explain } from "./service.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const activitiesOf = async (code: string) =>
  (
    await api(env.app, env.ws.viewer).get(
      `/v1/activities?kind=error_registry_entry&record_id=${encodeURIComponent(code)}`,
    )
  ).body.items;

describe("shipped catalogue", () => {
  it("has an entry for every bounce reason, the SMTP codes, Poststelle's own reasons, each in German and English", () => {
    const codes = new Set(catalogue.map((e) => e.code));
    for (const r of reasons) expect(codes.has(r), r).toBe(true);
    for (const c of ["421", "450", "451", "452", "500", "550", "551", "552", "553", "554"])
      expect(codes.has(c), c).toBe(true);
    for (const c of ["5.1.1", "5.1.2", "5.2.2", "5.7.1", "5.7.26", "4.4.7"])
      expect(codes.has(c), c).toBe(true);
    for (const c of [
      "blocklisted",
      "no_consent",
      "unsubscribed",
      "no_address",
      "earlier_hard_bounce",
      "unknown_outcome",
      "smtp_connection",
    ])
      expect(codes.has(c), c).toBe(true);
    expect(catalogue.some((e) => e.code.startsWith("sendgrid:"))).toBe(true);
    expect(catalogue.some((e) => e.code.startsWith("mailgun:"))).toBe(true);
    expect(catalogue.some((e) => e.code.startsWith("postmark:"))).toBe(true);
    expect(catalogue.some((e) => e.code.startsWith("ses:"))).toBe(true);
    expect(codes.size).toBe(catalogue.length);
    for (const e of catalogue) {
      for (const f of [e.label, e.explanation, e.remedy]) {
        expect(f.de.length, `${e.code} de`).toBeGreaterThan(3);
        expect(f.en.length, `${e.code} en`).toBeGreaterThan(3);
      }
    }
  });

  it("lists entries in the asked language, filtered by q, paged by code", async () => {
    const c = api(env.app, env.ws.viewer);
    const de = await c.get("/v1/error-registry?q=userunknown");
    expect(de.status).toBe(200);
    expect(de.body.items[0]).toMatchObject({
      code: "userunknown",
      lang: "de",
      source: "shipped",
      severity: "hard",
    });
    expect(de.body.items[0].label).toBe("Adresse existiert nicht");
    const en = await c.get("/v1/error-registry?q=userunknown&lang=en");
    expect(en.body.items[0].label).toBe("Address does not exist");
    const full = await c.get("/v1/error-registry?q=postfach%20voll");
    expect(full.body.items.map((i: { code: string }) => i.code)).toContain("mailboxfull");
    const first = await c.get("/v1/error-registry?limit=5");
    expect(first.body.items).toHaveLength(5);
    const second = await c.get(`/v1/error-registry?limit=5&cursor=${first.body.next_cursor}`);
    expect(second.body.items[0].code > first.body.items[4].code).toBe(true);
    const bad = await c.get("/v1/error-registry?lang=fr");
    expect(bad.status).toBe(400);
  });
});

describe("workspace changes", () => {
  it("overrides a shipped text, logs it, and DELETE resets it to the shipped text", async () => {
    const ed = api(env.app, env.ws.editor);
    const put = await ed.put("/v1/error-registry/5.1.1", {
      explanation: { de: "Diese Adresse kennt der Server des Kunden nicht." },
    });
    expect(put.status).toBe(200);
    expect(put.body.source).toBe("override");
    expect(put.body.texts.explanation.de).toBe("Diese Adresse kennt der Server des Kunden nicht.");
    // English stays shipped.
    expect(put.body.texts.explanation.en).toBe(put.body.shipped.explanation.en);
    const got = await ed.get("/v1/error-registry/5.1.1?lang=de");
    expect(got.body.explanation).toBe("Diese Adresse kennt der Server des Kunden nicht.");
    expect(await explain(env.rt.db, env.ws.id, "5.1.1", "de")).toMatchObject({
      code: "5.1.1",
      explanation: "Diese Adresse kennt der Server des Kunden nicht.",
    });

    const del = await ed.delete("/v1/error-registry/5.1.1");
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ code: "5.1.1", reset: true, deleted: false });
    const after = await ed.get("/v1/error-registry/5.1.1?lang=de");
    expect(after.body.source).toBe("shipped");
    expect(after.body.explanation).toBe(catalogue.find((e) => e.code === "5.1.1")?.explanation.de);
    expect((await ed.delete("/v1/error-registry/5.1.1")).status).toBe(404);

    const acts = await activitiesOf("5.1.1");
    expect(acts.map((a: { action: string }) => a.action)).toEqual(["reset", "created"]);
    expect(acts[1].changes.explanation.after.de).toBe("Diese Adresse kennt der Server des Kunden nicht.");
  });

  it("adds an own entry that explain() returns, with the other language as fallback", async () => {
    const ed = api(env.app, env.ws.editor);
    const missing = await ed.put("/v1/error-registry/kalender:termin_abgesagt", { explanation: { de: "x" } });
    expect(missing.status).toBe(400);
    const put = await ed.put("/v1/error-registry/kalender:termin_abgesagt", {
      severity: "info",
      label: { de: "Termin abgesagt" },
      explanation: { de: "Der Termin wurde abgesagt, bevor die Erinnerung verschickt wurde." },
      remedy: { de: "Nichts tun." },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ source: "custom", category: "custom", severity: "info" });
    expect(await explain(env.rt.db, env.ws.id, "kalender:termin_abgesagt", "en")).toEqual({
      code: "kalender:termin_abgesagt",
      label: "Termin abgesagt",
      explanation: "Der Termin wurde abgesagt, bevor die Erinnerung verschickt wurde.",
      remedy: "Nichts tun.",
    });
    const list = await ed.get("/v1/error-registry?category=custom");
    expect(list.body.items.map((i: { code: string }) => i.code)).toEqual(["kalender:termin_abgesagt"]);
    const del = await ed.delete("/v1/error-registry/kalender:termin_abgesagt");
    expect(del.body).toEqual({ code: "kalender:termin_abgesagt", reset: false, deleted: true });
    expect(await explain(env.rt.db, env.ws.id, "kalender:termin_abgesagt")).toBeNull();
    const acts = await activitiesOf("kalender:termin_abgesagt");
    expect(acts.map((a: { action: string }) => a.action)).toEqual(["deleted", "created"]);
  });

  it("keeps each workspace's changes to itself and refuses viewers, unknown codes and unknown fields", async () => {
    const ed = api(env.app, env.ws.editor);
    await ed.put("/v1/error-registry/mailboxfull", { label: { de: "Postfach des Kunden ist voll" } });
    await ed.put("/v1/error-registry/eigener:code", { label: { en: "Own code" } });
    const other = api(env.app, env.other.admin);
    expect((await other.get("/v1/error-registry/mailboxfull")).body.label).toBe("Postfach voll");
    expect((await other.get("/v1/error-registry/eigener:code")).status).toBe(404);
    expect((await other.delete("/v1/error-registry/eigener:code")).status).toBe(404);
    expect((await other.delete("/v1/error-registry/mailboxfull")).status).toBe(404);
    expect(await explain(env.rt.db, env.other.id, "eigener:code")).toBeNull();
    expect((await explain(env.rt.db, env.ws.id, "mailboxfull"))?.label).toBe("Postfach des Kunden ist voll");

    const viewer = api(env.app, env.ws.viewer);
    expect((await viewer.put("/v1/error-registry/mailboxfull", { label: { de: "x" } })).status).toBe(403);
    expect((await viewer.delete("/v1/error-registry/mailboxfull")).status).toBe(403);
    expect((await ed.get("/v1/error-registry/does-not-exist")).status).toBe(404);
    const unknownField = await ed.put("/v1/error-registry/mailboxfull", { colour: "red" });
    expect(unknownField.status).toBe(400);
    const badCode = await ed.put("/v1/error-registry/%20bad%20code", { label: { de: "x" } });
    expect(badCode.status).toBe(400);
    // Nothing changed by the refused requests.
    expect((await ed.get("/v1/error-registry/mailboxfull")).body.label).toBe("Postfach des Kunden ist voll");
  });
});
