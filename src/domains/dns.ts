// The DNS lookups a sender-domain check needs, behind an interface so tests can answer for the world.
import { promises as dns } from "node:dns";
import type { Runtime } from "../runtime.js";

export interface DnsResolver {
  /** TXT records, each as its character-string chunks (as node:dns returns them). */
  resolveTxt(name: string): Promise<string[][]>;
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
}

export const systemResolver: DnsResolver = {
  resolveTxt: (name) => dns.resolveTxt(name),
  resolveMx: (name) => dns.resolveMx(name),
};

const resolvers = new WeakMap<Runtime, DnsResolver>();

/** Replaces the resolver for this runtime (tests inject a fake one). */
export function useDnsResolver(rt: Runtime, resolver: DnsResolver): void {
  resolvers.set(rt, resolver);
}

export function dnsResolverOf(rt: Runtime): DnsResolver {
  return resolvers.get(rt) ?? systemResolver;
}

/** A name that does not exist or has no records of the type: an answer, not a failure. */
export function isNoData(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOTFOUND" || code === "ENODATA" || code === "ENONAME";
}
