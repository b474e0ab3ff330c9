import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { newId } from "../util/ids.js";
import { formToken } from "./form-token.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
let anonymous: ReturnType<typeof api>;
beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
  anonymous = api(env.app);
  await api(env.app, env.ws.admin).patch("/v1/workspace", {
    settings: { default_from: "info@pfote.example" },
  });
});
afterAll(() => env?.close());

async function list(body: Record<string, unknown> = {}) {
  const r = await editor.post("/v1/lists", { name: `Hundeschule <Pfote> & Co ${newId("x")}`, ...body });
  expect(r.status).toBe(201);
  return r.body as { id: string; name: string };
}

/** Every test posts from its own address: the public POSTs are rate-limited per IP. */
let nextIp = 1;
const ipHeader = () => ({ "x-forwarded-for": `192.0.2.${nextIp++}` });

/** The hidden fields of the rendered form, as a browser would send them back. */
function hiddenFields(page: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g)) {
    out[m[1]] = m[2]
      .replaceAll("&quot;", '"')
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&#39;", "'")
      .replaceAll("&#96;", "`")
      .replaceAll("&amp;", "&");
  }
  return out;
}

const post = (listId: string, fields: Record<string, string>, headers = ipHeader()) =>
  anonymous.raw("POST", `/signup/${listId}`, new URLSearchParams(fields).toString(), {
    "content-type": "application/x-www-form-urlencoded",
    ...headers,
  });

