// Mailings sent by an external e-mail tool (issue 6 item 7, seed 003 §6). A mailing record is created from
// a list and freezes who is subscribed at that moment (the intended recipients — see MAILING_CAVEAT); it is
// assigned to the tool's mailing; then bounces, general statistics and per-recipient reactions are fetched
// from the tool. A permanent bounce marks the address as bouncing: the address goes on the blocklist (the
// project's meaning of a hard bounce, DESIGN §4) and the subscription becomes bounced_permanent; a
// temporary one makes it bounced_temporary, one the tool cannot classify bounced_general (seed §6.4).
import { activityCtx, logEvents, recordActivity } from "../../audit/service.js";
import { blockAddress } from "../../blocklist/service.js";
import type { Database } from "../../db/index.js";
import type { MailingBounce, SubscriptionStatus } from "../../db/schema.js";
import { toPage } from "../../http/pagination.js";
import { requireList } from "../../lists/service.js";
import { setSubscriptionStatus } from "../../lists/subscriptions.js";
import { type Ctx, systemActor } from "../../runtime.js";
import { AppError, Conflict, NotFound } from "../../util/errors.js";
import { newId } from "../../util/ids.js";
import { type AdapterOptions, adapterFor, type EmailToolAdapter, ToolError } from "../adapter.js";
import "../adapters/index.js";
import { decryptCredentials } from "../credentials.js";
import type { CreateMailing, FetchMailing, RecipientQuery, UpdateMailing } from "./schema.js";
import { type MailingStatistics, mailingStatistics } from "./stats.js";
import {
  deleteMailingRow,
  findMailing,
  freezeRecipients,
  insertMailing,
  linkWithConnection,
  type MailingRow,
  type RecipientRow,
  raiseReactions,
  recipientCounts,
  recipientsByKeys,
  selectMailings,
  selectRecipients,
  setRecipientBounce,
  subscriptionsByAddress,
  updateMailingRow,
} from "./store.js";
import { type MailingTool, type RemoteBounce, type RemoteMailing, supportsMailings } from "./tool.js";

const PROCESS = "email_tool";

/** Seed 003 §6.2/§6.3, shown with every mailing. */
export const MAILING_CAVEAT =
  "These are the recipients the list had when this mailing record was created. The tool sends to whoever is on its list at the moment it actually sends, so the real recipients can differ if the mailing went out later; create the record just before sending it in the tool.";

/** Seed 003 §8.4. */
export const DELETE_WARNING =
  "Deleting removes the mailing record and its recipients here only; the mailing in the tool cannot be deleted through the interface and stays there.";

export interface MailingOptions {
  /** Tests point adapters at a fake on loopback. */
  adapter?: AdapterOptions;
}

function mailingOut(m: MailingRow, counts?: Awaited<ReturnType<typeof recipientCounts>>) {
  return {
    id: m.id,
    list_id: m.list_id,
    list_name: m.list_name,
    name: m.name,
    remote_mailing_id: m.remote_mailing_id,
    recipient_count: m.recipient_count,
    recipients_caveat: MAILING_CAVEAT,
    statistics: (m.statistics ?? null) as MailingStatistics | null,
    statistics_fetched_at: m.statistics_fetched_at,
    bounces_fetched_at: m.bounces_fetched_at,
    reactions_fetched_at: m.reactions_fetched_at,
    ...(counts ? { recipients_by_reaction: counts.reactions, recipients_by_bounce: counts.bounces } : {}),
    created_at: m.created_at,
    created_by: m.created_by,
    updated_at: m.updated_at,
  };
}

function recipientOut(r: RecipientRow) {
  return {
    email: r.email,
    contact_id: r.contact_id,
    subscription_id: r.subscription_id,
    first_name: r.first_name,
    last_name: r.last_name,
    reaction: r.reaction,
    bounce: r.bounce,
    bounce_at: r.bounce_at,
    bounce_reason: r.bounce_reason,
  };
}

const mailingFields = (m: MailingRow) => ({
  list_id: m.list_id,
  name: m.name,
  remote_mailing_id: m.remote_mailing_id,
  recipient_count: m.recipient_count,
});

