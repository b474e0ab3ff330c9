import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";
import { renderForMessage } from "./service.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const editor = () => api(env.app, env.ws.editor);
const viewer = () => api(env.app, env.ws.viewer);

async function insertContact(workspaceId: string, fields: Record<string, unknown> = {}) {
  const now = env.rt.now();
  const id = newId("con", now.getTime());
  await env.rt.db
    .insertInto("contacts")
    .values({
      id,
      workspace_id: workspaceId,
      salutation: "Herr",
      first_name: "Jürgen",
      last_name: "Müller",
      letter_salutation: "Sehr geehrter Herr Müller",
      emails: ["j.mueller@example.de"],
      email_keys: ["j.mueller@example.de"],
      street: "Hauptstraße 5",
      postal_code: "10115",
      city: "Berlin",
      country: "DE",
      custom_fields: JSON.stringify({ kundennummer: "K-4711" }),
      created_at: now,
      updated_at: now,
      ...fields,
    })
    .execute();
  return id;
}

async function activitiesOf(recordId: string) {
  const r = await api(env.app, env.ws.admin).get(`/v1/activities?kind=template&record_id=${recordId}`);
  return r.body.items as { action: string; actor: { type: string } }[];
}

const invoice = {
  name: "Rechnung",
  subject: "Ihre Rechnung {{ data.invoice_number }}",
  html: "<p>{{ contact.letter_salutation }},</p>\n<p>anbei Rechnung {{ data.invoice_number }} über {{ data.amount | money_de }}, fällig am {{ data.due | date_de }}.</p>\n<p>Kundennummer {{ contact.custom_fields.kundennummer }}</p>",
};