describe("GET /signup/:list_id", () => {
  it("renders an accessible German form with everything escaped", async () => {
    const l = await list({ description: "Tipps & Termine <für> Hundehalter" });
    const r = await anonymous.get(`/signup/${l.id}`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/html/);
    expect(r.headers["content-security-policy"]).toContain("default-src 'none'");
    const page = r.text;
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('<label for="email">E-Mail-Adresse</label>');
    expect(page).toContain('<input id="email" name="email" type="email" required');
    expect(page).toContain('<label for="first_name">Vorname (freiwillig)</label>');
    expect(page).toContain('<label for="last_name">Nachname (freiwillig)</label>');
    expect(page).toContain('<button type="submit">Anmelden</button>');
    expect(page).toContain('<input id="consent" name="consent" type="checkbox" value="yes" required>');
    expect(page).toContain("Ja, ich möchte E-Mails des Verteilers „Hundeschule &lt;Pfote&gt; &amp; Co");
    expect(page).toContain("Tipps &amp; Termine &lt;für&gt; Hundehalter");
    expect(page).not.toMatch(/<Pfote>|<für>/);
    expect(page).not.toMatch(/https?:\/\//);
    expect(hiddenFields(page)).toMatchObject({ lang: "de" });
  });

  it("renders English with ?lang=en and ignores unrelated parameters", async () => {
    const l = await list();
    const r = await anonymous.get(`/signup/${l.id}?lang=en&utm_source=flyer`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<html lang="en">');
    expect(r.text).toContain("Yes, I want to receive e-mails");
  });

  it("answers 404 for unknown and ended lists", async () => {
    const ended = await list({ status: "ended" });
    for (const id of [ended.id, "list_unknown", "<script>"]) {
      const r = await anonymous.get(`/signup/${encodeURIComponent(id)}`);
      expect(r.status).toBe(404);
      expect(r.text).toContain("Für diesen Verteiler ist keine Anmeldung möglich.");
    }
  });
});

describe("POST /signup/:list_id", () => {
  it("signs up like the API: pending subscription, confirmation mail, consent after confirming", async () => {
    const l = await list();
    const form = await anonymous.get(`/signup/${l.id}`);
    const address = `hosted.${newId("x")}@example.org`;
    const r = await post(
      l.id,
      {
        ...hiddenFields(form.text),
        email: address,
        first_name: "Lena",
        last_name: "Hund",
        consent: "yes",
      },
      { "x-forwarded-for": "192.0.2.200" },
    );
    expect(r.status).toBe(200);
    expect(r.text).toContain("Fast geschafft");
    const contact = await env.rt.db
      .selectFrom("contacts")
      .selectAll()
      .where("workspace_id", "=", env.ws.id)
      .where("first_name", "=", "Lena")
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ last_name: "Hund", language: "de", emails: [address] });
    const sub = await env.rt.db
      .selectFrom("subscriptions")
      .selectAll()
      .where("list_id", "=", l.id)
      .where("contact_id", "=", contact.id)
      .executeTakeFirstOrThrow();
    expect(sub.status).toBe("pending");
    const signup = await env.rt.db
      .selectFrom("signups")
      .selectAll()
      .where("list_id", "=", l.id)
      .executeTakeFirstOrThrow();
    expect(signup).toMatchObject({ ip: "192.0.2.200", source: "hosted sign-up page" });
    expect(signup.wording).toBe(hiddenFields(form.text).wording);
    const msg = await env.rt.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", signup.message_id ?? "")
      .executeTakeFirstOrThrow();
    expect(msg.to_address).toBe(address);
    const link = /\/s\/[A-Za-z0-9_-]+/.exec(msg.text_body ?? "")?.[0];
    expect(link).toBeDefined();
    // the recipient is the actor from the start
    const acts = await env.rt.db
      .selectFrom("activities")
      .selectAll()
      .where("record_id", "=", signup.id)
      .execute();
    expect(acts.map((a) => [a.actor_type, a.actor_id])).toEqual([["recipient", contact.id]]);

    const confirmed = await anonymous.raw("POST", link as string, "", { "x-forwarded-for": "192.0.2.201" });
    expect(confirmed.status).toBe(200);
    const consent = await env.rt.db
      .selectFrom("consents")
      .selectAll()
      .where("contact_id", "=", contact.id)
      .execute();
    expect(consent).toHaveLength(1);
    expect(consent[0]).toMatchObject({
      status: "granted",
      ip: "192.0.2.201",
      wording: signup.wording,
      source: "double_opt_in",
    });
  });

  it("does not tell a visitor whether an address is already subscribed", async () => {
    const l = await list();
    const address = `bekannt.${newId("x")}@example.org`;
    const c = await editor.post("/v1/contacts", { emails: [address] });
    await editor.post(`/v1/lists/${l.id}/subscriptions`, { contact_id: c.body.id });
    const form = await anonymous.get(`/signup/${l.id}`);
    const r = await post(l.id, { ...hiddenFields(form.text), email: address, consent: "yes" });
    expect(r.status).toBe(200);
    expect(r.text).toContain("Fast geschafft");
    expect(await env.rt.db.selectFrom("signups").select("id").where("list_id", "=", l.id).execute()).toEqual(
      [],
    );
  });

  it("re-renders the form with a message for missing consent, a bad address or a stale form, changing nothing", async () => {
    const l = await list();
    const hidden = hiddenFields((await anonymous.get(`/signup/${l.id}`)).text);
    const address = `x.${newId("x")}@example.org`;
    const cases: [Record<string, string>, string][] = [
      [{ ...hidden, email: address }, "Bitte bestätigen Sie die Einwilligung"],
      [{ ...hidden, email: "kaputt@", consent: "yes" }, "Bitte geben Sie eine gültige E-Mail-Adresse ein."],
      [{ ...hidden, email: address, consent: "yes", first_name: "x".repeat(101) }, "höchstens 100 Zeichen"],
      [{ ...hidden, email: address, consent: "yes", form_token: "forged" }, "Das Formular war veraltet."],
      // a wording other than the one shown is refused: the stored evidence must be what the person saw
      [
        { ...hidden, email: address, consent: "yes", wording: "Ich stimme allem zu." },
        "Das Formular war veraltet.",
      ],
      [{ ...hidden, email: address, consent: "yes", lang: "en" }, "The form was out of date."],
      [{ email: address, consent: "yes" }, "Das Formular war veraltet."],
    ];
    for (const [fields, message] of cases) {
      const r = await post(l.id, fields);
      expect(r.status, message).toBe(400);
      expect(r.text).toContain(message);
      expect(r.text).toContain('role="alert"');
    }
    // the address typed is kept, escaped
    const r = await post(l.id, { ...hidden, email: '"><script>alert(1)</script>', consent: "yes" });
    expect(r.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(await env.rt.db.selectFrom("signups").select("id").where("list_id", "=", l.id).execute()).toEqual(
      [],
    );
    expect(
      await env.rt.db.selectFrom("subscriptions").select("id").where("list_id", "=", l.id).execute(),
    ).toEqual([]);
  });

  it("refuses a form token that is older than a day or made for another list", async () => {
    const l = await list();
    const other = await list();
    const hidden = hiddenFields((await anonymous.get(`/signup/${l.id}`)).text);
    const old = formToken(env.rt.secret, l.id, "de", hidden.wording, new Date(Date.now() - 25 * 3600 * 1000));
    const foreign = hiddenFields((await anonymous.get(`/signup/${other.id}`)).text);
    for (const fields of [{ ...hidden, form_token: old }, { ...foreign }]) {
      const r = await post(l.id, { ...fields, email: `y.${newId("x")}@example.org`, consent: "yes" });
      expect(r.status).toBe(400);
    }
  });

  it("answers 404 for an unknown list and a list that has ended", async () => {
    const ended = await list({ status: "ended" });
    const hidden = hiddenFields((await anonymous.get(`/signup/${(await list()).id}`)).text);
    for (const id of [ended.id, "list_unknown"]) {
      const r = await post(id, { ...hidden, email: `z.${newId("x")}@example.org`, consent: "yes" });
      expect(r.status).toBe(404);
    }
  });

  it("limits the POSTs per IP address (429 with Retry-After after ten)", async () => {
    const l = await list();
    const hidden = hiddenFields((await anonymous.get(`/signup/${l.id}`)).text);
    const from = { "x-forwarded-for": "192.0.2.250" };
    // the clock stands still, so no token comes back during the test
    env.setNow(new Date());
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push((await post(l.id, { ...hidden, consent: "no" }, from)).status);
      expect(statuses).toEqual([...Array(10).fill(400), 429]);
      const limited = await post(l.id, { ...hidden, consent: "no" }, from);
      expect(limited.headers["retry-after"]).toBe("30");
      expect(limited.text).toContain("Zu viele Anfragen");
      // another address is not affected
      expect((await post(l.id, { ...hidden, consent: "no" })).status).toBe(400);
    } finally {
      env.setNow(null);
    }
  });
});