/** A ToolError as the API's error: the tool's trouble is a 409 that says what to do, never a 500. */
function toolProblem(err: unknown, tool: string): unknown {
  if (!(err instanceof ToolError)) return err;
  if (err.kind === "rate_limited") {
    return new AppError("rate_limited", `${tool} asks to wait before the next request; try again later.`, {
      retry_after_s: err.retry_after_s,
    });
  }
  const what: Record<string, string> = {
    auth: `${tool} refused the connection's credentials; check the connection under /v1/email-tools.`,
    not_found: `${tool} does not know this mailing or list (any more).`,
    invalid: `${tool} refused the request: ${err.message}`,
    unavailable: `${tool} is unavailable at the moment; try again later.`,
    connection: `The connection to ${tool} broke; nothing was half-applied, try again.`,
  };
  return Conflict(what[err.kind] ?? err.message, { tool_error: err.kind, detail: err.message });
}

interface LinkedTool {
  adapter: EmailToolAdapter & MailingTool;
  remoteListId: string;
  tool: string;
}

async function linkedTool(ctx: Ctx, listId: string | null, opts: MailingOptions): Promise<LinkedTool> {
  if (!listId) throw Conflict("The list of this mailing was deleted; it has no link to a tool any more.");
  const link = await linkWithConnection(ctx.rt.db, ctx.workspaceId, listId);
  if (!link) {
    throw Conflict(
      `The list '${listId}' is not linked to an e-mail tool; link it with POST /v1/lists/${listId}/link.`,
    );
  }
  const adapter = adapterFor(
    {
      id: link.connection_id,
      tool: link.tool,
      base_url: link.base_url,
      credentials: decryptCredentials(ctx.rt.secret, link.credentials_enc),
    },
    opts.adapter,
  );
  if (!supportsMailings(adapter)) throw Conflict(`Mailings cannot be read from ${link.tool} yet.`);
  return { adapter, remoteListId: link.remote_list_id, tool: link.tool };
}

/** The tool's mailing, checked to belong to the linked list. */
async function remoteMailingOfList(t: LinkedTool, remoteId: string): Promise<RemoteMailing> {
  let m: RemoteMailing;
  try {
    m = await t.adapter.mailing(remoteId);
  } catch (err) {
    throw toolProblem(err, t.tool);
  }
  if (!m.list_ids.includes(t.remoteListId)) {
    throw Conflict(
      `The ${t.tool} mailing '${remoteId}' was not sent to the linked list '${t.remoteListId}'.`,
      {
        mailing_lists: m.list_ids,
      },
    );
  }
  return m;
}

export async function requireMailing(db: Database, workspaceId: string, id: string, forUpdate = false) {
  const m = await findMailing(db, workspaceId, id, forUpdate);
  if (!m) throw NotFound("mailing", id);
  return m;
}

export async function createMailing(ctx: Ctx, input: CreateMailing, opts: MailingOptions = {}) {
  await requireList(ctx.rt.db, ctx.workspaceId, input.list_id);
  if (input.remote_mailing_id) {
    await remoteMailingOfList(await linkedTool(ctx, input.list_id, opts), input.remote_mailing_id);
  }
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const list = await requireList(tx, ctx.workspaceId, input.list_id);
    const id = newId("mlg", actx.now.getTime());
    await insertMailing(tx, {
      id,
      workspace_id: ctx.workspaceId,
      list_id: list.id,
      list_name: list.name,
      name: input.name ?? `Mailing zu der Liste "${list.name}"`,
      remote_mailing_id: input.remote_mailing_id ?? null,
      created_at: actx.now,
      created_by: `${ctx.actor.type}:${ctx.actor.id ?? ctx.actor.name}`,
      updated_at: actx.now,
    });
    const count = await freezeRecipients(tx, id, ctx.workspaceId, list.id);
    const m = await updateMailingRow(tx, id, { recipient_count: count });
    await recordActivity(tx, actx, {
      action: "created",
      kind: "mailing",
      recordId: id,
      summary: `Mailing record created for list '${list.name}' with ${count} intended recipients`,
      after: mailingFields(m),
    });
    return mailingOut(m, await recipientCounts(tx, id));
  });
}

export async function listMailings(ctx: Ctx, q: { list_id?: string; limit: number; cursor?: string }) {
  if (q.list_id) await requireList(ctx.rt.db, ctx.workspaceId, q.list_id);
  const rows = await selectMailings(ctx.rt.db, ctx.workspaceId, {
    listId: q.list_id,
    limit: q.limit,
    cursor: q.cursor,
  });
  return toPage(
    rows,
    q.limit,
    (m) => mailingOut(m),
    (m) => [m.id],
  );
}

export async function getMailing(ctx: Ctx, id: string) {
  const m = await requireMailing(ctx.rt.db, ctx.workspaceId, id);
  return mailingOut(m, await recipientCounts(ctx.rt.db, id));
}

