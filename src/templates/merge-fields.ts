// The merge fields a template may use, and the values they take for one message. A field outside this
// schema is a typo caught when the template is saved ("contact.frist_name"), not a blank in 10,000 letters.
// contact.* follows the contact shape of DESIGN §9; custom_fields.*, data.*, campaign.* and list.* are open.
import { Drop, type StaticAnalysis, type Variable } from "liquidjs";

export const CONTACT_FIELDS = [
  "id",
  "salutation",
  "title",
  "first_name",
  "last_name",
  "letter_salutation",
  "email",
  "emails",
  "phone",
  "mobile",
  "address",
  "language",
  "custom_fields",
  "created_at",
  "updated_at",
] as const;

export const ADDRESS_FIELDS = ["street", "postal_code", "city", "country"] as const;

/** Top-level names a template may read; anything else is an unknown merge field. */
export const ROOT_FIELDS = ["contact", "data", "campaign", "list", "unsubscribe_url", "today"] as const;

/** What a caller hands to a compiled template for one message. */
export interface MergeVars {
  /** A contact record (API shape with `address: {...}`, or a database row with street/postal_code/...). */
  contact?: Record<string, unknown> | null;
  data?: Record<string, unknown>;
  campaign?: Record<string, unknown>;
  list?: Record<string, unknown>;
  unsubscribe_url?: string;
  /** The render's clock (defaults to the current time). */
  today?: Date;
}

/** custom_fields are free-form per contact: a field one contact lacks renders empty instead of failing. */
export class CustomFieldsDrop extends Drop {
  readonly #fields: Record<string, unknown>;
  constructor(fields: Record<string, unknown>) {
    super();
    this.#fields = fields;
  }
  override liquidMethodMissing(key: string | number): unknown {
    const k = String(key);
    return Object.hasOwn(this.#fields, k) ? this.#fields[k] : null;
  }
  override toString(): string {
    return "";
  }
}

/** For previews: every field shows its own name in brackets ("[data.invoice_number]"), also deeper paths
 * and through the correspondence filters, so the layout can be judged without data. */
export class PlaceholderDrop extends Drop {
  readonly #path: string;
  constructor(path: string) {
    super();
    this.#path = path;
  }
  override liquidMethodMissing(key: string | number): unknown {
    return new PlaceholderDrop(`${this.#path}.${String(key)}`);
  }
  override toString(): string {
    return `[${this.#path}]`;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const field = (r: Record<string, unknown>, k: string): unknown => (r[k] === undefined ? null : r[k]);

/** The merge-field view of a contact: every known field present (null when empty), so strict rendering
 * tells a missing field apart from an empty one. */
export function mergeContact(record: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const r = record ?? {};
  const addr = isRecord(r.address) ? r.address : r;
  const emails = Array.isArray(r.emails) ? r.emails : [];
  return {
    id: field(r, "id"),
    salutation: field(r, "salutation"),
    title: field(r, "title"),
    first_name: field(r, "first_name"),
    last_name: field(r, "last_name"),
    letter_salutation: field(r, "letter_salutation"),
    email: emails[0] ?? null,
    emails,
    phone: field(r, "phone"),
    mobile: field(r, "mobile"),
    address: {
      street: field(addr, "street"),
      postal_code: field(addr, "postal_code"),
      city: field(addr, "city"),
      country: field(addr, "country"),
    },
    language: field(r, "language"),
    custom_fields: new CustomFieldsDrop(isRecord(r.custom_fields) ? r.custom_fields : {}),
    created_at: field(r, "created_at"),
    updated_at: field(r, "updated_at"),
  };
}

/** A contact for previews without a chosen contact. */
export const sampleContact: Record<string, unknown> = {
  id: "contact_preview",
  salutation: "Frau",
  title: null,
  first_name: "Erika",
  last_name: "Mustermann",
  letter_salutation: "Sehr geehrte Frau Mustermann",
  emails: ["erika.mustermann@example.org"],
  phone: null,
  mobile: null,
  address: { street: "Musterstraße 1", postal_code: "12345", city: "Musterstadt", country: "DE" },
  language: "de",
  custom_fields: {},
};

/** The Liquid scope for one message. */
export function mergeScope(vars: MergeVars): Record<string, unknown> {
  const scope: Record<string, unknown> = {
    contact: mergeContact(vars.contact),
    data: vars.data ?? {},
    today: vars.today ?? new Date(),
  };
  // Absent on purpose when not given: a transactional message that uses unsubscribe_url is an error.
  if (vars.campaign !== undefined) scope.campaign = vars.campaign;
  if (vars.list !== undefined) scope.list = vars.list;
  if (vars.unsubscribe_url !== undefined) scope.unsubscribe_url = vars.unsubscribe_url;
  return scope;
}

export interface UnknownField {
  name: string;
  line: number;
  column: number;
  message: string;
}

/** Merge fields in a template that are outside the schema, with where they are. */
export function unknownMergeFields(analysis: StaticAnalysis): UnknownField[] {
  const out: UnknownField[] = [];
  for (const vars of Object.values(analysis.globals)) {
    for (const v of vars) {
      const problem = fieldProblem(v);
      if (problem)
        out.push({ name: String(v), line: v.location.row, column: v.location.col, message: problem });
    }
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * The contact fields a template reads (the first segment after `contact.`), from its static analysis;
 * null when it may read the contact as a whole or by a computed name (`{% assign c = contact %}`,
 * `contact[data.key]`), so a caller that stores what a message was rendered from can keep only these
 * fields and still render the same bytes again. `email` is derived from `emails` (mergeContact).
 */
export function contactFieldsRead(analyses: StaticAnalysis[]): Set<string> | null {
  const fields = new Set<string>();
  for (const analysis of analyses) {
    for (const v of analysis.globals.contact ?? []) {
      const first = v.segments[1];
      if (typeof first !== "string" || !(CONTACT_FIELDS as readonly string[]).includes(first)) return null;
      fields.add(first === "email" ? "emails" : first);
    }
  }
  return fields;
}

function fieldProblem(v: Variable): string | null {
  const [root, first, second] = v.segments;
  if (typeof root !== "string" || !(ROOT_FIELDS as readonly string[]).includes(root)) {
    return unknownMessage(String(v), String(root), ROOT_FIELDS, "");
  }
  if (root !== "contact" || typeof first !== "string") return null;
  if (!(CONTACT_FIELDS as readonly string[]).includes(first)) {
    return unknownMessage(String(v), first, CONTACT_FIELDS, "contact.");
  }
  if (
    first === "address" &&
    typeof second === "string" &&
    !(ADDRESS_FIELDS as readonly string[]).includes(second)
  ) {
    return unknownMessage(String(v), second, ADDRESS_FIELDS, "contact.address.");
  }
  return null;
}

function unknownMessage(full: string, name: string, known: readonly string[], prefix: string): string {
  const near = closest(name, known);
  const hint = near
    ? ` Did you mean '${prefix}${near}'?`
    : ` Known: ${known.map((k) => prefix + k).join(", ")}.`;
  return `Unknown merge field '${full}'.${hint}`;
}

function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
