import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../util/errors.js";
import { checkParts, compileTemplate, type TemplateProblem } from "./engine.js";
import { compileMjml } from "./mjml.js";

const render = (source: { subject?: string; html?: string | null; text?: string | null }, vars = {}) =>
  compileTemplate({
    subject: source.subject ?? "Betreff",
    html: source.html ?? null,
    text: source.text ?? null,
  }).render(vars);

function problemsOf(fn: () => unknown): TemplateProblem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).details as TemplateProblem[];
  }
  throw new Error("expected the template to be rejected");
}

const colOf = (line: string, needle: string) => line.indexOf(needle) + 1;

describe("merge-field checks when a template is compiled", () => {
  it("reports an unknown contact field with its part, line and column and a suggestion", () => {
    const line3 = "    {{ contact.frist_name }}";
    const problems = problemsOf(() =>
      compileTemplate({ subject: "Hallo", html: `<p>Hallo</p>\n<p>\n${line3}</p>`, text: null }),
    );
    expect(problems).toEqual([
      {
        part: "html",
        line: 3,
        column: colOf(line3, "contact.frist_name"),
        message: expect.stringContaining("'contact.frist_name'"),
      },
    ]);
    expect(problems[0].column).toBe(8);
    expect(problems[0].message).toContain("Did you mean 'contact.first_name'?");
  });

  it("reports every unknown field of every part, and accepts the whole known schema", () => {
    const problems = checkParts({
      subject: "{{ contact.vorname }}",
      html: "{{ kontakt.name }}\n{{ contact.address.zip }}",
      text: "{{ data.anything.at.all }} {{ contact.custom_fields.kundennummer }} {{ campaign.name }}",
    });
    expect(problems.map((p) => [p.part, p.line])).toEqual([
      ["subject", 1],
      ["html", 1],
      ["html", 2],
    ]);
    const known = [
      "contact.id contact.salutation contact.title contact.first_name contact.last_name",
      "contact.letter_salutation contact.email contact.emails contact.phone contact.mobile",
      "contact.address.street contact.address.postal_code contact.address.city contact.address.country",
      "contact.language contact.custom_fields.x contact.created_at contact.updated_at",
      "data.invoice_number campaign.name list.name unsubscribe_url today",
    ]
      .join(" ")
      .split(" ")
      .map((f) => `{{ ${f} }}`)
      .join("\n");
    expect(checkParts({ html: known })).toEqual([]);
  });

  it("allows variables the template assigns itself and loop variables", () => {
    const html =
      "{% assign name = contact.first_name %}{{ name }}{% for e in contact.emails %}{{ e }}{{ forloop.index }}{% endfor %}";
    expect(checkParts({ html })).toEqual([]);
  });

  it("reports a syntax error with line and column", () => {
    const [unclosedTag] = checkParts({ text: "Hallo\n{% if data.paid %}\nDanke" });
    expect(unclosedTag).toMatchObject({ part: "text", line: 2, column: 1 });
    expect(unclosedTag.message).toMatch(/not closed/);
    const [unclosedOutput] = checkParts({ subject: "Rechnung {{ data.invoice_number" });
    expect(unclosedOutput).toMatchObject({ part: "subject", line: 1, column: 10 });
  });

  it("says what to write for Liquid's syntax errors, not LiquidJS's own words", () => {
    const said = (html: string) => checkParts({ html }).map((p) => p.message);
    expect(said("Hallo {{ contact.first_name\nund eine zweite Zeile")).toEqual([
      "The placeholder '{{ contact.first_name…' is not closed: '}}' is missing.",
    ]);
    expect(said("{% if contact.first_name %}ja")).toEqual([
      "The tag '{% if contact.first_name %}' is not closed: '{% endif %}' is missing.",
    ]);
    expect(said("{% for e in contact.emails %}{{ e }}")).toEqual([
      "The tag '{% for e in contact.emails %}' is not closed: '{% endfor %}' is missing.",
    ]);
    expect(said("{% raw %}x")).toEqual(["The tag '{% raw %}' is not closed: '{% endraw %}' is missing."]);
    expect(said("ja{% endif %}")).toEqual(["'{% endif %}' has no opening tag."]);
    expect(said("{% else %}")).toEqual(["'{% else %}' has no opening tag."]);
    expect(said("{% for %}x{% endfor %}")).toEqual(["The tag '{% for %}' is incomplete."]);
    expect(said("{{ }}")).toEqual(["A value is missing here."]);
    expect(said("{% %}")).toEqual(["A tag name is missing after '{%'."]);
    expect(said("{% assign = 1 %}")).toEqual(["A variable name is missing here."]);
    expect(said("{{ contact.emails[ }}")).toEqual(["'[' is not closed: ']' is missing."]);
    // A real unknown tag stays one.
    expect(said("{% foo %}")).toEqual(["Unknown tag 'foo'."]);
    // A long quote is cut.
    const [long] = said(`{{ ${"contact.first_name | append: 'x' ".repeat(3)}`);
    expect(long).toMatch(/^The placeholder '\{\{ contact\.first_name \| appen?d?…' is not closed/);
  });

  it("reports an unknown filter with line and column", () => {
    const [p] = checkParts({ html: "<p>\n  {{ data.amount | money_ch }}</p>" });
    expect(p).toEqual({ part: "html", line: 2, column: 3, message: "Unknown filter 'money_ch'." });
  });

  it("refuses include, render and layout: a template cannot read files", () => {
    for (const tag of ["include", "render", "layout"]) {
      const [p] = checkParts({ html: `x\n{% ${tag} '/etc/passwd' %}` });
      expect(p).toMatchObject({ part: "html", line: 2, column: 1, message: `Unknown tag '${tag}'.` });
    }
  });
});