export async function updateMailing(ctx: Ctx, id: string, patch: UpdateMailing, opts: MailingOptions = {}) {
  const current = await requireMailing(ctx.rt.db, ctx.workspaceId, id);
  if (patch.remote_mailing_id) {
    await remoteMailingOfList(await linkedTool(ctx, current.list_id, opts), patch.remote_mailing_id);
  }
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireMailing(tx, ctx.workspaceId, id, true);
    const m = await updateMailingRow(tx, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.remote_mailing_id !== undefined ? { remote_mailing_id: patch.remote_mailing_id } : {}),
      updated_at: actx.now,
    });
    const assigned =
      patch.remote_mailing_id !== undefined && patch.remote_mailing_id !== before.remote_mailing_id;
    await recordActivity(tx, actx, {
      action: "updated",
      kind: "mailing",
      recordId: id,
      summary: assigned
        ? `Mailing assigned to the tool's mailing '${patch.remote_mailing_id}'`
        : "Mailing updated",
      before: mailingFields(before),
      after: mailingFields(m),
    });
    return mailingOut(m, await recipientCounts(tx, id));
  });
}

export async function deleteMailing(ctx: Ctx, id: string, confirm: boolean) {
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const m = await requireMailing(tx, ctx.workspaceId, id, true);
    if (!confirm && m.recipient_count > 0) {
      throw Conflict(
        `The mailing has ${m.recipient_count} recipients. ${DELETE_WARNING} Repeat with ?confirm=true.`,
        {
          warning: DELETE_WARNING,
        },
      );
    }
    await deleteMailingRow(tx, id);
    await recordActivity(tx, actx, {
      action: "deleted",
      kind: "mailing",
      recordId: id,
      summary: `Mailing record '${m.name}' deleted (the tool's mailing stays in the tool)`,
      before: mailingFields(m),
    });
    return { id, deleted: true, warning: DELETE_WARNING };
  });
}

export async function mailingRecipients(ctx: Ctx, id: string, q: RecipientQuery) {
  await requireMailing(ctx.rt.db, ctx.workspaceId, id);
  const rows = await selectRecipients(ctx.rt.db, id, q);
  return toPage(rows, q.limit, recipientOut, (r) => [r.email_key]);
}

/** The tool's mailings sent to the list's remote list (to choose one for "assign"). */
export async function toolMailings(ctx: Ctx, listId: string, opts: MailingOptions = {}) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  const t = await linkedTool(ctx, listId, opts);
  try {
    const items = await t.adapter.mailings(t.remoteListId);
    return { tool: t.tool, remote_list_id: t.remoteListId, items };
  } catch (err) {
    throw toolProblem(err, t.tool);
  }
}

// ---- fetching from the tool ----

interface FetchScope {
  ctx: Ctx;
  mailing: MailingRow;
  t: LinkedTool;
  remoteId: string;
  groupId: string;
}

export interface FetchReport {
  statistics?: MailingStatistics;
  bounces?: { permanent: number; temporary: number; general: number; unmatched: number; blocked: number };
  reactions?: { opened: number; clicked: number; unmatched: number };
  notes: string[];
}

/** "Rückläufer abrufen", "Allgemeine Statistiken abrufen", "Empfängerspezifische Statistiken abrufen". */
export async function fetchMailing(ctx: Ctx, id: string, what: FetchMailing, opts: MailingOptions = {}) {
  const mailing = await requireMailing(ctx.rt.db, ctx.workspaceId, id);
  if (!mailing.remote_mailing_id) {
    throw Conflict(
      "Assign the tool's mailing first (PATCH with remote_mailing_id); there is nothing to fetch yet.",
    );
  }
  const t = await linkedTool(ctx, mailing.list_id, opts);
  const list = mailing.list_id ? await requireList(ctx.rt.db, ctx.workspaceId, mailing.list_id) : null;
  const all = what.statistics === undefined && what.bounces === undefined && what.reactions === undefined;
  const want = {
    statistics: what.statistics ?? all,
    bounces: what.bounces ?? all,
    reactions: what.reactions ?? all,
  };
  const report: FetchReport = { notes: [] };
  if (want.reactions && !list?.record_reactions) {
    if (what.reactions) {
      throw Conflict(
        "The list does not record per-recipient reactions; that must be allowed in its settings when the list is created (seed 003 §6.5).",
      );
    }
    want.reactions = false;
    report.notes.push("Per-recipient reactions skipped: the list does not record them.");
  }
  const s: FetchScope = { ctx, mailing, t, remoteId: mailing.remote_mailing_id, groupId: newId("grp") };
  try {
    if (want.statistics) report.statistics = await fetchStatistics(s);
    if (want.bounces) report.bounces = await fetchBounces(s);
    if (want.reactions) report.reactions = await fetchReactions(s);
  } catch (err) {
    throw toolProblem(err, t.tool);
  }
  const m = await requireMailing(ctx.rt.db, ctx.workspaceId, id);
  return {
    mailing: mailingOut(m, await recipientCounts(ctx.rt.db, id)),
    fetched: report,
    group_id: s.groupId,
  };
}

