// Request shapes of double opt-in sign-ups (issue 4 item 5). Name, salutation and language are checked by
// the contacts schema itself, so a sign-up accepts exactly what creating a contact accepts.
import { z } from "zod";
import { createContactBody } from "../contacts/schema.js";
import { emailAddress } from "../util/email.js";

const contact = createContactBody.shape;

export const signupBody = z.strictObject({
  email: emailAddress,
  first_name: contact.first_name,
  last_name: contact.last_name,
  salutation: contact.salutation,
  language: contact.language,
  /** The consent text the person saw next to the form, stored as evidence with the consent. */
  consent_wording: z.string().trim().min(1, "give the consent wording the person was shown").max(10_000),
  /** The person's IP address as the host application's form saw it. */
  ip: z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" }).optional(),
  /** Where the sign-up came from (e.g. "website footer"). */
  source: z.string().trim().min(1).max(200).optional(),
});
export type SignupInput = z.infer<typeof signupBody>;

export const listParam = z.strictObject({ id: z.string().min(1).max(100) });

/** Public pages: the path holds a token or a list id of any shape; a wrong one gets a plain page. */
export const tokenParam = z.strictObject({ token: z.string() });
export const hostedListParam = z.strictObject({ list_id: z.string() });
/** Not strict on purpose: links to a public page pick up parameters (utm_source …) that must not break it. */
export const hostedQuery = z.object({ lang: z.string().max(10).optional() });
