// Campaigns (Serienkorrespondenz, seed 004): create (recipients load in the background), read with progress,
// list, change and delete. What may happen in which state is decided by states.ts alone; the actions that
// start work (send, generate, complete) are in actions.ts.
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import { decodeCursor, type Page, toPage } from "../http/pagination.js";
import type { ContactFilter } from "../lists/schema.js";
import type { Ctx } from "../runtime.js";
import { findTemplate } from "../templates/store.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { CampaignListQuery, CreateCampaign, RecipientQuery, UpdateCampaign } from "./schema.js";
import { type CampaignKind, findTransition, whyUnchangeable } from "./states.js";
import {
  type CampaignRow,
  deleteCampaignRow,
  deleteRecipients,
  doneSince,
  findCampaign,
  findDocumentInfo,
  findRun,
  insertCampaign,
  recipientCounts,
  selectCampaigns,
  selectListsOf,
  selectRecipients,
  updateCampaignRow,
} from "./store.js";
import { transportIdByName } from "./transport.js";

export const CAMPAIGN = "campaign";
/** The rate is measured over this many seconds before now. */
const RATE_WINDOW_S = 30;

export async function requireCampaign(db: Database, workspaceId: string, id: string, forUpdate = false) {
  const c = await findCampaign(db, workspaceId, id, forUpdate);
  if (!c) throw NotFound(CAMPAIGN, id);
  return c;
}

/** The campaign's own fields as the API and the activity log show them. */
export function campaignFields(c: CampaignRow) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    state: c.state,
    purpose: c.purpose,
    list_ids: c.list_ids,
    filter: c.filter ?? null,
    template_id: c.template_id,
    subject: c.subject,
    from: c.from_address,
    from_name: c.from_name,
    reply_to: c.reply_to,
    transport_id: c.transport_id,
    scheduled_at: c.scheduled_at,
    send_scheduled: c.send_armed,
    tracking: c.tracking,
    sort: c.sort,
    letter_options: c.letter_options,
    recipient_count: c.recipient_count,
    run_count: c.run_count,
    frozen: c.state === "completed" || c.state === "completed_automatic",
    loaded_at: c.loaded_at,
    completed_at: c.completed_at,
    created_by: c.created_by,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export type CampaignOut = ReturnType<typeof campaignFields>;

const OPEN = ["pending", "claimed", "sending"];

/** Counts per recipient status, the recent rate and the expected end (DESIGN §9: long work reports these). */
export async function progressOf(db: Database, c: CampaignRow, now: Date) {
  const counts = await recipientCounts(db, c.id);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const open = OPEN.reduce((a, s) => a + (counts[s] ?? 0), 0);
  const active = c.state === "in_progress" || c.state === "waiting_for_continuation";
  const recent = active ? await doneSince(db, c.id, new Date(now.getTime() - RATE_WINDOW_S * 1000)) : 0;
  const rate = recent / RATE_WINDOW_S;
  let waiting = false;
  if (c.state === "loading_recipients" || c.job === "generate") waiting = c.job_claimed_at === null;
  else if (c.state === "in_progress" && c.current_run_id) {
    waiting = (await findRun(db, c.current_run_id))?.first_claim_at == null;
  }
  return {
    total,
    counts,
    done: total - open,
    rate_per_second: Math.round(rate * 10) / 10,
    expected_end:
      active && open > 0 && rate > 0
        ? new Date(Math.max(now.getTime(), c.resume_at?.getTime() ?? 0) + (open / rate) * 1000)
        : null,
    /** Seed 004 "Warten auf Verarbeitung": no worker has taken the job up yet. */
    waiting_for_processing: waiting,
    resume_at: c.state === "waiting_for_continuation" ? c.resume_at : null,
  };
}

export async function campaignOut(db: Database, c: CampaignRow, now: Date) {
  const document = c.kind === "letter" ? await findDocumentInfo(db, c.id) : undefined;
  return {
    ...campaignFields(c),
    progress: await progressOf(db, c, now),
    ...(c.kind === "letter" ? { document: document ?? null } : {}),
  };
}

export async function getCampaign(ctx: Ctx, id: string) {
  return campaignOut(ctx.rt.db, await requireCampaign(ctx.rt.db, ctx.workspaceId, id), ctx.rt.now());
}

export async function listCampaigns(ctx: Ctx, q: CampaignListQuery): Promise<Page<CampaignOut>> {
  const c = decodeCursor(q.cursor);
  const rows = await selectCampaigns(ctx.rt.db, ctx.workspaceId, {
    state: q.state,
    kind: q.kind,
    afterId: c ? String(c[0]) : undefined,
    limit: q.limit + 1,
  });
  return toPage(rows, q.limit, campaignFields, (r) => [r.id]);
}