describe("rendering for a recipient", () => {
  const contact = {
    id: "c1",
    first_name: "Jürgen",
    last_name: "Müller",
    letter_salutation: "Sehr geehrter Herr Müller",
    emails: ["j.mueller@example.de", "jm@example.org"],
    street: "Hauptstraße 5",
    postal_code: "10115",
    city: "Berlin",
    custom_fields: { kundennummer: "K-4711" },
  };

  it("fills contact fields from a database row or an API-shaped contact", () => {
    const html =
      "{{ contact.letter_salutation }}, {{ contact.email }}, {{ contact.address.postal_code }} {{ contact.address.city }}, {{ contact.custom_fields.kundennummer }}";
    const expected = "Sehr geehrter Herr Müller, j.mueller@example.de, 10115 Berlin, K-4711";
    expect(render({ html }, { contact }).html).toBe(expected);
    const apiShape = {
      ...contact,
      address: { street: "Hauptstraße 5", postal_code: "10115", city: "Berlin", country: "DE" },
    };
    expect(render({ html }, { contact: apiShape }).html).toBe(expected);
  });

  it("renders a custom field the contact lacks as empty, but a missing data field is an error with its position", () => {
    expect(render({ text: "[{{ contact.custom_fields.fehlt }}]" }, { contact }).text).toBe("[]");
    const problems = problemsOf(() =>
      render({ text: "Rechnung\n  {{ data.invoice_number }}" }, { contact, data: {} }),
    );
    expect(problems).toEqual([
      {
        part: "text",
        line: 2,
        column: 6,
        message: "Merge field 'data.invoice_number' has no value for this message.",
        field: "data.invoice_number",
      },
    ]);
  });

  it("treats optional data through if and default without an error", () => {
    const text =
      "{% if data.coupon %}Gutschein {{ data.coupon }}{% endif %}|{{ data.note | default: 'keine' }}";
    expect(render({ text }, { data: {} }).text).toBe("|keine");
    expect(render({ text }, { data: { coupon: "X1", note: "n" } }).text).toBe("Gutschein X1|n");
  });

  it("needs unsubscribe_url from the caller: a transactional render without it is an error", () => {
    const tpl = compileTemplate({
      subject: "s",
      html: '<a href="{{ unsubscribe_url }}">Abmelden</a>',
      text: null,
    });
    expect(problemsOf(() => tpl.render({}))[0].message).toContain("unsubscribe_url");
    expect(tpl.render({ unsubscribe_url: "https://p.example/u/abc?x=1&y=2" }).html).toBe(
      '<a href="https://p.example/u/abc?x=1&amp;y=2">Abmelden</a>',
    );
  });

  it("keeps the subject on one line whatever the merged values hold", () => {
    const r = render({ subject: "Hallo\n{{ data.name }}" }, { data: { name: "A\r\nBcc: x@y.de" } });
    expect(r.subject).toBe("Hallo A Bcc: x@y.de");
  });

  it("renders one compiled template for many recipients, each with their own values", () => {
    const tpl = compileTemplate({
      subject: "Hallo {{ contact.first_name }}",
      html: "<p>{{ data.n }}</p>",
      text: null,
    });
    const out = Array.from({ length: 50 }, (_, n) =>
      tpl.render({ contact: { first_name: `P${n}` }, data: { n } }),
    );
    expect(out.map((r) => r.subject)).toEqual(Array.from({ length: 50 }, (_, n) => `Hallo P${n}`));
    expect(out[49].text).toBe("49");
  });

  it("escapes every merge value in HTML but never in subject and text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const r = render(
          {
            subject: "{{ contact.first_name }}",
            html: "<p>{{ contact.first_name }}</p>",
            text: "{{ contact.first_name }}",
          },
          { contact: { first_name: name } },
        );
        const escaped = name
          .replace(/&/g, "&amp;")
          .replace(/</g, "&lt;")
          .replace(/>/g, "&gt;")
          .replace(/"/g, "&#34;")
          .replace(/'/g, "&#39;");
        expect(r.html).toBe(`<p>${escaped}</p>`);
        expect(r.text).toBe(name);
        expect(r.subject).toBe(name.replace(/\s+/g, " ").trim());
      }),
    );
  });
});

