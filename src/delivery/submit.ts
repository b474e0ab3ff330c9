// Accepting messages (issue 3 item 6, DESIGN §9): validate and resolve everything at submit time —
// recipient, sender, template, transport, blocklist — so that every error is reported before anything is
// sent, then store a whole batch in one multi-row INSERT. A repeated Idempotency-Key returns the first
// message and creates nothing; the unique index settles the race between two identical requests.
import { activityCtx, recordActivities } from "../audit/service.js";
import { findBlocked } from "../blocklist/lookup.js";
import type { Database } from "../db/index.js";
import type { NewRow, Row } from "../db/schema.js";
import { assertVerifiedSenders } from "../domains/service.js";
import { appendFirstEvents, type NewMessageEvent, statusOfNew } from "../events/service.js";
import { actorLabel, type Ctx } from "../runtime.js";
import type { TemplateProblem } from "../templates/engine.js";
import { renderForMessage } from "../templates/service.js";
import { storeMessageLinks, type TrackedHtml, trackingEnabled, trackingFor } from "../tracking/instrument.js";
import { sha256 } from "../util/crypto.js";
import { tryNormaliseEmail } from "../util/email.js";
import { AppError, Conflict, Invalid } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { WorkspaceSettings } from "../workspaces/schema.js";
import type { BatchItem } from "./schema.js";
import {
  insertMessages,
  selectByIdempotencyKeys,
  selectContactsByEmailKey,
  selectContactsById,
  selectTransports,
  selectWorkspaceSettings,
} from "./store.js";
import { messageIdHeader, verpAddress } from "./verp.js";

/** Everything one submission resolves once for all its messages. */
interface Resolver {
  ctx: Ctx;
  settings: WorkspaceSettings;
  transports: Row<"transports">[];
  contactsById: Map<string, Row<"contacts">>;
  /** lower-cased address → the oldest contact holding it, so a message to an address links its contact */
  contactByKey: Map<string, Row<"contacts">>;
  /** address as given → its lower-cased key (null when not an address): normalised once per batch */
  keyOf: Map<string, string | null>;
}

export interface Accepted {
  index: number;
  id: string;
  status: string;
  to: string;
  /** true when an earlier request with the same Idempotency-Key created this message */
  idempotent_replay: boolean;
}

/** A message ready to be stored, and the events it starts its timeline with. */
export interface Prepared {
  index: number;
  row: NewRow<"messages">;
  events: NewMessageEvent[];
  /** The links of a tracked message's HTML (src/tracking), stored with the message. */
  tracked?: TrackedHtml | null;
}

/** Stores the messages (all or none) and answers, per item, the message that stands for it. */
export async function submitMessages(ctx: Ctx, items: BatchItem[]): Promise<Accepted[]> {
  assertUniqueKeys(items);
  const replays = await findReplays(ctx, items);
  const fresh = items.map((item, index) => ({ item, index })).filter(({ index }) => !replays.has(index));
  const resolver = await loadResolver(
    ctx,
    fresh.map((f) => f.item),
  );
  const prepared: Prepared[] = [];
  for (const { item, index } of fresh) {
    prepared.push(await atIndex(items.length > 1 ? index : null, () => prepare(resolver, item, index)));
  }
  await assertVerifiedSenders(
    ctx,
    resolver.settings,
    prepared.map((p) => String(p.row.from_address)),
  );
  await markBlocked(ctx, prepared);
  const stored = prepared.length ? await storePrepared(ctx, prepared) : new Map<number, Accepted>();
  return items.map((_, index) => replays.get(index) ?? stored.get(index)!);
}

// ---------------------------------------------------------------- idempotency

function fingerprint(item: BatchItem): string {
  const { idempotency_key: _k, ...request } = item;
  return sha256(stableJson(request));
}

/** JSON with sorted keys: the same request always gives the same fingerprint. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function assertUniqueKeys(items: BatchItem[]) {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = item.idempotency_key;
    if (!k) return;
    const first = seen.get(k);
    if (first !== undefined) {
      throw Invalid(
        `messages[${i}].idempotency_key repeats that of messages[${first}]; each key names one message.`,
        [
          {
            path: `messages.${i}.idempotency_key`,
            message: `same key as messages.${first}`,
            code: "duplicate",
            of: `messages.${first}.idempotency_key`,
          },
        ],
      );
    }
    seen.set(k, i);
  });
}

/** Items whose key an earlier request used: answered with that message, after checking it was the same
 * request (a key reused for something else is a client bug that must not pass silently). */