async function fetchStatistics(s: FetchScope): Promise<MailingStatistics> {
  const stats = mailingStatistics(await s.t.adapter.mailingReport(s.remoteId));
  const actx = activityCtx(s.ctx);
  await s.ctx.rt.db.transaction().execute(async (tx) => {
    await updateMailingRow(tx, s.mailing.id, {
      statistics: JSON.stringify(stats),
      statistics_fetched_at: actx.now,
      updated_at: actx.now,
    });
    await recordActivity(tx, actx, {
      action: "updated",
      kind: "mailing",
      recordId: s.mailing.id,
      summary: `Statistics fetched from ${s.t.tool}: ${stats.recipients} recipients, ${stats.reached} reached, ${stats.opens} opens, ${stats.clicks} clicks`,
      data: { statistics: stats },
    });
  });
  return stats;
}

const strength: Record<MailingBounce, number> = { general: 1, temporary: 2, permanent: 3 };
/** The subscription status a bounce sets, and the statuses it may replace (never an unsubscription). */
const bounceStatus: Record<MailingBounce, { to: SubscriptionStatus; from: SubscriptionStatus[] }> = {
  permanent: {
    to: "bounced_permanent",
    from: ["subscribed", "pending", "bounced_temporary", "bounced_general"],
  },
  temporary: { to: "bounced_temporary", from: ["subscribed", "bounced_general"] },
  general: { to: "bounced_general", from: ["subscribed"] },
};

async function fetchBounces(s: FetchScope) {
  const out = { permanent: 0, temporary: 0, general: 0, unmatched: 0, blocked: 0 };
  for await (const page of s.t.adapter.mailingBounces(s.remoteId)) {
    await s.ctx.rt.db.transaction().execute(async (tx) => {
      const r = await applyBouncePage(tx, s, page);
      for (const k of Object.keys(out) as (keyof typeof out)[]) out[k] += r[k];
    });
  }
  const actx = activityCtx(s.ctx);
  await s.ctx.rt.db.transaction().execute(async (tx) => {
    await updateMailingRow(tx, s.mailing.id, { bounces_fetched_at: actx.now, updated_at: actx.now });
    await recordActivity(tx, actx, {
      action: "updated",
      kind: "mailing",
      recordId: s.mailing.id,
      summary: `Bounces fetched from ${s.t.tool}: ${out.permanent} permanent, ${out.temporary} temporary, ${out.general} general`,
      data: { bounces: out },
    });
  });
  return out;
}

/** One page of bounces in one transaction: recipients marked, subscriptions and blocklist updated. */
async function applyBouncePage(tx: Database, s: FetchScope, page: RemoteBounce[]) {
  const out = { permanent: 0, temporary: 0, general: 0, unmatched: 0, blocked: 0 };
  const strongest = new Map<string, RemoteBounce>();
  for (const b of page) {
    const key = b.email.trim().toLowerCase();
    const prev = strongest.get(key);
    if (!prev || strength[b.kind] > strength[prev.kind]) strongest.set(key, b);
  }
  const keys = [...strongest.keys()];
  const recipients = new Map((await recipientsByKeys(tx, s.mailing.id, keys)).map((r) => [r.email_key, r]));
  const subs = s.mailing.list_id
    ? await subscriptionsByAddress(tx, s.ctx.workspaceId, s.mailing.list_id, keys)
    : [];
  const subsByKey = new Map<string, { id: string; status: SubscriptionStatus }[]>();
  for (const x of subs) subsByKey.set(x.email_key, [...(subsByKey.get(x.email_key) ?? []), x]);
  const actx = { workspaceId: s.ctx.workspaceId, actor: s.ctx.actor, now: s.ctx.rt.now() };
  const setBy = `email_tool:${s.t.tool}`;
  const events: Parameters<typeof logEvents>[1] = [];
  const toStatus = new Map<SubscriptionStatus, string[]>();
  for (const [key, b] of strongest) {
    const rec = recipients.get(key);
    const targets = subsByKey.get(key) ?? [];
    if (!rec && targets.length === 0) {
      out.unmatched++;
      events.push(
        event(
          s,
          "warning",
          `The ${s.t.tool} bounce for ${b.email} matches no recipient of this mailing and no subscription of its list.`,
          { email: b.email, kind: b.kind },
        ),
      );
      continue;
    }
    out[b.kind]++;
    if (rec && (!rec.bounce || strength[b.kind] >= strength[rec.bounce])) {
      await setRecipientBounce(tx, s.mailing.id, key, { bounce: b.kind, at: b.at, reason: b.reason });
    }
    const rule = bounceStatus[b.kind];
    for (const t of targets) {
      if (rule.from.includes(t.status)) toStatus.set(rule.to, [...(toStatus.get(rule.to) ?? []), t.id]);
    }
    if (b.kind === "permanent" && (await blockBouncing(tx, s, b))) out.blocked++;
    events.push(
      event(
        s,
        b.kind === "permanent" ? "warning" : "information",
        `${b.kind} bounce of ${b.email} reported by ${s.t.tool} for mailing '${s.mailing.name}'${b.reason ? ` (${b.reason})` : ""}.`,
        { email: b.email, kind: b.kind, subscription_ids: targets.map((t) => t.id) },
      ),
    );
  }
  for (const [status, ids] of toStatus) await setSubscriptionStatus(tx, actx, ids, status, setBy);
  if (events.length) await logEvents(tx, events, actx.now);
  return out;
}

