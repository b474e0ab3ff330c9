// Who must not get a campaign, decided per claimed batch at the moment of sending (seed 004: recipients are
// excluded automatically by their communication status). Every rule is one query for the whole batch.
// When several rules apply, the first in `exclusionReasons` order is reported.
import { findBlocked } from "../blocklist/lookup.js";
import { CONSENT_FREE_PURPOSES, hasConsent } from "../contacts/consent.js";
import type { Database } from "../db/index.js";
import { tryNormaliseEmail } from "../util/email.js";
import { addressProblem, type PostalAddress } from "./letters/index.js";
import { consentingContacts, hardBouncedAddresses, leftSubscriptions } from "./store.js";

export const exclusionReasons = {
  no_address: {
    en: "The contact has no usable address for this channel.",
    de: "Der Kontakt hat keine verwendbare Adresse für diesen Weg.",
  },
  blocklisted: {
    en: "The address is on the blocklist.",
    de: "Die Adresse steht auf der Sperrliste.",
  },
  earlier_hard_bounce: {
    en: "An earlier message to this address bounced permanently.",
    de: "Eine frühere Nachricht an diese Adresse kam dauerhaft unzustellbar zurück.",
  },
  unsubscribed: {
    en: "The contact has unsubscribed from a list of this campaign.",
    de: "Der Kontakt hat sich von einem Verteiler dieser Serienkorrespondenz abgemeldet.",
  },
  no_consent: {
    en: "The contact has not consented to marketing on this channel.",
    de: "Der Kontakt hat keine Einwilligung in Werbung auf diesem Weg erteilt.",
  },
} as const;
export type ExclusionReason = keyof typeof exclusionReasons;

export interface Exclusion {
  reason: ExclusionReason;
  detail: string;
}

export interface AudienceRules {
  workspaceId: string;
  purpose: "marketing" | "transactional";
  listIds: string[];
}

export interface Candidate {
  contact_id: string;
  contact: Record<string, unknown>;
}

/** The contact's first usable e-mail address (the first is the one used for mailings, DESIGN §9). */
export function mailingAddress(contact: Record<string, unknown>): string | null {
  const emails = Array.isArray(contact.emails) ? (contact.emails as unknown[]) : [];
  for (const e of emails) {
    const n = typeof e === "string" ? tryNormaliseEmail(e) : null;
    if (n) return n.address;
  }
  return null;
}

/** The window address of a contact (DIN 5008): salutation line, then title and name. */
export function postalAddressOf(contact: Record<string, unknown>): PostalAddress {
  const s = (k: string) => (typeof contact[k] === "string" ? (contact[k] as string).trim() : "");
  const name = [s("title"), s("first_name"), s("last_name")].filter((x) => x !== "").join(" ");
  return {
    name_lines: [s("salutation"), name].filter((x) => x !== ""),
    street: s("street"),
    postal_code: s("postal_code"),
    city: s("city"),
    ...(s("country") ? { country: s("country") } : {}),
  };
}

function excluded(reason: ExclusionReason, extra?: string): Exclusion {
  return {
    reason,
    detail: extra ? `${exclusionReasons[reason].en} (${extra})` : exclusionReasons[reason].en,
  };
}

/** Rules every channel shares: lists left, and consent for marketing on the channel. */
async function commonRules(
  db: Database,
  rules: AudienceRules,
  ids: string[],
  channel: "email" | "post",
): Promise<Map<string, Exclusion>> {
  const out = new Map<string, Exclusion>();
  const left = await leftSubscriptions(db, rules.listIds, ids);
  // Marketing consent by index probes per contact (store.ts); the consent-free purposes as contacts decide.
  const consenting = CONSENT_FREE_PURPOSES.has(rules.purpose)
    ? await hasConsent(db, rules.workspaceId, ids, channel, rules.purpose)
    : await consentingContacts(db, rules.workspaceId, ids, channel, rules.purpose);
  for (const id of ids) {
    const status = left.get(id);
    if (status === "bounced_permanent") out.set(id, excluded("earlier_hard_bounce", "subscription bounced"));
    else if (status) out.set(id, excluded("unsubscribed"));
    else if (!consenting.has(id)) out.set(id, excluded("no_consent", `${channel}/${rules.purpose}`));
  }
  return out;
}

/**
 * E-mail: the address each candidate is sent to, or why it is excluded. `secret` keys the blocklist hash.
 */
export async function screenEmailRecipients(
  db: Database,
  secret: string,
  rules: AudienceRules,
  candidates: Candidate[],
): Promise<Map<string, { address: string } | Exclusion>> {
  const out = new Map<string, { address: string } | Exclusion>();
  const addressed: Array<{ id: string; address: string }> = [];
  for (const c of candidates) {
    const address = mailingAddress(c.contact);
    if (address) addressed.push({ id: c.contact_id, address });
    else out.set(c.contact_id, excluded("no_address", "no valid e-mail address"));
  }
  const addresses = [...new Set(addressed.map((a) => a.address))];
  const [blocked, bounced, common] = await Promise.all([
    findBlocked(db, secret, rules.workspaceId, addresses),
    hardBouncedAddresses(
      db,
      rules.workspaceId,
      addresses.map((a) => a.toLowerCase()),
    ),
    commonRules(
      db,
      rules,
      addressed.map((a) => a.id),
      "email",
    ),
  ]);
  for (const { id, address } of addressed) {
    const hit = blocked.get(address);
    if (hit) out.set(id, excluded("blocklisted", hit.reason));
    else if (bounced.has(address.toLowerCase())) out.set(id, excluded("earlier_hard_bounce"));
    else out.set(id, common.get(id) ?? { address });
  }
  return out;
}

/** Letters: the postal address each candidate is written to, or why it is excluded. */
export async function screenLetterRecipients(
  db: Database,
  rules: AudienceRules,
  candidates: Candidate[],
): Promise<Map<string, { address: PostalAddress } | Exclusion>> {
  const out = new Map<string, { address: PostalAddress } | Exclusion>();
  const addressed: Array<{ id: string; address: PostalAddress }> = [];
  for (const c of candidates) {
    const address = postalAddressOf(c.contact);
    const problem = addressProblem(address);
    if (problem) out.set(c.contact_id, excluded("no_address", problem));
    else addressed.push({ id: c.contact_id, address });
  }
  const common = await commonRules(
    db,
    rules,
    addressed.map((a) => a.id),
    "post",
  );
  for (const { id, address } of addressed) out.set(id, common.get(id) ?? { address });
  return out;
}