async function findReplays(ctx: Ctx, items: BatchItem[]): Promise<Map<number, Accepted>> {
  const keys = items.map((i) => i.idempotency_key).filter((k): k is string => !!k);
  const out = new Map<number, Accepted>();
  if (keys.length === 0) return out;
  const existing = new Map(
    (await selectByIdempotencyKeys(ctx.rt.db, ctx.workspaceId, keys)).map((r) => [r.idempotency_key, r]),
  );
  items.forEach((item, index) => {
    const hit = item.idempotency_key ? existing.get(item.idempotency_key) : undefined;
    if (!hit) return;
    assertSameRequest(item, hit.idempotency_fingerprint, index, items.length);
    out.set(index, {
      index,
      id: hit.id,
      status: hit.status,
      to: hit.to_address ?? "",
      idempotent_replay: true,
    });
  });
  return out;
}

function assertSameRequest(item: BatchItem, stored: string | null, index: number, count: number) {
  if (stored === null || stored === fingerprint(item)) return;
  const where = count > 1 ? `messages[${index}]: ` : "";
  throw Conflict(
    `${where}the Idempotency-Key '${item.idempotency_key}' was already used for a different message; use a new key for a new message.`,
    [
      {
        path: count > 1 ? `messages.${index}.idempotency_key` : "idempotency_key",
        message: "key already used for a different message",
        code: "idempotency_key_reused",
      },
    ],
  );
}

// ---------------------------------------------------------------- resolving

async function loadResolver(ctx: Ctx, items: BatchItem[]): Promise<Resolver> {
  const db = ctx.rt.db;
  const contactIds = items.flatMap((i) => (typeof i.to === "object" ? [i.to.contact_id] : []));
  const keyOf = new Map<string, string | null>();
  for (const i of items)
    if (typeof i.to === "string" && !keyOf.has(i.to)) keyOf.set(i.to, tryNormaliseEmail(i.to)?.key ?? null);
  const keys = [...keyOf].map(([to, key]) => key ?? to);
  const [settings, transports, byId, byKey] = await Promise.all([
    selectWorkspaceSettings(db, [ctx.workspaceId]),
    selectTransports(db, ctx.workspaceId),
    selectContactsById(db, ctx.workspaceId, [...new Set(contactIds)]),
    selectContactsByEmailKey(db, ctx.workspaceId, [...new Set(keys)]),
  ]);
  const contactByKey = new Map<string, Row<"contacts">>();
  for (const c of byKey) for (const k of c.email_keys) if (!contactByKey.has(k)) contactByKey.set(k, c);
  return {
    ctx,
    settings: (settings.get(ctx.workspaceId) ?? {}) as WorkspaceSettings,
    transports,
    contactsById: new Map(byId.map((c) => [c.id, c])),
    contactByKey,
    keyOf,
  };
}

/** Runs one item's preparation; in a batch, an error names the item (messages[3]: …, path messages.3.to). */
async function atIndex<T>(index: number | null, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (index === null || !(err instanceof AppError)) throw err;
    // Every item detail has a code: a check's own, else the error's (not_found, conflict …).
    const details = Array.isArray(err.details)
      ? err.details.map((d: { path?: string; message?: string; code?: string }) => ({
          ...d,
          path: `messages.${index}${d.path ? `.${d.path}` : ""}`,
          code: d.code ?? err.code,
        }))
      : [{ path: `messages.${index}`, message: err.message, code: err.code }];
    throw new AppError(err.code, `messages[${index}]: ${err.message}`, details);
  }
}

function recipientOf(r: Resolver, item: BatchItem): { to: string; contact: Row<"contacts"> | null } {
  if (typeof item.to === "string") {
    return { to: item.to, contact: r.contactByKey.get(r.keyOf.get(item.to) ?? "") ?? null };
  }
  const contact = r.contactsById.get(item.to.contact_id);
  if (!contact) {
    throw Invalid(`to.contact_id: no contact with id '${item.to.contact_id}' exists in this workspace.`, [
      { path: "to.contact_id", message: "unknown contact", code: "unknown_reference", kind: "contact" },
    ]);
  }
  const first = contact.emails.map((e) => tryNormaliseEmail(e)).find((e) => e !== null);
  if (!first) {
    throw Invalid(
      `to: contact has no usable address (contact '${contact.id}' has no valid e-mail address).`,
      [{ path: "to.contact_id", message: "contact has no usable address", code: "no_usable_address" }],
    );
  }
  return { to: first.address, contact };
}