describe("text generated from HTML", () => {
  const html = `<html><head><style>p { color: red }</style></head><body>
<h1>Rechnung {{ data.invoice_number }}</h1>
<p>{{ contact.letter_salutation }},</p>
<p>anbei die Rechnung über {{ data.amount | money_de }}.</p>
{% if data.paid %}<p>Bereits bezahlt, danke.</p>{% else %}<p>Bitte zahlen Sie bis {{ data.due | date_de }}.</p>{% endif %}
<p><a href="{{ data.link }}">Rechnung ansehen</a><img src="{{ data.logo }}" alt="Logo"></p>
</body></html>`;

  it("turns the HTML into readable text with the merged values, links and no markup", () => {
    const r = render(
      { html },
      {
        contact: { letter_salutation: "Sehr geehrte Frau Schulz" },
        data: {
          invoice_number: "R-2026-17",
          amount: 99.5,
          paid: false,
          due: "2026-12-01",
          link: "https://x.example/r?id=1&t=2",
          logo: "l.png",
        },
      },
    );
    expect(r.text).toBe(
      [
        "Rechnung R-2026-17",
        "Sehr geehrte Frau Schulz,",
        "anbei die Rechnung über 99,50 €.",
        "Bitte zahlen Sie bis 01.12.2026.",
        "Rechnung ansehen [https://x.example/r?id=1&t=2]",
      ].join("\n\n"),
    );
    expect(r.text).not.toMatch(/[<>]|color/);
  });

  it("uses the template's own text when it has one", () => {
    const own = render(
      { html: "<p>{{ data.n }}</p>", text: "Eigener Text {{ data.n }}" },
      { data: { n: 1 } },
    );
    expect(own).toEqual({ subject: "Betreff", html: "<p>1</p>", text: "Eigener Text 1" });
  });

  it("still produces text when a tag sits inside an attribute the text drops", () => {
    const tricky = '<p class="{% if data.vip %}vip{% endif %}">Hallo {{ contact.first_name }}</p>';
    expect(render({ html: tricky }, { contact: { first_name: "Ida" }, data: { vip: true } }).text).toBe(
      "Hallo Ida",
    );
  });
});

