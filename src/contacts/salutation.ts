// The letter salutation ("Briefanrede") generated from salutation, title and name in the contact's language:
// "Sehr geehrte Frau Dr. Scholz," / "Dear Ms Dr Scholz,". The salutation words a user may give are a small
// table, so that "Frau", "Ms" and "Mrs." all mean the same form and the letter speaks the contact's language.

/** What a salutation word says about how to address someone. */
export type AddressForm = "female" | "male" | "diverse" | "family" | "company";

const salutationTable: Record<string, AddressForm> = {
  frau: "female",
  fr: "female",
  ms: "female",
  mrs: "female",
  miss: "female",
  madam: "female",
  herr: "male",
  hr: "male",
  mr: "male",
  sir: "male",
  divers: "diverse",
  mx: "diverse",
  familie: "family",
  family: "family",
  firma: "company",
  company: "company",
};

/** The salutation words accepted, for error messages. */
export const acceptedSalutations = ["Frau", "Herr", "Divers", "Familie", "Firma", "Ms", "Mrs", "Mr", "Mx"];

function tableKey(salutation: string): string {
  return salutation.trim().toLowerCase().replace(/\.$/, "");
}

/** The address form of a salutation word; undefined when the word is not in the table. */
export function addressForm(salutation: string): AddressForm | undefined {
  return salutationTable[tableKey(salutation)];
}

export interface SalutationInput {
  salutation: string | null;
  title: string | null;
  first_name: string | null;
  last_name: string | null;
  language: string;
}

type Words = (n: { title: string; first: string; last: string }) => string;

interface LanguageForms {
  female: Words;
  male: Words;
  diverse: Words;
  family: Words;
  /** Someone with a name but no gendered salutation. */
  neutral: Words;
  /** No name at all, or a company. */
  nobody: string;
  /** English drops the full stops of academic titles ("Dr", "Prof Dr"). */
  title(t: string): string;
}

const join = (...parts: string[]) => parts.filter(Boolean).join(" ");

const forms: Record<"de" | "en", LanguageForms> = {
  de: {
    female: (n) => `Sehr geehrte ${join("Frau", n.title, n.last)},`,
    male: (n) => `Sehr geehrter ${join("Herr", n.title, n.last)},`,
    diverse: (n) => `Guten Tag ${join(n.title, n.first, n.last)},`,
    family: (n) => `Sehr geehrte ${join("Familie", n.last)},`,
    neutral: (n) => `Guten Tag ${join(n.title, n.first, n.last)},`,
    nobody: "Sehr geehrte Damen und Herren,",
    title: (t) => t,
  },
  en: {
    female: (n) => `Dear ${join("Ms", n.title, n.last)},`,
    male: (n) => `Dear ${join("Mr", n.title, n.last)},`,
    diverse: (n) => `Dear ${join("Mx", n.title, n.last)},`,
    family: (n) => `Dear ${n.last} family,`,
    neutral: (n) => `Dear ${join(n.title, n.first, n.last)},`,
    nobody: "Dear Sir or Madam,",
    title: (t) => t.replace(/\./g, ""),
  },
};

/** German for German-speaking contacts; every other language gets the English forms. */
function formsFor(language: string): LanguageForms {
  return language.toLowerCase().startsWith("de") ? forms.de : forms.en;
}

export function letterSalutation(c: SalutationInput): string {
  const f = formsFor(c.language);
  const title = f.title((c.title ?? "").trim());
  const first = (c.first_name ?? "").trim();
  const last = (c.last_name ?? "").trim();
  const form = c.salutation ? addressForm(c.salutation) : undefined;
  if (form === "company" || (!first && !last)) return f.nobody;
  const n = { title, first, last };
  // Gendered and family forms need the surname; without it the neutral form with the first name is used.
  if (!last) return f.neutral(n);
  if (form === "female" || form === "male" || form === "diverse" || form === "family") return f[form](n);
  return f.neutral(n);
}