function senderOf(r: Resolver, item: BatchItem): { from: string; fromName: string | null } {
  const dflt = r.settings.default_from ?? null;
  const from = item.from ?? dflt;
  if (!from) {
    throw Invalid(
      "from: this message has no sender. Give `from`, or set the workspace's default_from (PATCH /v1/workspace).",
      [{ path: "from", message: "no sender", code: "required" }],
    );
  }
  const fromName = item.from_name ?? (from === dflt ? (r.settings.default_from_name ?? null) : null);
  return { from, fromName };
}

function transportIdOf(r: Resolver, item: BatchItem): string | null {
  if (item.transport) {
    const t = r.transports.find((x) => x.name === item.transport);
    if (!t) {
      const names = r.transports.map((x) => x.name);
      throw Invalid(
        `transport: no transport named '${item.transport}' exists${names.length ? ` (there are: ${names.join(", ")})` : ""}.`,
        [{ path: "transport", message: "unknown transport", code: "unknown_reference", kind: "transport" }],
      );
    }
    return t.id;
  }
  // No default configured: null, which the worker sends through the built-in capture outbox.
  return r.transports.find((x) => x.is_default)?.id ?? null;
}

async function contentOf(r: Resolver, item: BatchItem, contact: Row<"contacts"> | null) {
  if (!item.template_id) {
    return { subject: item.subject ?? "", text: item.text ?? null, html: item.html ?? null };
  }
  const rendered = await renderForMessage(r.ctx.rt, r.ctx.workspaceId, item.template_id, {
    contact: contact as Record<string, unknown> | null,
    data: item.data ?? {},
  }).catch((err: unknown) => {
    throw templateError(err);
  });
  return { subject: item.subject ?? rendered.subject, text: rendered.text, html: rendered.html };
}

/** A template that does not exist or cannot be filled for this message, as issues of `template_id` with a
 * code: unknown_reference (kind template), or template_not_renderable with the part, line, column and the
 * merge field that has no value. The status stays the error's own (404, 400). */
function templateError(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (err.code === "not_found") {
    return new AppError(err.code, err.message, [
      { path: "template_id", message: "unknown template", code: "unknown_reference", kind: "template" },
    ]);
  }
  if (err.code === "invalid" && Array.isArray(err.details)) {
    return new AppError(
      err.code,
      err.message,
      (err.details as TemplateProblem[]).map((p) => ({
        path: "template_id",
        code: "template_not_renderable",
        ...p,
      })),
    );
  }
  return err;
}

async function prepare(r: Resolver, item: BatchItem, index: number): Promise<Prepared> {
  const { rt, workspaceId } = r.ctx;
  const now = rt.now();
  const { to, contact } = recipientOf(r, item);
  const { from, fromName } = senderOf(r, item);
  const transportId = transportIdOf(r, item);
  const content = await contentOf(r, item, contact);
  if (!content.subject) {
    throw Invalid("subject: the message has no subject (none given and the template has none).", [
      { path: "subject", message: "subject is required", code: "required" },
    ]);
  }
  const id = newId("msg", now.getTime());
  const bounceDomain = r.settings.bounce_domain || rt.config.bounceDomain;
  const tracked =
    content.html && trackingEnabled(r.settings.tracking) ? trackingFor(rt, id, content.html) : null;
  const queued: NewMessageEvent = {
    message_id: id,
    workspace_id: workspaceId,
    type: "queued",
    source: "api",
    at: now,
    detail: "Accepted for sending",
    evidence: { by: actorLabel(r.ctx.actor), idempotency_key: item.idempotency_key ?? null },
  };
  const row: NewRow<"messages"> = {
    id,
    workspace_id: workspaceId,
    channel: "email",
    contact_id: contact?.id ?? null,
    to_address: to,
    from_address: from,
    from_name: fromName,
    reply_to: item.reply_to ?? null,
    subject: content.subject,
    text_body: content.text,
    html_body: tracked?.html ?? content.html,
    attachments: JSON.stringify(item.attachments ?? []),
    template_id: item.template_id ?? null,
    data: item.data === undefined ? null : JSON.stringify(item.data),
    tags: item.tags ?? [],
    read_receipt: item.read_receipt ?? r.settings.read_receipt_default ?? false,
    archive_bcc: r.settings.archive_bcc ?? null,
    campaign_id: item.campaign_id ?? null,
    transport_id: transportId,
    message_id_header: messageIdHeader(id, from),
    return_path: verpAddress(rt.secret, id, bounceDomain),
    idempotency_key: item.idempotency_key ?? null,
    idempotency_fingerprint: item.idempotency_key ? fingerprint(item) : null,
    send_state: "queued",
    next_attempt_at: now,
    created_at: now,
    updated_at: now,
  };
  return { index, row, events: [queued], tracked };
}

