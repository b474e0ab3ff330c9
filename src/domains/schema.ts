import { z } from "zod";
import { pageQuery } from "../http/pagination.js";

export const createDomainBody = z.strictObject({
  /** The domain after the @ of the sender addresses; IDN allowed (stored as punycode). */
  domain: z.string().trim().min(1).max(253),
});

export const domainIdParam = z.strictObject({ id: z.string().min(1).max(100) });
export const domainsQuery = z.strictObject({ ...pageQuery });

/** PATCH /v1/sender-domains/{id}: the domain's rate limit, both parts or neither (null removes it). */
export const updateDomainBody = z
  .strictObject({
    rate_limit: z.number().int().min(1).max(10_000_000).nullable(),
    rate_window_seconds: z
      .number()
      .int()
      .min(1)
      .max(31 * 86_400)
      .nullable(),
  })
  .refine((b) => (b.rate_limit === null) === (b.rate_window_seconds === null), {
    message:
      "rate_limit and rate_window_seconds go together: give both, or null for both to remove the limit",
    path: ["rate_window_seconds"],
  });
export type UpdateDomain = z.infer<typeof updateDomainBody>;
