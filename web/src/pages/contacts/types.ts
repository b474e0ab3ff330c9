// The contact shape of DESIGN §9 and its consent records.
export interface Consent {
  id: string;
  channel: string;
  purpose: string;
  status: string;
  at: string;
  by: string | null;
  source: string | null;
  wording: string | null;
  ip: string | null;
  recorded_at: string;
}

export interface Contact {
  id: string;
  salutation: string | null;
  title: string | null;
  first_name: string | null;
  last_name: string | null;
  letter_salutation: string | null;
  emails: string[];
  phone: string | null;
  mobile: string | null;
  address: { street: string | null; postal_code: string | null; city: string | null; country: string | null };
  language: string | null;
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  consents?: Consent[];
}

export function contactName(c: Contact): string {
  return [c.title, c.first_name, c.last_name].filter(Boolean).join(" ");
}
