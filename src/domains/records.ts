// The DNS records a sender domain needs (DKIM, SPF, DMARC, the bounce domain) and how each is checked:
// ok, missing (nothing published) or mismatch (something else published; `found` says what).
import { type DnsResolver, isNoData } from "./dns.js";

export type RecordName = "dkim" | "spf" | "dmarc" | "bounce";
export type RecordStatus = "ok" | "missing" | "mismatch";

export interface DnsRecord {
  record: RecordName;
  type: "TXT" | "MX";
  name: string;
  value: string;
  /** Whether sending requires it (require_verified_domain) or it is advice. */
  required: boolean;
  note?: string;
}

export interface RecordCheck {
  record: RecordName;
  name: string;
  status: RecordStatus;
  expected: string;
  found: string[];
  error?: string;
}

export const DEFAULT_SPF = "v=spf1 a mx ~all";

export interface RecordInputs {
  domain: string;
  selector: string;
  /** base64 DER (SPKI) of the DKIM public key, the p= tag. */
  publicKey: string;
  spf: string;
  bounceDomain: string;
  /** The host the bounce domain's MX should name, when the instance knows its public name. */
  inboundHost: string | null;
}

export function recordsFor(i: RecordInputs): DnsRecord[] {
  return [
    {
      record: "dkim",
      type: "TXT",
      name: `${i.selector}._domainkey.${i.domain}`,
      value: `v=DKIM1; k=rsa; p=${i.publicKey}`,
      required: true,
    },
    {
      record: "spf",
      type: "TXT",
      name: i.domain,
      value: i.spf,
      required: true,
      note: "One SPF record per domain. If mail leaves through a relay or provider, add its mechanism (include:… or ip4:…) before the final ~all; merge with an SPF record you already have instead of adding a second one.",
    },
    {
      record: "dmarc",
      type: "TXT",
      name: `_dmarc.${i.domain}`,
      value: `v=DMARC1; p=none; rua=mailto:dmarc@${i.domain}`,
      required: true,
      note: "p=none only collects reports; tighten to quarantine or reject once the reports show all your mail passes.",
    },
    {
      record: "bounce",
      type: "MX",
      name: i.bounceDomain,
      value: i.inboundHost ?? "the host running Poststelle's inbound listener",
      required: false,
      note: "Bounces return to bounce+…@ this domain; its MX (or a CNAME to the inbound host) must reach Poststelle. It is the instance's, shared by all sender domains.",
    },
  ];
}

async function txtAt(resolver: DnsResolver, name: string): Promise<{ found: string[]; error?: string }> {
  try {
    return { found: (await resolver.resolveTxt(name)).map((chunks) => chunks.join("")) };
  } catch (err) {
    if (isNoData(err)) return { found: [] };
    return { found: [], error: `DNS lookup failed: ${(err as Error).message}` };
  }
}

const tagOf = (record: string, tag: string) =>
  record
    .split(";")
    .map((t) => t.trim())
    .find((t) => t.toLowerCase().startsWith(`${tag}=`))
    ?.slice(tag.length + 1)
    .replace(/\s+/g, "");

async function checkDkim(r: DnsRecord, resolver: DnsResolver, publicKey: string): Promise<RecordCheck> {
  const { found, error } = await txtAt(resolver, r.name);
  const dkim = found.filter((t) => /^v\s*=\s*DKIM1/i.test(t) || tagOf(t, "p") !== undefined);
  const status: RecordStatus =
    dkim.length === 0 ? "missing" : dkim.some((t) => tagOf(t, "p") === publicKey) ? "ok" : "mismatch";
  return {
    record: r.record,
    name: r.name,
    status,
    expected: r.value,
    found: dkim,
    ...(error ? { error } : {}),
  };
}

/** Any SPF record counts (we cannot know the relays); two SPF records are a permanent error (RFC 7208 §4.5). */
async function checkPrefixed(r: DnsRecord, resolver: DnsResolver, prefix: RegExp): Promise<RecordCheck> {
  const { found, error } = await txtAt(resolver, r.name);
  const hits = found.filter((t) => prefix.test(t));
  const status: RecordStatus = hits.length === 0 ? "missing" : hits.length > 1 ? "mismatch" : "ok";
  return {
    record: r.record,
    name: r.name,
    status,
    expected: r.value,
    found: hits,
    ...(error ? { error } : {}),
  };
}

async function checkBounce(
  r: DnsRecord,
  resolver: DnsResolver,
  inboundHost: string | null,
): Promise<RecordCheck> {
  let found: string[] = [];
  let error: string | undefined;
  try {
    found = (await resolver.resolveMx(r.name)).map((m) => m.exchange.toLowerCase().replace(/\.$/, ""));
  } catch (err) {
    if (!isNoData(err)) error = `DNS lookup failed: ${(err as Error).message}`;
  }
  const status: RecordStatus =
    found.length === 0 ? "missing" : !inboundHost || found.includes(inboundHost) ? "ok" : "mismatch";
  return { record: r.record, name: r.name, status, expected: r.value, found, ...(error ? { error } : {}) };
}

export async function checkRecords(
  records: DnsRecord[],
  resolver: DnsResolver,
  i: Pick<RecordInputs, "publicKey" | "inboundHost">,
): Promise<RecordCheck[]> {
  return Promise.all(
    records.map((r) => {
      if (r.record === "dkim") return checkDkim(r, resolver, i.publicKey);
      if (r.record === "spf") return checkPrefixed(r, resolver, /^v=spf1(\s|$)/i);
      if (r.record === "dmarc") return checkPrefixed(r, resolver, /^v=DMARC1\s*(;|$)/i);
      return checkBounce(r, resolver, i.inboundHost);
    }),
  );
}

/** The sentence a refused sender reads: exactly which records to publish. */
export function whatToPublish(records: DnsRecord[], checks: RecordCheck[] | null): string {
  const todo = records.filter(
    (r) => r.required && (checks?.find((c) => c.record === r.record)?.status ?? "missing") !== "ok",
  );
  return todo.map((r) => `${r.type} ${r.name} "${r.value}"`).join("; ");
}
