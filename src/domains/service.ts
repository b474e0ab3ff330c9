// Sender domains (issue 5, item 7): register a domain, generate its DKIM key, show the records to publish,
// check them in DNS, and answer the sending path's two questions: may this sender send (when the workspace
// requires verified domains), and with which key is its mail signed.
import { generateKeyPairSync } from "node:crypto";
import { domainToASCII, domainToUnicode } from "node:url";
import type { Kysely } from "kysely";
import { activityCtx, recordActivity } from "../audit/service.js";
import type { DB } from "../db/schema.js";
import type { Ctx, Runtime } from "../runtime.js";
import { domainOf } from "../util/email.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { WorkspaceSettings } from "../workspaces/schema.js";
import { type DkimKey, type DkimSigner, dkimSign, dkimSigner } from "./dkim.js";
import { dnsResolverOf } from "./dns.js";
import { checkRecords, DEFAULT_SPF, type RecordCheck, recordsFor, whatToPublish } from "./records.js";
import type { UpdateDomain } from "./schema.js";
import {
  deleteDomain,
  insertDomain,
  type SenderDomainRow,
  selectDomain,
  selectDomainByName,
  selectDomainsByName,
  updateChecks,
  updateLimits,
} from "./store.js";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower case, no trailing dot, IDN as punycode (the form DNS and DKIM's d= use). */
export function normaliseDomain(input: string): string {
  const trimmed = input.trim().toLowerCase().replace(/\.$/, "");
  const ascii = domainToASCII(trimmed);
  const labels = ascii.split(".");
  if (!ascii || labels.length < 2 || ascii.length > 253 || !labels.every((l) => LABEL.test(l))) {
    throw Invalid(`domain: '${input}' is not a domain name (e.g. praxis-scholz.de).`, [
      { path: "domain", message: "not a domain name", code: "invalid_format", format: "domain" },
    ]);
  }
  return ascii;
}

/** `ps<yyyymm>`: a new key next year gets a new selector, so old and new records can coexist. */
export function selectorFor(now: Date): string {
  return `ps${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

function generateDkimKey() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

async function settingsOf(db: Kysely<DB>, workspaceId: string): Promise<WorkspaceSettings> {
  const w = await db
    .selectFrom("workspaces")
    .select("settings")
    .where("id", "=", workspaceId)
    .executeTakeFirst();
  return (w?.settings ?? {}) as WorkspaceSettings;
}

/** The host an MX for the bounce domain should name: the public URL's host, when it is a DNS name. */
function inboundHostOf(rt: Runtime): string | null {
  const host = new URL(rt.config.publicUrl).hostname.toLowerCase();
  if (host === "localhost" || /^[\d.]+$/.test(host) || host.includes(":")) return null;
  return host;
}

function inputsOf(rt: Runtime, settings: WorkspaceSettings, d: SenderDomainRow) {
  return {
    domain: d.domain,
    selector: d.dkim_selector,
    publicKey: d.dkim_public_key,
    spf: settings.spf_policy || DEFAULT_SPF,
    bounceDomain: settings.bounce_domain || rt.config.bounceDomain,
    inboundHost: inboundHostOf(rt),
  };
}

/** The API's view: never the private key. */
export function domainOut(rt: Runtime, settings: WorkspaceSettings, d: SenderDomainRow) {
  return {
    id: d.id,
    domain: d.domain,
    unicode: domainToUnicode(d.domain),
    dkim_selector: d.dkim_selector,
    verified: d.verified_at !== null,
    verified_at: d.verified_at,
    checked_at: d.checked_at,
    checks: (d.checks ?? null) as RecordCheck[] | null,
    dns_records: recordsFor(inputsOf(rt, settings, d)),
    rate_limit: d.rate_limit,
    rate_window_seconds: d.rate_window_seconds,
    created_at: d.created_at,
  };
}

export async function createDomain(ctx: Ctx, input: string) {
  const { rt, workspaceId } = ctx;
  const domain = normaliseDomain(input);
  const existing = await selectDomainByName(rt.db, workspaceId, domain);
  if (existing)
    throw Conflict(`The domain '${domain}' is already registered (id '${existing.id}').`, {
      id: existing.id,
    });
  const key = generateDkimKey();
  const now = rt.now();
  const row = await rt.db.transaction().execute(async (tx) => {
    const r = await insertDomain(tx, {
      id: newId("dom", now.getTime()),
      workspace_id: workspaceId,
      domain,
      dkim_selector: selectorFor(now),
      dkim_private_key: key.privateKey,
      dkim_public_key: key.publicKey,
      created_at: now,
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: "sender_domain",
      recordId: r.id,
      after: { domain, dkim_selector: r.dkim_selector },
      summary: `Sender domain ${domain} registered; DKIM key ${r.dkim_selector} generated`,
    });
    return r;
  });
  forgetSigner(workspaceId, domain);
  return domainOut(rt, await settingsOf(rt.db, workspaceId), row);
}

async function mustGet(ctx: Ctx, id: string) {
  const d = await selectDomain(ctx.rt.db, ctx.workspaceId, id);
  if (!d) throw NotFound("sender domain", id);
  return d;
}

export async function getDomain(ctx: Ctx, id: string) {
  const d = await mustGet(ctx, id);
  return domainOut(ctx.rt, await settingsOf(ctx.rt.db, ctx.workspaceId), d);
}

export async function removeDomain(ctx: Ctx, id: string) {
  const d = await mustGet(ctx, id);
  await ctx.rt.db.transaction().execute(async (tx) => {
    await deleteDomain(tx, d.id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: "sender_domain",
      recordId: d.id,
      before: { domain: d.domain, dkim_selector: d.dkim_selector },
      summary: `Sender domain ${d.domain} removed`,
    });
  });
  forgetSigner(ctx.workspaceId, d.domain);
}

/** Sets or removes the domain's rate limit (DESIGN §3.6); campaigns from it wait for continuation when its
 * window is used up, whichever transport they go through. */
export async function updateDomainLimits(ctx: Ctx, id: string, body: UpdateDomain) {
  const d = await mustGet(ctx, id);
  const after = await ctx.rt.db.transaction().execute(async (tx) => {
    const r = await updateLimits(tx, d.id, { ...body, updated_at: ctx.rt.now() });
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "sender_domain",
      recordId: d.id,
      before: { rate_limit: d.rate_limit, rate_window_seconds: d.rate_window_seconds },
      after: { rate_limit: r.rate_limit, rate_window_seconds: r.rate_window_seconds },
      summary:
        r.rate_limit === null
          ? `Sender domain ${d.domain}: rate limit removed`
          : `Sender domain ${d.domain}: at most ${r.rate_limit} messages per ${r.rate_window_seconds} s`,
    });
    return r;
  });
  return domainOut(ctx.rt, await settingsOf(ctx.rt.db, ctx.workspaceId), after);
}

/** Looks every record up and keeps the result; verified when all required records are ok. */
export async function verifyDomain(ctx: Ctx, id: string) {
  const { rt } = ctx;
  const d = await mustGet(ctx, id);
  const settings = await settingsOf(rt.db, ctx.workspaceId);
  const inputs = inputsOf(rt, settings, d);
  const records = recordsFor(inputs);
  const checks = await checkRecords(records, dnsResolverOf(rt), inputs);
  const ok = records
    .filter((r) => r.required)
    .every((r) => checks.find((c) => c.record === r.record)?.status === "ok");
  const now = rt.now();
  const row = await rt.db.transaction().execute(async (tx) => {
    const r = await updateChecks(tx, d.id, {
      checks: JSON.stringify(checks),
      checked_at: now,
      verified_at: ok ? (d.verified_at ?? now) : null,
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "verified",
      kind: "sender_domain",
      recordId: d.id,
      before: { verified: d.verified_at !== null },
      after: { verified: ok },
      summary: `DNS check of ${d.domain}: ${checks.map((c) => `${c.record} ${c.status}`).join(", ")}`,
    });
    return r;
  });
  return domainOut(rt, settings, row);
}

/** Submit-time rule (require_verified_domain): every sender's domain must be a verified sender domain.
 * The refusal names exactly the records still to publish. */
export async function assertVerifiedSenders(
  ctx: Ctx,
  settings: WorkspaceSettings,
  fromAddresses: string[],
): Promise<void> {
  if (!settings.require_verified_domain) return;
  const domains = [...new Set(fromAddresses.map((a) => domainToASCII(domainOf(a)) || domainOf(a)))];
  const rows = new Map(
    (await selectDomainsByName(ctx.rt.db, ctx.workspaceId, domains)).map((d) => [d.domain, d]),
  );
  for (const domain of domains) {
    const d = rows.get(domain);
    if (d?.verified_at) continue;
    if (!d) {
      throw Invalid(
        `from: the domain '${domain}' is not a sender domain of this workspace, which sends only from verified domains. Register it (POST /v1/sender-domains {"domain":"${domain}"}), publish the DNS records it shows (DKIM, SPF, DMARC), then check them with POST /v1/sender-domains/{id}/verify.`,
        [{ path: "from", message: "sender domain not registered", code: "sender_domain_not_registered" }],
      );
    }
    const records = recordsFor(inputsOf(ctx.rt, settings, d));
    throw Invalid(
      `from: the sender domain '${domain}' is not verified yet. Publish ${whatToPublish(records, d.checks as RecordCheck[] | null)}, then check again with POST /v1/sender-domains/${d.id}/verify.`,
      [{ path: "from", message: "sender domain not verified", code: "sender_domain_not_verified" }],
    );
  }
}

// ---------------------------------------------------------------- signing

const SIGNER_TTL_MS = 60_000;
const signers = new Map<string, { key: DkimKey | null; until: number }>();

function forgetSigner(workspaceId: string, domain: string) {
  signers.delete(`${workspaceId}|${domain}`);
}

/** The DKIM key mail from this domain is signed with (null: not a registered sender domain). Cached for a
 * minute per process: the worker asks once per message. */
export async function signerFor(
  rt: Runtime,
  workspaceId: string,
  fromDomain: string,
): Promise<DkimKey | null> {
  const domain = domainToASCII(fromDomain.toLowerCase()) || fromDomain.toLowerCase();
  const cacheKey = `${workspaceId}|${domain}`;
  const hit = signers.get(cacheKey);
  const nowMs = Date.now();
  if (hit && hit.until > nowMs) return hit.key;
  const d = await selectDomainByName(rt.db, workspaceId, domain);
  const key = d ? { domain: d.domain, selector: d.dkim_selector, privateKey: d.dkim_private_key } : null;
  signers.set(cacheKey, { key, until: nowMs + SIGNER_TTL_MS });
  return key;
}

/** The sending path's one call: the message signed with its sender domain's key, or unchanged. */
export async function signForSender(
  rt: Runtime,
  workspaceId: string,
  from: string,
  raw: Buffer,
): Promise<Buffer> {
  const key = await signerFor(rt, workspaceId, domainOf(from));
  return key ? dkimSign(raw, key, rt.now()) : raw;
}

/** The registered sender domain mail from `from` belongs to (uncached: for a transaction that freezes it). */
export function senderDomainOf(db: Kysely<DB>, workspaceId: string, from: string) {
  const domain = domainToASCII(domainOf(from).toLowerCase()) || domainOf(from).toLowerCase();
  return selectDomainByName(db, workspaceId, domain);
}

/** A ready signer for the sender domain (parsed key, cached like signerFor), or null when the domain is not
 * registered or its key is no longer the one with `selector` (a run signs with the key it started with). */
export async function campaignSigner(
  rt: Runtime,
  workspaceId: string,
  dkim: { domain: string; selector: string } | null | undefined,
): Promise<DkimSigner | null> {
  if (!dkim) return null;
  const key = await signerFor(rt, workspaceId, dkim.domain);
  return key && key.selector === dkim.selector ? dkimSigner(key) : null;
}
