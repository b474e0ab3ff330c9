// What a campaign recipient's message is rendered from (campaign_recipients.merge) holds only the contact
// fields the run's template reads, and a message rendered from that stored copy is byte for byte the
// message rendered from the whole contact — the raw MIME of a sent or reaped message is rebuilt from it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contactMergeData, EmailPlan, type RunSnapshot } from "./render.js";

const snapshot = (template: { subject: string; html: string | null; text: string | null }): RunSnapshot => ({
  campaign: { id: "cmp_1", name: "Frühjahr" },
  template: { id: "tpl_1", version: 1, ...template },
  from_address: "info@hundeschule.example",
  from_name: "Hundeschule Pfote",
  reply_to: null,
  purpose: "marketing",
  transport_id: null,
  bounce_domain: "bounces.example",
  archive_bcc: null,
  boundary: "b1",
  lists: {},
});

const input = (plan: EmailPlan, contact: Record<string, unknown>) => ({
  messageId: "msg_1",
  messageIdHeader: "<msg_1@hundeschule.example>",
  to: "kunde@example.org",
  listId: null,
  date: new Date(Date.UTC(2026, 10, 24, 3, 0, 0)),
  // As stored and read back: JSON.
  merge: JSON.parse(
    JSON.stringify({ contact: plan.contactMerge(contact), unsubscribe_url: "https://p.example/u/t" }),
  ),
});

// Liquid that reads the contact in every way the schema allows: by field, nested, through filters, tags,
// loops, the derived `email`, and as a whole or by a computed name (which must keep every field).
const pieces = [
  "Text ",
  "{{ contact.first_name }}",
  "{{ contact.last_name | upcase }}",
  "{{ contact.letter_salutation | default: 'Guten Tag' }}",
  "{% if contact.title %}{{ contact.title }} {% endif %}",
  "{{ contact.address.city }}",
  "{{ contact.email }}",
  "{% for e in contact.emails %}<{{ e }}>{% endfor %}",
  "{{ contact.emails.size }}",
  "{{ contact.custom_fields.kundennummer }}",
  "{% unless contact.phone %}ohne Telefon{% endunless %}",
  "{{ contact.created_at | date: '%d.%m.%Y' }}",
  "{% case contact.language %}{% when 'de' %}Hallo{% else %}Hello{% endcase %}",
  "{{ unsubscribe_url }}",
  "{% assign c = contact %}{{ c.mobile }}",
  "{% assign k = 'last_name' %}{{ contact[k] }}",
];
const wholeContact = new Set(pieces.slice(-2));

const text = fc.array(fc.constantFrom(...pieces), { maxLength: 6 }).map((p) => p.join(" "));
const optional = fc.option(text, { nil: null });
const name = fc.option(fc.string({ maxLength: 12 }), { nil: null });
const contact = fc.record({
  id: fc.constant("con_1"),
  salutation: name,
  title: name,
  first_name: name,
  last_name: name,
  letter_salutation: name,
  emails: fc.array(fc.emailAddress(), { maxLength: 3 }),
  phone: name,
  mobile: name,
  street: name,
  postal_code: name,
  city: name,
  country: name,
  language: fc.constantFrom("de", "en", null),
  custom_fields: fc.dictionary(fc.constantFrom("kundennummer", "tarif"), fc.string({ maxLength: 8 })),
  created_at: fc.date({
    min: new Date(Date.UTC(2000, 0, 1)),
    max: new Date(Date.UTC(2040, 0, 1)),
    noInvalidDate: true,
  }),
  updated_at: fc.date({
    min: new Date(Date.UTC(2000, 0, 1)),
    max: new Date(Date.UTC(2040, 0, 1)),
    noInvalidDate: true,
  }),
});

describe("a recipient's stored merge data", () => {
  it("renders the same bytes as the whole contact, whatever the template reads", () => {
    fc.assert(
      fc.property(text, optional, optional, contact, (subject, html, txt, c) => {
        const plan = new EmailPlan(snapshot({ subject, html: html && `<p>${html}</p>`, text: txt }));
        const stored = input(plan, c);
        const whole = {
          ...stored,
          merge: JSON.parse(JSON.stringify({ ...stored.merge, contact: contactMergeData(c) })),
        };
        expect(plan.render(stored).raw.toString()).toBe(plan.render(whole).raw.toString());
      }),
      { numRuns: 100 },
    );
  });

  it("keeps only the fields the template reads, and every field when it reads the contact as a whole", () => {
    fc.assert(
      fc.property(text, optional, contact, (subject, html, c) => {
        const plan = new EmailPlan(snapshot({ subject, html, text: null }));
        const kept = Object.keys(plan.contactMerge(c)).sort();
        const used = [subject, html ?? ""].join(" ");
        if ([...wholeContact].some((p) => used.includes(p))) {
          expect(kept).toEqual(Object.keys(contactMergeData(c)).sort());
          return;
        }
        const read = new Set<string>();
        for (const m of used.matchAll(/contact\.([a-z_]+)/g)) read.add(m[1] === "email" ? "emails" : m[1]);
        expect(kept).toEqual([...read].sort());
      }),
      { numRuns: 100 },
    );
  });

  it("of the benchmark's kind of newsletter is the three fields it shows and the unsubscribe link", () => {
    const plan = new EmailPlan(
      snapshot({
        subject: "Neuigkeiten für {{ contact.first_name }} {{ contact.last_name }}",
        html: '<p>{{ contact.letter_salutation }}</p><p><a href="{{ unsubscribe_url }}">Abmelden</a></p>',
        text: null,
      }),
    );
    const c = {
      id: "con_1",
      first_name: "Ida",
      last_name: "Pfote",
      letter_salutation: "Liebe Ida,",
      emails: ["ida@example.org"],
      phone: "+49 30 1234567",
      street: "Musterweg 1",
      postal_code: "12345",
      city: "Musterstadt",
      custom_fields: { tarif: "Gold" },
    };
    expect(plan.contactMerge(c)).toEqual({
      first_name: "Ida",
      last_name: "Pfote",
      letter_salutation: "Liebe Ida,",
    });
  });
});