/** A blocklisted recipient: the message is stored (so the user sees why nothing went out) and ends
 * `dropped`; the worker never picks it up. */
export async function markBlocked(ctx: Ctx, prepared: Prepared[]) {
  const addresses = prepared.map((p) => p.row.to_address as string);
  const blocked = await findBlocked(ctx.rt.db, ctx.rt.secret, ctx.workspaceId, [...new Set(addresses)]);
  if (blocked.size === 0) return;
  for (const p of prepared) {
    const hit = blocked.get(p.row.to_address as string);
    if (!hit) continue;
    p.row.send_state = "done";
    p.events.push({
      message_id: p.row.id,
      workspace_id: ctx.workspaceId,
      type: "dropped",
      source: "blocklist",
      at: ctx.rt.now(),
      detail: `Not sent: the address is on the blocklist (${hit.reason})`,
      error_code: "blocklisted",
      evidence: { blocklist_entry_id: hit.entry_id, reason: hit.reason },
    });
  }
}

// ---------------------------------------------------------------- storing

export async function storePrepared(ctx: Ctx, prepared: Prepared[]): Promise<Map<number, Accepted>> {
  const now = ctx.rt.now();
  for (const p of prepared) {
    const d = statusOfNew(p.events, now);
    Object.assign(p.row, { status: d.status, status_reason: d.status_reason, error_code: d.error_code });
  }
  return ctx.rt.db.transaction().execute(async (tx) => {
    const inserted = await insertMessages(
      tx,
      prepared.map((p) => p.row),
    );
    const lost = prepared.filter((p) => !inserted.has(p.row.id));
    const replays = await racedReplays(tx, ctx, lost);
    const kept = prepared.filter((p) => inserted.has(p.row.id));
    await appendFirstEvents(
      tx,
      kept.flatMap((p) => p.events),
      now,
    );
    await storeMessageLinks(
      tx,
      kept.map((p) => ({ messageId: p.row.id, workspaceId: ctx.workspaceId, links: p.tracked?.links ?? [] })),
    );
    await recordActivities(
      tx,
      activityCtx(ctx),
      kept.map((p) => ({
        action: "created",
        kind: "message",
        recordId: p.row.id,
        summary: `Message to ${p.row.to_address}: ${p.row.status}`,
        after: { to: p.row.to_address, subject: p.row.subject, campaign_id: p.row.campaign_id ?? null },
      })),
    );
    const out = new Map<number, Accepted>(replays);
    for (const p of kept) {
      out.set(p.index, {
        index: p.index,
        id: p.row.id,
        status: String(p.row.status),
        to: String(p.row.to_address),
        idempotent_replay: false,
      });
    }
    return out;
  });
}

/** Rows the unique index refused: an identical request committed first, between our lookup and insert. */
async function racedReplays(db: Database, ctx: Ctx, lost: Prepared[]): Promise<Map<number, Accepted>> {
  const out = new Map<number, Accepted>();
  if (lost.length === 0) return out;
  const keys = lost.map((p) => p.row.idempotency_key as string);
  const existing = new Map(
    (await selectByIdempotencyKeys(db, ctx.workspaceId, keys)).map((r) => [r.idempotency_key, r]),
  );
  for (const p of lost) {
    const hit = existing.get(p.row.idempotency_key as string);
    if (!hit) throw new Error(`message ${p.row.id} was neither inserted nor found by its idempotency key`);
    if (hit.idempotency_fingerprint !== p.row.idempotency_fingerprint) {
      throw Conflict(
        `The Idempotency-Key '${p.row.idempotency_key}' was already used for a different message; use a new key for a new message.`,
      );
    }
    out.set(p.index, {
      index: p.index,
      id: hit.id,
      status: hit.status,
      to: hit.to_address ?? "",
      idempotent_replay: true,
    });
  }
  return out;
}