describe("templates CRUD", () => {
  it("creates, reads, lists, changes and deletes a template, each write in the activity log", async () => {
    const c = await editor().post("/v1/templates", invoice);
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: "Rechnung", kind: "email", language: "de", text: null, mjml: null });
    const id = c.body.id as string;

    expect((await viewer().get(`/v1/templates/${id}`)).body.subject).toBe(invoice.subject);
    const list = await viewer().get("/v1/templates?kind=email&q=rech");
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([id]);
    expect((await viewer().get("/v1/templates?kind=letter")).body.items).toEqual([]);

    const u = await editor().patch(`/v1/templates/${id}`, {
      name: "Rechnung 2026",
      text: "Rechnung {{ data.invoice_number }}",
    });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({
      name: "Rechnung 2026",
      text: "Rechnung {{ data.invoice_number }}",
      version: 2,
    });

    const d = await editor().delete(`/v1/templates/${id}`);
    expect(d.status).toBe(200);
    expect((await viewer().get(`/v1/templates/${id}`)).status).toBe(404);
    expect((await activitiesOf(id)).map((a) => a.action).sort()).toEqual(["created", "deleted", "updated"]);
  });

  it("pages through templates with a cursor", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3])
      ids.push(
        (await editor().post("/v1/templates", { name: `Seite ${n}`, subject: "s", text: "t" })).body.id,
      );
    const first = await viewer().get("/v1/templates?limit=2&q=Seite");
    expect(first.body.items.map((t: { id: string }) => t.id)).toEqual(ids.slice(0, 2));
    const second = await viewer().get(`/v1/templates?limit=2&q=Seite&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((t: { id: string }) => t.id)).toEqual(ids.slice(2));
    expect(second.body.next_cursor).toBeNull();
  });

  it("rejects a second template with the same name with 409", async () => {
    await editor().post("/v1/templates", { name: "Doppelt", subject: "s", text: "t" });
    const r = await editor().post("/v1/templates", { name: "Doppelt", subject: "s", text: "t" });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain("Doppelt");
  });

  it("rejects unknown fields, html and mjml together, a missing body and a bad language", async () => {
    const base = { name: "Fehler", subject: "s" };
    const cases = [
      { ...base, html: "<p>x</p>", colour: "red" },
      { ...base, html: "<p>x</p>", mjml: "<mjml></mjml>" },
      base,
      { ...base, text: "x", language: "deutsch" },
      { ...base, text: "x", kind: "sms" },
    ];
    for (const body of cases) {
      const r = await editor().post("/v1/templates", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe("invalid");
    }
    expect((await viewer().get("/v1/templates?q=Fehler")).body.items).toEqual([]);
  });

  it("lets a viewer read and preview but not create, change or delete (403)", async () => {
    const id = (await editor().post("/v1/templates", { name: "Nur lesen", subject: "s", text: "t" })).body.id;
    expect((await viewer().post("/v1/templates", { name: "V", subject: "s", text: "t" })).status).toBe(403);
    expect((await viewer().patch(`/v1/templates/${id}`, { name: "V" })).status).toBe(403);
    expect((await viewer().delete(`/v1/templates/${id}`)).status).toBe(403);
    expect((await viewer().post(`/v1/templates/${id}/preview`, {})).status).toBe(200);
    expect((await viewer().post(`/v1/templates/${id}/test-send`, { to: "a@example.de" })).status).toBe(403);
  });

  it("hides another workspace's templates: 404 for read, change, delete and preview", async () => {
    const id = (await editor().post("/v1/templates", { name: "Eigene", subject: "s", text: "t" })).body.id;
    const other = api(env.app, env.other.admin);
    expect((await other.get(`/v1/templates/${id}`)).status).toBe(404);
    expect((await other.patch(`/v1/templates/${id}`, { name: "x" })).status).toBe(404);
    expect((await other.delete(`/v1/templates/${id}`)).status).toBe(404);
    expect((await other.post(`/v1/templates/${id}/preview`, {})).status).toBe(404);
    expect((await other.get("/v1/templates")).body.items).toEqual([]);
    expect((await viewer().get(`/v1/templates/${id}`)).body.name).toBe("Eigene");
  });
});

describe("validation at save time", () => {
  it("reports an unknown merge field with part, line and column and saves nothing", async () => {
    const html = "<p>Hallo,</p>\n<p>schön, dass Sie da sind,</p>\n<p>{{ contact.frist_name }}</p>";
    const r = await editor().post("/v1/templates", { name: "Tippfehler", subject: "Hallo", html });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      { part: "html", line: 3, column: 7, message: expect.stringContaining("contact.frist_name") },
    ]);
    expect(r.body.error.message).toContain("html line 3, column 7");
    expect((await viewer().get("/v1/templates?q=Tippfehler")).body.items).toEqual([]);
  });

  it("reports a syntax error in the subject with line and column", async () => {
    const r = await editor().post("/v1/templates", {
      name: "Syntax",
      subject: "Rechnung {{ data.nr",
      text: "x",
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([
      {
        part: "subject",
        line: 1,
        column: 10,
        message: "The placeholder '{{ data.nr' is not closed: '}}' is missing.",
      },
    ]);
  });

  it("refuses a change that breaks the template and keeps the old version", async () => {
    const id = (await editor().post("/v1/templates", invoice)).body.id;
    const r = await editor().patch(`/v1/templates/${id}`, { text: "Hallo\n{% if data.x %}" });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toMatchObject({ part: "text", line: 2, column: 1 });
    const t = await viewer().get(`/v1/templates/${id}`);
    expect(t.body).toMatchObject({ text: null, version: 1 });
    expect((await activitiesOf(id)).map((a) => a.action)).toEqual(["created"]);
  });

  it("compiles MJML to responsive HTML on save and reports MJML errors by line", async () => {
    const mjml = `<mjml><mj-body><mj-section><mj-column>
  <mj-text>Hallo {{ contact.first_name }}, Ihr Termin am {{ data.when | date_de }} steht.</mj-text>
</mj-column></mj-section></mj-body></mjml>`;
    const r = await editor().post("/v1/templates", { name: "Termin", subject: "Termin", mjml });
    expect(r.status).toBe(201);
    expect(r.body.mjml).toBe(mjml);
    expect(r.body.html).toContain(
      "Hallo {{ contact.first_name }}, Ihr Termin am {{ data.when | date_de }} steht.",
    );
    expect(r.body.html).toContain("@media");

    const p = await editor().post(`/v1/templates/${r.body.id}/preview`, { data: { when: "2026-11-23" } });
    expect(p.body.html).toContain("Hallo Erika, Ihr Termin am 23.11.2026 steht.");
    expect(p.body.text).toContain("Hallo Erika, Ihr Termin am 23.11.2026 steht.");

    const bad = await editor().post("/v1/templates", {
      name: "Termin kaputt",
      subject: "s",
      mjml: "<mjml>\n<mj-body>\n<mj-section><mj-column>\n<mj-txt>x</mj-txt>\n</mj-column></mj-section></mj-body></mjml>",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ part: "mjml", line: 4 });
    const typo = await editor().post("/v1/templates", {
      name: "Termin Tippfehler",
      subject: "s",
      mjml: "<mjml><mj-body><mj-section><mj-column>\n<mj-text>{{ contact.nachname }}</mj-text>\n</mj-column></mj-section></mj-body></mjml>",
    });
    expect(typo.body.error.details[0]).toMatchObject({ part: "mjml", line: 2, column: 13 });
  });

  it("replacing the HTML of an MJML template drops the MJML source", async () => {
    const mjml =
      "<mjml><mj-body><mj-section><mj-column><mj-text>A</mj-text></mj-column></mj-section></mj-body></mjml>";
    const id = (await editor().post("/v1/templates", { name: "Umstieg", subject: "s", mjml })).body.id;
    const r = await editor().patch(`/v1/templates/${id}`, { html: "<p>B</p>" });
    expect(r.body).toMatchObject({ html: "<p>B</p>", mjml: null });
  });
});

describe("preview", () => {
  it("renders subject, HTML and generated text for a chosen contact", async () => {
    const id = (await editor().post("/v1/templates", { ...invoice, name: "Vorschau" })).body.id;
    const contactId = await insertContact(env.ws.id);
    const r = await viewer().post(`/v1/templates/${id}/preview`, {
      contact_id: contactId,
      data: { invoice_number: "R-17", amount: 1234.56, due: "2026-11-23" },
    });
    expect(r.status).toBe(200);
    expect(r.body.subject).toBe("Ihre Rechnung R-17");
    expect(r.body.html).toContain("<p>Sehr geehrter Herr Müller,</p>");
    expect(r.body.html).toContain("über 1.234,56 €, fällig am 23.11.2026.");
    expect(r.body.text).toBe(
      "Sehr geehrter Herr Müller,\n\nanbei Rechnung R-17 über 1.234,56 €, fällig am 23.11.2026.\n\nKundennummer K-4711",
    );
  });

  it("answers 404 for another workspace's contact and 400 for missing data", async () => {
    const id = (await editor().post("/v1/templates", { ...invoice, name: "Vorschau 2" })).body.id;
    const foreign = await insertContact(env.other.id);
    const r = await editor().post(`/v1/templates/${id}/preview`, { contact_id: foreign });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
    const missing = await editor().post(`/v1/templates/${id}/preview`, { data: { invoice_number: "R-1" } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0]).toMatchObject({
      part: "html",
      line: 2,
      message: expect.stringContaining("data.amount"),
    });
  });

  it("shows data fields as placeholders when no data is given", async () => {
    const id = (await editor().post("/v1/templates", { ...invoice, name: "Vorschau 3" })).body.id;
    const r = await editor().post(`/v1/templates/${id}/preview`, {});
    expect(r.body.subject).toBe("Ihre Rechnung [data.invoice_number]");
    expect(r.body.html).toContain("Sehr geehrte Frau Mustermann");
    expect(r.body.html).toContain("über [data.amount], fällig am [data.due].");
  });
});

describe("live preview of an unsaved template", () => {
  it("renders the parts as typed for a chosen contact, and stores nothing", async () => {
    const contactId = await insertContact(env.ws.id);
    const before = await env.rt.db.selectFrom("templates").select("id").execute();
    const r = await viewer().post("/v1/templates/preview", {
      subject: invoice.subject,
      html: invoice.html,
      contact_id: contactId,
      data: { invoice_number: "R-18", amount: 5, due: "2026-12-01" },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ template_id: null, contact_id: contactId, subject: "Ihre Rechnung R-18" });
    expect(r.body.html).toContain("über 5,00 €, fällig am 01.12.2026.");
    expect(r.body.text).toContain("Sehr geehrter Herr Müller,");
    expect(await env.rt.db.selectFrom("templates").select("id").execute()).toHaveLength(before.length);
  });

  it("reports each problem with its part, line and column, as saving would", async () => {
    const r = await editor().post("/v1/templates/preview", {
      subject: "Hallo {{ contact.nickname }}",
      html: "<p>Zeile 1</p>\n<p>{% if %}</p>",
    });
    expect(r.status).toBe(400);
    const details = r.body.error.details as { part: string; line: number; column: number }[];
    expect(details.find((d) => d.part === "subject")).toMatchObject({ line: 1, column: 10 });
    expect(details.find((d) => d.part === "html")).toMatchObject({ line: 2 });
  });

  it("compiles MJML like saving does, and refuses another workspace's contact with 404", async () => {
    const mjml =
      "<mjml><mj-body><mj-section><mj-column><mj-text>Hallo {{ contact.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>";
    const r = await editor().post("/v1/templates/preview", { subject: "S", mjml });
    expect(r.status).toBe(200);
    expect(r.body.html).toContain("Hallo Erika");
    const foreign = await insertContact(env.other.id);
    const f = await editor().post("/v1/templates/preview", { subject: "S", text: "x", contact_id: foreign });
    expect(f.status).toBe(404);
  });
});

describe("rendering for messages", () => {
  it("renders a stored template and follows every change, even within one clock tick", async () => {
    env.setNow(new Date("2026-11-23T10:00:00Z"));
    try {
      const id = (
        await editor().post("/v1/templates", { name: "Cache", subject: "v1 {{ data.x }}", text: "t" })
      ).body.id;
      const contact = { first_name: "Ida" };
      expect((await renderForMessage(env.rt, env.ws.id, id, { contact, data: { x: 1 } })).subject).toBe(
        "v1 1",
      );
      await editor().patch(`/v1/templates/${id}`, { subject: "v2 {{ data.x }} {{ contact.first_name }}" });
      expect((await renderForMessage(env.rt, env.ws.id, id, { contact, data: { x: 1 } })).subject).toBe(
        "v2 1 Ida",
      );
      await expect(renderForMessage(env.rt, env.other.id, id, { data: { x: 1 } })).rejects.toMatchObject({
        status: 404,
      });
    } finally {
      env.setNow(null);
    }
  });
});

describe("test send", () => {
  it("sends the rendered template to one address as a transactional message marked as a test", async () => {
    const id = (await editor().post("/v1/templates", { ...invoice, name: "Testversand" })).body.id;
    const contactId = await insertContact(env.ws.id);
    const r = await editor().post(`/v1/templates/${id}/test-send`, {
      to: "pruefer@example.de",
      from: "buero@hundeschule.example",
      contact_id: contactId,
      data: { invoice_number: "R-9", amount: 10, due: "2026-12-24" },
    });
    expect(r.status).toBe(202);
    const m = await env.rt.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", r.body.id)
      .executeTakeFirstOrThrow();
    expect(m).toMatchObject({
      workspace_id: env.ws.id,
      to_address: "pruefer@example.de",
      from_address: "buero@hundeschule.example",
      subject: "[Test] Ihre Rechnung R-9",
      send_state: "queued",
    });
    expect(m.html_body).toContain("Sehr geehrter Herr Müller");
    expect(m.text_body).toContain("über 10,00 €, fällig am 24.12.2026.");
    expect(m.tags).toEqual(["template-test", `template:${id}`]);
  });

  it("sends nothing for a broken request: foreign contact 404, missing data 400, bad address 400", async () => {
    const id = (await editor().post("/v1/templates", { ...invoice, name: "Testversand 2" })).body.id;
    const count = async () =>
      Number(
        (
          await env.rt.db
            .selectFrom("messages")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const foreign = await insertContact(env.other.id);
    const base = { to: "pruefer@example.de", from: "buero@hundeschule.example" };
    expect(
      (await editor().post(`/v1/templates/${id}/test-send`, { ...base, contact_id: foreign })).status,
    ).toBe(404);
    expect(
      (await editor().post(`/v1/templates/${id}/test-send`, { ...base, data: { invoice_number: "R" } }))
        .status,
    ).toBe(400);
    expect(
      (await editor().post(`/v1/templates/${id}/test-send`, { ...base, to: "kein-at-zeichen" })).status,
    ).toBe(400);
    expect((await api(env.app, env.other.admin).post(`/v1/templates/${id}/test-send`, base)).status).toBe(
      404,
    );
    expect(await count()).toBe(before);
  });
});