describe("German and English filters", () => {
  const one = (expr: string, data: Record<string, unknown> = {}) =>
    render({ text: `{{ ${expr} }}` }, { data }).text;

  it("formats dates in Europe/Berlin, summer and winter time alike", () => {
    expect(one("data.d | date_de", { d: "2026-11-23" })).toBe("23.11.2026");
    expect(one("data.d | date_de", { d: new Date("2026-11-23T23:30:00Z") })).toBe("24.11.2026");
    expect(one("data.d | date_de", { d: "2026-07-01T22:30:00Z" })).toBe("02.07.2026");
    expect(one("data.d | datetime_de", { d: "2026-03-29T00:59:00Z" })).toBe("29.03.2026 01:59");
    expect(one("data.d | datetime_de", { d: "2026-03-29T01:00:00Z" })).toBe("29.03.2026 03:00");
    expect(one("data.d | datetime_de: 'America/New_York'", { d: "2026-11-23T12:00:00Z" })).toBe(
      "23.11.2026 07:00",
    );
    expect(one("data.d | date_en", { d: "2026-11-23" })).toBe("23 November 2026");
    expect(one("data.d | datetime_en", { d: "2026-11-23T13:05:00Z" })).toBe("23 November 2026, 14:05");
    expect(one("data.d | date_de", { d: null })).toBe("");
  });

  it("formats 'today' and 'now' from the render's clock", () => {
    const tpl = compileTemplate({
      subject: "s",
      html: null,
      text: "{{ today | date_de }} {{ 'now' | datetime_de }}",
    });
    expect(tpl.render({ today: new Date("2026-12-31T23:15:00Z") }).text).toBe("01.01.2027 01.01.2027 00:15");
  });

  it("formats amounts and numbers", () => {
    expect(one("data.a | money_de", { a: 1234.56 })).toBe("1.234,56 €");
    expect(one("data.a | money_de", { a: "1234.5" })).toBe("1.234,50 €");
    expect(one("data.a | money_de: 'USD'", { a: 1234.56 })).toBe("1.234,56 $");
    expect(one("data.a | money_de", { a: -5 })).toBe("-5,00 €");
    expect(one("data.a | money_en", { a: 1234.56 })).toBe("€1,234.56");
    expect(one("data.a | money_en: 'usd'", { a: 1234.56 })).toBe("$1,234.56");
    expect(one("data.a | number_de", { a: 1234567.891 })).toBe("1.234.567,891");
    expect(one("data.a | number_de: 2", { a: 1234.5 })).toBe("1.234,50");
    expect(one("data.a | number_en: 1", { a: 1234.56 })).toBe("1,234.6");
  });

  it("reports a value a filter cannot format as an error with its position", () => {
    const [p] = problemsOf(() =>
      render({ text: "Summe:\n{{ data.a | money_de }}" }, { data: { a: "viel" } }),
    );
    expect(p).toMatchObject({ part: "text", line: 2, column: 1 });
    expect(p.message).toContain("money_de: 'viel' is not a number");
    const [q] = problemsOf(() => render({ text: "{{ data.a | money_de: 'EURO' }}" }, { data: { a: 1 } }));
    expect(q.message).toContain("unknown currency 'EURO'");
    const [r] = problemsOf(() => render({ text: "{{ data.d | date_de }}" }, { data: { d: "gestern" } }));
    expect(r.message).toContain("'gestern' is not a date");
  });

  it("money_de round-trips every amount in cents", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e11, max: 1e11 }), (cents) => {
        const out = one("data.a | money_de", { a: cents / 100 }) ?? "";
        expect(out.endsWith(" €")).toBe(true);
        const back = Number(out.slice(0, -2).replace(/\./g, "").replace(",", "."));
        expect(Math.round(back * 100)).toBe(cents);
      }),
    );
  });

  it("date_de and datetime_de agree with Intl in Europe/Berlin for any instant", () => {
    const intl = new Intl.DateTimeFormat("de-DE", {
      timeZone: "Europe/Berlin",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), (ms) => {
        const d = new Date(ms);
        expect(one("data.d | datetime_de", { d })).toBe(intl.format(d).replace(",", ""));
      }),
      { numRuns: 500 },
    );
  });
});

describe("MJML", () => {
  it("compiles to responsive HTML that keeps the content and the merge fields", async () => {
    const r = await compileMjml(`<mjml><mj-body><mj-section><mj-column>
      <mj-text>Hallo {{ contact.first_name }}, Ihre Buchung ist bestätigt.</mj-text>
      <mj-button href="{{ unsubscribe_url }}">Abmelden</mj-button>
    </mj-column></mj-section></mj-body></mjml>`);
    if (!("html" in r)) throw new Error(JSON.stringify(r.problems));
    expect(r.html).toContain("<!doctype html>");
    expect(r.html).toContain("Hallo {{ contact.first_name }}, Ihre Buchung ist bestätigt.");
    expect(r.html).toContain('href="{{ unsubscribe_url }}"');
    expect(r.html).toMatch(/@media/);
    expect(r.html).not.toContain("fonts.googleapis.com");
    const out = compileTemplate({ subject: "s", html: r.html, text: null }).render({
      contact: { first_name: "Ida" },
      unsubscribe_url: "https://u.example/1",
    });
    expect(out.html).toContain("Hallo Ida, Ihre Buchung ist bestätigt.");
    expect(out.text).toContain("Hallo Ida, Ihre Buchung ist bestätigt.");
  });

  it("reports an unknown MJML element with its line", async () => {
    const r = await compileMjml(
      "<mjml>\n<mj-body>\n<mj-section><mj-column>\n<mj-fancy>x</mj-fancy>\n</mj-column></mj-section></mj-body></mjml>",
    );
    expect("problems" in r && r.problems[0]).toMatchObject({ part: "mjml", line: 4 });
  });
});
