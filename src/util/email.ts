// E-mail address validation and normalisation: the domain is lower-cased and converted to its ASCII
// (punycode) form, the local part is kept as written (RFC 5321 §2.4: only the receiving host may
// interpret its case). `key` is the fully lower-cased form used to find duplicates.
import { domainToASCII } from "node:url";
import { z } from "zod";
import { Invalid } from "./errors.js";

export interface NormalisedEmail {
  address: string;
  key: string;
}

const LOCAL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Returns the normalised address, or null when it is not a usable address. */
export function tryNormaliseEmail(input: string): NormalisedEmail | null {
  const s = input.trim();
  const at = s.lastIndexOf("@");
  if (at <= 0 || at === s.length - 1 || s.length > 320) return null;
  const local = s.slice(0, at);
  const domainIn = s.slice(at + 1).replace(/\.$/, "");
  if (local.length > 64 || !LOCAL.test(local)) return null;
  const domain = domainToASCII(domainIn.toLowerCase());
  if (!domain || domain.length > 253) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return null;
  const address = `${local}@${domain}`;
  return { address, key: address.toLowerCase() };
}

export function normaliseEmail(input: string, field = "address"): NormalisedEmail {
  const n = tryNormaliseEmail(input);
  if (!n)
    throw Invalid(`${field}: '${input}' is not a valid e-mail address.`, [
      { path: field, message: "invalid e-mail address", code: "invalid_format", format: "email" },
    ]);
  return n;
}

/** A zod schema that accepts an e-mail address (IDN allowed) and yields its normalised form. */
export const emailAddress = z
  .string()
  .trim()
  .max(320)
  .transform((v, ctx) => {
    const n = tryNormaliseEmail(v);
    if (!n) {
      ctx.addIssue({ code: "custom", message: `'${v}' is not a valid e-mail address` });
      return z.NEVER;
    }
    return n.address;
  });

/** The domain part of a normalised address. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}