export async function listRecipients(ctx: Ctx, id: string, q: RecipientQuery) {
  const campaign = await requireCampaign(ctx.rt.db, ctx.workspaceId, id);
  const c = decodeCursor(q.cursor);
  const rows = await selectRecipients(ctx.rt.db, campaign.id, {
    status: q.status,
    reason: q.reason,
    afterContact: c ? String(c[0]) : undefined,
    limit: q.limit + 1,
  });
  return toPage(
    rows,
    q.limit,
    (r) => ({
      contact_id: r.contact_id,
      position: r.position,
      name: [r.first_name, r.last_name].filter(Boolean).join(" ") || null,
      email: r.email,
      list_id: r.list_id,
      status: r.status,
      reason: r.reason,
      detail: r.detail,
      to: r.to_address,
      message_id: r.message_id,
      previous_message_id: r.previous_message_id,
      attempts: r.attempts,
      next_attempt_at: r.status === "pending" && r.attempts > 0 ? r.next_attempt_at : null,
      done_at: r.done_at,
    }),
    (r) => [r.contact_id],
  );
}

// ---------------------------------------------------------------- references in a request body

async function assertListsExist(db: Database, workspaceId: string, ids: string[]) {
  const found = new Set((await selectListsOf(db, workspaceId, ids)).map((l) => l.id));
  const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !found.has(id));
  if (missing.length) {
    throw Invalid(
      `list_ids: no list with id ${missing.map((m) => `'${m.id}'`).join(", ")} exists in this workspace.`,
      missing.map((m) => ({
        path: `list_ids.${m.i}`,
        message: "unknown list",
        code: "unknown_reference",
        kind: "list",
      })),
    );
  }
}

async function assertFilterListExists(
  db: Database,
  workspaceId: string,
  filter: ContactFilter | null | undefined,
) {
  if (!filter?.from_list_id) return;
  const found = await selectListsOf(db, workspaceId, [filter.from_list_id]);
  if (found.length === 0) {
    throw Invalid(`filter.from_list_id: no list with id '${filter.from_list_id}' exists in this workspace.`, [
      { path: "filter.from_list_id", message: "unknown list" },
    ]);
  }
}

/** A template of this workspace that fits the campaign's kind. */
export async function assertTemplateFits(db: Database, workspaceId: string, id: string, kind: CampaignKind) {
  const t = await findTemplate(db, workspaceId, id);
  if (!t) {
    throw Invalid(`template_id: no template with id '${id}' exists in this workspace.`, [
      { path: "template_id", message: "unknown template" },
    ]);
  }
  if (t.kind !== kind) {
    throw Invalid(`template_id: template '${t.name}' is a ${t.kind} template; this is a ${kind} campaign.`, [
      { path: "template_id", message: `needs a ${kind} template` },
    ]);
  }
  return t;
}

// ---------------------------------------------------------------- create

export async function createCampaign(ctx: Ctx, input: CreateCampaign): Promise<CampaignOut> {
  const { rt, workspaceId } = ctx;
  if (!input.list_ids && !input.filter) {
    throw Invalid("Give list_ids, a filter, or both: they say who receives the campaign.", [
      { path: "list_ids", message: "list_ids or filter is required" },
    ]);
  }
  const now = rt.now();
  return rt.db.transaction().execute(async (tx) => {
    await assertListsExist(tx, workspaceId, input.list_ids ?? []);
    await assertFilterListExists(tx, workspaceId, input.filter);
    if (input.template_id) await assertTemplateFits(tx, workspaceId, input.template_id, input.kind);
    const row = await insertCampaign(tx, {
      id: newId("cmp", now.getTime()),
      workspace_id: workspaceId,
      name: input.name,
      kind: input.kind,
      state: "loading_recipients",
      purpose: input.purpose,
      list_ids: input.list_ids ?? [],
      filter: input.filter ? JSON.stringify(input.filter) : null,
      template_id: input.template_id ?? null,
      subject: input.subject ?? null,
      from_address: input.from ?? null,
      from_name: input.from_name ?? null,
      reply_to: input.reply_to ?? null,
      transport_id: input.transport ? await transportIdByName(tx, workspaceId, input.transport) : null,
      scheduled_at: input.scheduled_at ? new Date(input.scheduled_at) : null,
      tracking: input.tracking ?? true,
      sort: input.sort ?? null,
      letter_options: JSON.stringify(input.letter_options ?? {}),
      job: "load",
      created_by: ctx.actor.name,
      created_at: now,
      updated_at: now,
    });
    const out = campaignFields(row);
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: CAMPAIGN,
      recordId: row.id,
      summary: `${row.kind === "email" ? "Serial e-mail" : "Serial letter"} '${row.name}' created; loading recipients`,
      after: out,
    });
    return out;
  });
}

// ---------------------------------------------------------------- change

/** Lists and filter decide who is loaded: they change only before the first run, and reload everyone. */
function changesRecipients(patch: UpdateCampaign) {
  return patch.list_ids !== undefined || patch.filter !== undefined;
}