/** A permanent bounce marks the address as bouncing: it goes on the blocklist with the tool's reason. */
async function blockBouncing(tx: Database, s: FetchScope, b: RemoteBounce): Promise<boolean> {
  try {
    const r = await blockAddress(tx, s.ctx.rt, s.ctx.workspaceId, {
      kind: "email",
      address: b.email,
      reason:
        `permanent bounce reported by ${s.t.tool} for mailing '${s.mailing.name}'${b.reason ? `: ${b.reason}` : ""}`.slice(
          0,
          500,
        ),
      source: "email_tool",
      actor: systemActor(PROCESS),
    });
    return r.created;
  } catch (err) {
    // An address that does not normalise cannot be blocked; the bounce is still recorded.
    if (err instanceof AppError && err.code === "invalid") return false;
    throw err;
  }
}

function event(
  s: FetchScope,
  severity: "information" | "warning",
  detail: string,
  data: unknown,
): Parameters<typeof logEvents>[1][number] {
  return {
    workspaceId: s.ctx.workspaceId,
    severity,
    process: PROCESS,
    trigger: s.ctx.actor.type === "system" ? "process" : "user",
    groupId: s.groupId,
    recordKind: "mailing",
    recordId: s.mailing.id,
    detail,
    data,
  };
}

async function fetchReactions(s: FetchScope) {
  const out = { opened: 0, clicked: 0, unmatched: 0 };
  const seen = new Set<string>();
  for await (const page of s.t.adapter.mailingReactions(s.remoteId)) {
    const opened = page.filter((r) => r.reaction === "opened").map((r) => r.email.trim().toLowerCase());
    const clicked = page.filter((r) => r.reaction === "clicked").map((r) => r.email.trim().toLowerCase());
    const known = new Set(
      (await recipientsByKeys(s.ctx.rt.db, s.mailing.id, [...new Set([...opened, ...clicked])])).map(
        (r) => r.email_key,
      ),
    );
    for (const k of [...opened, ...clicked]) {
      if (!known.has(k) && !seen.has(k)) out.unmatched++;
      seen.add(k);
    }
    // Clicks first, so an open in a later page cannot lower a click.
    await raiseReactions(s.ctx.rt.db, s.mailing.id, clicked, "clicked");
    await raiseReactions(s.ctx.rt.db, s.mailing.id, opened, "opened");
  }
  const counts = await recipientCounts(s.ctx.rt.db, s.mailing.id);
  out.opened = counts.reactions.opened;
  out.clicked = counts.reactions.clicked;
  const actx = activityCtx(s.ctx);
  await s.ctx.rt.db.transaction().execute(async (tx) => {
    await updateMailingRow(tx, s.mailing.id, { reactions_fetched_at: actx.now, updated_at: actx.now });
    await recordActivity(tx, actx, {
      action: "updated",
      kind: "mailing",
      recordId: s.mailing.id,
      summary: `Per-recipient reactions fetched from ${s.t.tool}: ${out.clicked} clicked, ${out.opened} opened`,
      data: { reactions: out },
    });
  });
  return out;
}
