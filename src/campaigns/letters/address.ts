// Postal addresses as printed on serial letters and labels (DIN 5008 Anschriftzone; seed 004). The
// country line follows DIN 5008 / the Deutsche Post rules: only for foreign mail, last line, in capitals.

export interface PostalAddress {
  /** Recipient lines above the street: salutation/title and name, company, c/o, department. */
  name_lines: string[];
  /** Street and number, or a PO box ("Postfach 12 34"). */
  street: string;
  postal_code: string;
  city: string;
  /** Country name as the user wrote it; printed only when it differs from the sender's country. */
  country?: string;
}

export interface SenderAddress {
  name: string;
  street: string;
  postal_code: string;
  city: string;
  country?: string;
}

/** The Anschriftzone holds six lines (DIN 5008: 27.3 mm at 4.23 mm per line). */
export const MAX_ADDRESS_LINES = 6;

/** The country assumed when the sender names none: Poststelle's users write from Germany. */
export const DEFAULT_HOME_COUNTRY = "Deutschland";

// Spellings of one country compare equal, so "Germany" on a contact is not "abroad" for a German sender.
const COUNTRY_ALIASES: Record<string, string> = {
  d: "de",
  de: "de",
  deu: "de",
  deutschland: "de",
  germany: "de",
  "bundesrepublik deutschland": "de",
  at: "at",
  aut: "at",
  österreich: "at",
  austria: "at",
  ch: "ch",
  che: "ch",
  schweiz: "ch",
  switzerland: "ch",
};

function countryKey(country: string): string {
  const plain = country.trim().toLowerCase().replace(/\s+/g, " ");
  return COUNTRY_ALIASES[plain] ?? plain;
}

export function isForeign(country: string | undefined, homeCountry: string = DEFAULT_HOME_COUNTRY): boolean {
  if (country === undefined || country.trim() === "") return false;
  return countryKey(country) !== countryKey(homeCountry);
}

/** The lines printed in the window or on a label, in order; blank name lines are dropped. */
export function addressLines(address: PostalAddress, homeCountry: string = DEFAULT_HOME_COUNTRY): string[] {
  const lines = address.name_lines.map((l) => l.trim()).filter((l) => l !== "");
  lines.push(address.street.trim());
  lines.push(`${address.postal_code.trim()} ${address.city.trim()}`);
  if (isForeign(address.country, homeCountry)) lines.push(address.country!.trim().toLocaleUpperCase("de-DE"));
  return lines;
}

/**
 * Why this address cannot be printed in a window envelope or on a label, or null when it can. The campaign
 * calls this before rendering to mark such recipients (the renderers refuse them, naming the reason).
 */
export function addressProblem(
  address: PostalAddress,
  homeCountry: string = DEFAULT_HOME_COUNTRY,
): string | null {
  if (!address.name_lines.some((l) => l.trim() !== "")) return "the address has no name line";
  if (address.street.trim() === "") return "the address has no street or PO box";
  if (address.postal_code.trim() === "" || address.city.trim() === "")
    return "the address has no postal code or city";
  const count = addressLines(address, homeCountry).length;
  if (count > MAX_ADDRESS_LINES)
    return `the address has ${count} lines but a window envelope shows at most ${MAX_ADDRESS_LINES} (DIN 5008); shorten the name lines`;
  return null;
}

/**
 * The Rücksendeangabe "Name · Straße · PLZ Ort", where the post returns undeliverable mail. Mail going
 * abroad also names the sender's country, since a foreign post office has to send it back across a border.
 */
export function returnAddressLine(sender: SenderAddress, goesAbroad = false): string {
  const parts = [sender.name, sender.street, `${sender.postal_code} ${sender.city}`];
  if (goesAbroad) parts.push((sender.country ?? DEFAULT_HOME_COUNTRY).toLocaleUpperCase("de-DE"));
  return parts.map((p) => p.trim()).join(" · ");
}