async function patchedFields(tx: Database, c: CampaignRow, patch: UpdateCampaign) {
  const set: Partial<CampaignRow> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.list_ids !== undefined) {
    await assertListsExist(tx, c.workspace_id, patch.list_ids ?? []);
    set.list_ids = patch.list_ids ?? [];
  }
  if (patch.filter !== undefined) {
    await assertFilterListExists(tx, c.workspace_id, patch.filter);
    set.filter = patch.filter;
  }
  if (patch.template_id !== undefined) {
    if (patch.template_id !== null) await assertTemplateFits(tx, c.workspace_id, patch.template_id, c.kind);
    set.template_id = patch.template_id;
  }
  if (patch.subject !== undefined) set.subject = patch.subject;
  if (patch.from !== undefined) set.from_address = patch.from;
  if (patch.from_name !== undefined) set.from_name = patch.from_name;
  if (patch.reply_to !== undefined) set.reply_to = patch.reply_to;
  if (patch.purpose !== undefined) set.purpose = patch.purpose;
  if (patch.transport !== undefined) {
    set.transport_id =
      patch.transport === null ? null : await transportIdByName(tx, c.workspace_id, patch.transport);
  }
  if (patch.scheduled_at !== undefined)
    set.scheduled_at = patch.scheduled_at ? new Date(patch.scheduled_at) : null;
  if (patch.send_scheduled === false) set.send_armed = false;
  if (patch.tracking !== undefined) set.tracking = patch.tracking;
  if (patch.sort !== undefined) set.sort = patch.sort;
  if (patch.letter_options !== undefined) set.letter_options = patch.letter_options;
  return set;
}

/** Refuses (409) any change to a campaign that is in progress or frozen, saying why. */
export function assertChangeable(c: CampaignRow) {
  const why = whyUnchangeable(c.state);
  if (why) throw Conflict(`Campaign '${c.name}' cannot be changed: ${why}.`, { state: c.state });
}

/** Writes changed fields (jsonb as JSON text) and returns the new row. */
export function saveFields(tx: Database, c: CampaignRow, set: Partial<CampaignRow>, now: Date) {
  const { filter, letter_options, ...plain } = set;
  return updateCampaignRow(tx, c.id, {
    ...plain,
    ...(filter !== undefined ? { filter: filter === null ? null : JSON.stringify(filter) } : {}),
    ...(letter_options !== undefined ? { letter_options: JSON.stringify(letter_options) } : {}),
    updated_at: now,
  });
}

export async function updateCampaign(ctx: Ctx, id: string, patch: UpdateCampaign): Promise<CampaignOut> {
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const c = await requireCampaign(tx, ctx.workspaceId, id, true);
    assertChangeable(c);
    const set = await patchedFields(tx, c, patch);
    const reload = changesRecipients(patch);
    if (reload) assertReloadable(c);
    const listIds = set.list_ids ?? c.list_ids;
    const filter = set.filter !== undefined ? set.filter : c.filter;
    if (reload && listIds.length === 0 && filter === null) {
      throw Invalid("The campaign would have neither lists nor a filter; keep one of them.", [
        { path: "list_ids", message: "list_ids or filter is required" },
      ]);
    }
    if (reload) {
      await deleteRecipients(tx, c.id);
      Object.assign(set, {
        state: c.state === "ready" ? "loading_recipients" : c.state,
        job: "load",
        job_owner: null,
        job_lease_until: null,
        job_claimed_at: null,
        recipient_count: 0,
        loaded_at: null,
        send_armed: false,
      });
    }
    const after = await saveFields(tx, c, set, now);
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: CAMPAIGN,
      recordId: c.id,
      summary: `Campaign '${after.name}' changed${reload ? "; loading recipients again" : ""}`,
      before: campaignFields(c),
      after: campaignFields(after),
    });
    return campaignFields(after);
  });
}

function assertReloadable(c: CampaignRow) {
  if (c.run_count > 0) {
    throw Conflict(
      `Campaign '${c.name}' has been ${c.kind === "email" ? "sent" : "generated"} already; its recipients are fixed. Create a new campaign for other lists.`,
    );
  }
  if (c.state === "loading_recipients") {
    throw Conflict(
      `Campaign '${c.name}' is loading its recipients; change its lists or filter once it is ready.`,
    );
  }
  if (!findTransition(c.kind, c.state, "loading_recipients")) {
    throw Conflict(`Campaign '${c.name}' is ${c.state}; its lists and filter can no longer change.`);
  }
}

// ---------------------------------------------------------------- delete

export async function deleteCampaign(ctx: Ctx, id: string): Promise<CampaignOut> {
  return ctx.rt.db.transaction().execute(async (tx) => {
    const c = await requireCampaign(tx, ctx.workspaceId, id, true);
    if (c.run_count > 0 || (c.state !== "loading_recipients" && c.state !== "ready")) {
      throw Conflict(
        `Campaign '${c.name}' cannot be deleted: it has been ${c.kind === "email" ? "sent" : "generated"} (state ${c.state}); its messages and history stay. Complete it instead.`,
        { state: c.state },
      );
    }
    await deleteCampaignRow(tx, c.id);
    const out = campaignFields(c);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: CAMPAIGN,
      recordId: c.id,
      summary: `Campaign '${c.name}' deleted before sending`,
      before: out,
    });
    return out;
  });
}
