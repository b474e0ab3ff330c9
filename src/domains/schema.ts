import { z } from "zod";
import { pageQuery } from "../http/pagination.js";

export const createDomainBody = z.strictObject({
  /** The domain after the @ of the sender addresses; IDN allowed (stored as punycode). */
  domain: z.string().trim().min(1).max(253),
});

export const domainIdParam = z.strictObject({ id: z.string().min(1).max(100) });
export const domainsQuery = z.strictObject({ ...pageQuery });
