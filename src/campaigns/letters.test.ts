// Serial letters (issue 4 item 7): generating makes one PDF with one letter per included recipient (or one
// label each), in the chosen order; recipients without a postal address are excluded; generating again
// replaces the document; complete freezes it. The PDF is read back with pdftotext (poppler-utils).
import { afterAll, beforeAll, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { requirePeer } from "../../test/peers/require.js";
import { lines, pdfPages, pdftotextMissing } from "./letters/pdftotext.testkit.js";
import { CampaignWorker } from "./worker.js";

let env: TestEnv;
let worker: CampaignWorker;
let listId: string;
let templateId: string;

const people = [
  {
    salutation: "Frau",
    first_name: "Erika",
    last_name: "Zander",
    street: "Lindenweg 4",
    postal_code: "80331",
    city: "München",
  },
  {
    salutation: "Herr",
    first_name: "Bernd",
    last_name: "Albers",
    street: "Hafenstraße 12",
    postal_code: "20095",
    city: "Hamburg",
  },
  {
    salutation: "Frau",
    title: "Dr.",
    first_name: "Clara",
    last_name: "Meyer",
    street: "Domplatz 1",
    postal_code: "50667",
    city: "Köln",
  },
  {
    salutation: "Herr",
    first_name: "Dieter",
    last_name: "Krause",
    street: "Am Markt 7",
    postal_code: "01067",
    city: "Dresden",
  },
];

const c = () => api(env.app, env.ws.editor);

beforeAll(async () => {
  env = await createTestEnv();
  worker = new CampaignWorker(env.rt, { lanes: 1 });
  const list = await c().post("/v1/lists", { name: "Kunden (Post)" });
  listId = list.body.id;
  for (const p of people) {
    const { street, postal_code, city, ...rest } = p;
    const r = await c().post("/v1/contacts", { ...rest, address: { street, postal_code, city } });
    expect(r.status, r.text).toBe(201);
    await c().post(`/v1/lists/${listId}/subscriptions`, { contact_id: r.body.id });
    await c().post(`/v1/contacts/${r.body.id}/consents`, {
      channel: "post",
      purpose: "marketing",
      status: "granted",
      source: "Formular",
    });
  }
  const noAddress = await c().post("/v1/contacts", {
    salutation: "Herr",
    first_name: "Ohne",
    last_name: "Adresse",
  });
  await c().post(`/v1/lists/${listId}/subscriptions`, { contact_id: noAddress.body.id });
  await c().post(`/v1/contacts/${noAddress.body.id}/consents`, {
    channel: "post",
    purpose: "marketing",
    status: "granted",
    source: "Formular",
  });
  const t = await c().post("/v1/templates", {
    name: "Einladung",
    kind: "letter",
    subject: "Einladung",
    text: "wir laden Sie, {{ contact.first_name }} {{ contact.last_name }}, herzlich zum Sommerfest ein.",
  });
  expect(t.status, t.text).toBe(201);
  templateId = t.body.id;
});
afterAll(async () => {
  await worker?.stop();
  await env?.close();
});

const sender = { name: "Hundeschule Pfote", street: "Waldweg 3", postal_code: "12345", city: "Musterstadt" };

async function letterCampaign(extra: Record<string, unknown> = {}) {
  const r = await c().post("/v1/campaigns", {
    name: `Sommerfest ${Date.now()}`,
    kind: "letter",
    list_ids: [listId],
    template_id: templateId,
    subject: "Einladung zum Sommerfest {{ today | date: '%Y' }}",
    letter_options: { sender },
    ...extra,
  });
  expect(r.status, r.text).toBe(202);
  await worker.drain();
  return r.body.id as string;
}

async function generate(id: string, body: Record<string, unknown>) {
  const g = await c().post(`/v1/campaigns/${id}/generate`, body);
  expect(g.status, g.text).toBe(202);
  expect(g.body.state).toBe("in_progress");
  expect(g.body.progress.waiting_for_processing).toBe(true);
  await worker.drain();
  const doc = await c().get(`/v1/campaigns/${id}/document`);
  expect(doc.status).toBe(200);
  expect(doc.headers["content-type"]).toBe("application/pdf");
  const res = await env.app.inject({
    method: "GET",
    url: `/v1/campaigns/${id}/document`,
    headers: { authorization: `Bearer ${env.ws.editor}` },
  });
  return { pdf: res.rawPayload, campaign: (await c().get(`/v1/campaigns/${id}`)).body };
}

requirePeer("pdftotext", pdftotextMissing)("serial letters read back with pdftotext", () => {
  it("writes one letter per recipient with an address, in postal-code order, and excludes the one without", async () => {
    const id = await letterCampaign();
    const { pdf, campaign } = await generate(id, { format: "letters", sort: "postal_code" });
    expect(campaign.state).toBe("incomplete_created");
    expect(campaign.progress.counts).toEqual({ created: 4, excluded: 1 });
    expect(campaign.document).toMatchObject({ format: "letters", sort: "postal_code", letters: 4 });
    const [excluded] = (await c().get(`/v1/campaigns/${id}/recipients?status=excluded`)).body.items;
    expect(excluded).toMatchObject({ name: "Ohne Adresse", reason: "no_address" });

    const pages = await pdfPages(pdf);
    expect(pages).toHaveLength(4);
    const byPostalCode = [...people].sort((a, b) => a.postal_code.localeCompare(b.postal_code));
    pages.forEach((page, i) => {
      const p = byPostalCode[i];
      const text = lines(page).join("\n");
      expect(text).toContain(`${p.street}`);
      expect(text).toContain(`${p.postal_code} ${p.city}`);
      expect(text).toContain(`${p.first_name} ${p.last_name}`);
      expect(text).toMatch(
        p.salutation === "Frau" ? /Sehr geehrte Frau (Dr\. )?\w+,/ : /Sehr geehrter Herr \w+,/,
      );
      expect(text).toContain(
        `Sehr geehrte${p.salutation === "Frau" ? "" : "r"} ${p.salutation} ${p.title ? `${p.title} ` : ""}${p.last_name},`,
      );
      expect(text).toContain(`wir laden Sie, ${p.first_name} ${p.last_name}, herzlich zum Sommerfest ein.`);
      expect(text).toMatch(/Einladung zum Sommerfest \d{4}/);
      expect(text).toContain("Hundeschule Pfote · Waldweg 3 · 12345 Musterstadt");
    });
  });

  it("generates again sorted by name, replacing the whole document, then freezes it on completion", async () => {
    const id = await letterCampaign();
    await generate(id, { format: "letters", sort: "postal_code" });
    const { pdf, campaign } = await generate(id, { format: "letters", sort: "name" });
    expect(campaign.run_count).toBe(2);
    expect(campaign.document).toMatchObject({ sort: "name", letters: 4 });
    const pages = await pdfPages(pdf);
    expect(pages).toHaveLength(4);
    const byName = [...people].sort((a, b) => a.last_name.localeCompare(b.last_name)).map((p) => p.last_name);
    expect(pages.map((page) => byName.find((n) => page.includes(`${n},`)))).toEqual(byName);

    const done = await c().post(`/v1/campaigns/${id}/complete`, {});
    expect(done.body).toMatchObject({ state: "completed", frozen: true });
    const again = await c().post(`/v1/campaigns/${id}/generate`, { format: "letters" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/frozen/);
    // The completed document stays downloadable.
    expect((await c().get(`/v1/campaigns/${id}/document`)).status).toBe(200);
  });

  it("prints address labels on 3×7 sheets", async () => {
    const id = await letterCampaign();
    const { pdf, campaign } = await generate(id, { format: "labels", sort: "name" });
    expect(campaign.document).toMatchObject({ format: "labels", letters: 4 });
    const pages = await pdfPages(pdf);
    expect(pages).toHaveLength(1);
    for (const p of people) expect(pages[0]).toContain(`${p.postal_code} ${p.city}`);
  });
});

it("says what a letter needs before generating (400) and which action fits which kind (409)", async () => {
  const r = await c().post("/v1/campaigns", { name: "Brief ohne alles", kind: "letter", list_ids: [listId] });
  await worker.drain();
  const g = await c().post(`/v1/campaigns/${r.body.id}/generate`, { format: "letters" });
  expect(g.status).toBe(400);
  expect(g.body.error.details.map((d: { path: string }) => d.path)).toEqual([
    "subject",
    "template_id",
    "letter_options.sender",
  ]);
  expect((await c().post(`/v1/campaigns/${r.body.id}/send`, {})).status).toBe(409);
  const e = await c().post("/v1/campaigns", { name: "Mail", kind: "email", list_ids: [listId] });
  await worker.drain();
  expect((await c().post(`/v1/campaigns/${e.body.id}/generate`, {})).status).toBe(409);
  expect((await c().get(`/v1/campaigns/${e.body.id}/document`)).status).toBe(404);
});
