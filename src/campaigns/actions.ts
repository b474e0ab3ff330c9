// The actions that start or end work on a campaign (seed 004): send (saves first, needs subject, template
// and sender), send again (only recipients not yet sent), schedule, complete (freezes), generate letters.
// Each checks the state table, freezes what the run will use in a snapshot, and leaves the work itself to
// the workers (worker.ts), which find it in the database.

import { randomBytes } from "node:crypto";
import { activityCtx, type EventLogInput, logEvent, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import { selectWorkspaceSettings } from "../delivery/store.js";
import { senderDomainOf } from "../domains/service.js";
import { type Ctx, systemActor } from "../runtime.js";
import { compileTemplate } from "../templates/engine.js";
import { PlaceholderDrop, sampleContact } from "../templates/merge-fields.js";
import type { TemplateRow } from "../templates/store.js";
import { trackingEnabled } from "../tracking/instrument.js";
import { Conflict, Invalid } from "../util/errors.js";
import { newId } from "../util/ids.js";
import type { WorkspaceSettings } from "../workspaces/schema.js";
import { resetForRun } from "./queue-store.js";
import type { RunSnapshot } from "./render.js";
import type { GenerateLetters, LetterOptions, SendCampaign } from "./schema.js";
import {
  assertChangeable,
  assertTemplateFits,
  CAMPAIGN,
  campaignFields,
  campaignOut,
  requireCampaign,
  saveFields,
} from "./service.js";
import { transition } from "./states.js";
import { type CampaignRow, insertRun, selectListsOf, updateCampaignRow } from "./store.js";
import { effectiveTransportId, transportIdByName } from "./transport.js";

/** What a campaign still needs, as a 400 detail (code "required", like a missing field elsewhere). */
type Missing = { path: string; message: string; code: "required" };

function missingError(what: string, missing: Missing[]) {
  return Invalid(
    `The campaign cannot be ${what} yet: it needs ${missing.map((m) => m.path).join(", ")}. ${missing
      .map((m) => m.message)
      .join(" ")}`,
    missing,
  );
}

function assertHasRecipients(c: CampaignRow) {
  if (c.recipient_count === 0) {
    throw Conflict(`Campaign '${c.name}' has no recipients; change its lists or filter (PATCH) first.`);
  }
}

// ---------------------------------------------------------------- send

interface SendSetup {
  template: TemplateRow;
  snapshot: RunSnapshot;
}

/** Everything a send needs, or 400 naming each missing piece; the template is compiled and tried once on
 * a sample contact so that a template error stops the send before anything leaves. */
async function prepareSend(
  db: Database,
  c: CampaignRow,
  publicUrl: string,
  bounceDomain: string,
): Promise<SendSetup> {
  const settings = ((await selectWorkspaceSettings(db, [c.workspace_id])).get(c.workspace_id) ??
    {}) as WorkspaceSettings;
  const lists = await selectListsOf(db, c.workspace_id, c.list_ids);
  const firstList = c.list_ids.map((id) => lists.find((l) => l.id === id)).find((l) => l?.sender_email);
  const from = c.from_address ?? firstList?.sender_email ?? settings.default_from ?? null;
  const fromName =
    c.from_name ??
    (from === firstList?.sender_email ? firstList?.sender_name : null) ??
    (from === settings.default_from ? settings.default_from_name : null) ??
    null;
  const missing: Missing[] = [];
  if (!c.subject)
    missing.push({ path: "subject", message: "Give the campaign a subject.", code: "required" });
  if (!c.template_id)
    missing.push({ path: "template_id", message: "Choose an e-mail template.", code: "required" });
  if (!from) {
    missing.push({
      path: "from",
      message: "Name the sender (from), or set a sender on the list or the workspace's default_from.",
      code: "required",
    });
  }
  if (missing.length) throw missingError("sent", missing);
  const template = await assertTemplateFits(db, c.workspace_id, c.template_id!, "email");
  const senderDomain = await senderDomainOf(db, c.workspace_id, from!);
  const snapshot: RunSnapshot = {
    campaign: { id: c.id, name: c.name },
    template: {
      id: template.id,
      version: template.version,
      subject: c.subject!,
      html: template.html,
      text: template.text,
    },
    from_address: from!,
    from_name: fromName,
    reply_to: c.reply_to ?? firstList?.reply_to ?? null,
    purpose: c.purpose,
    transport_id: await effectiveTransportId(db, c.workspace_id, c.transport_id),
    bounce_domain: settings.bounce_domain || bounceDomain,
    archive_bcc: settings.archive_bcc ?? null,
    boundary: `=_ps_${randomBytes(12).toString("hex")}`,
    lists: Object.fromEntries(lists.map((l) => [l.id, { id: l.id, name: l.name }])),
    dkim: senderDomain ? { domain: senderDomain.domain, selector: senderDomain.dkim_selector } : null,
    tracking: trackingEnabled(settings.tracking, c.tracking),
  };
  tryTemplate(snapshot, publicUrl);
  return { template, snapshot };
}

function tryTemplate(s: RunSnapshot, publicUrl: string) {
  const compiled = compileTemplate(s.template);
  compiled.render({
    contact: sampleContact,
    data: {},
    campaign: s.campaign,
    list: new PlaceholderDrop("list"),
    ...(s.purpose === "marketing" ? { unsubscribe_url: `${publicUrl}/u/preview` } : {}),
    today: new Date(),
  });
}

/** Starts a run: the state moves to in_progress, the recipients not yet sent become due again. */
async function startRun(
  tx: Database,
  c: CampaignRow,
  action: "send" | "generate",
  snapshot: unknown,
  includeUnknown: boolean,
  by: string,
  now: Date,
) {
  transition(c, "in_progress");
  const run = await insertRun(tx, {
    id: newId("crun", now.getTime()),
    campaign_id: c.id,
    workspace_id: c.workspace_id,
    number: c.run_count + 1,
    action,
    snapshot: JSON.stringify(snapshot),
    include_unknown: includeUnknown,
    started_by: by,
    started_at: now,
  });
  if (action === "send" && c.run_count > 0) await resetForRun(tx, c.id, includeUnknown, now);
  return updateCampaignRow(tx, c.id, {
    state: "in_progress",
    current_run_id: run.id,
    run_count: c.run_count + 1,
    send_armed: false,
    resume_at: null,
    updated_at: now,
  });
}

function sendEdits(body: SendCampaign | GenerateLetters) {
  const set: Partial<CampaignRow> = {};
  if (body.template_id !== undefined) set.template_id = body.template_id;
  if (body.subject !== undefined) set.subject = body.subject;
  if ("from" in body && body.from !== undefined) set.from_address = body.from;
  if ("from_name" in body && body.from_name !== undefined) set.from_name = body.from_name;
  if ("reply_to" in body && body.reply_to !== undefined) set.reply_to = body.reply_to;
  if ("scheduled_at" in body && body.scheduled_at !== undefined)
    set.scheduled_at = new Date(body.scheduled_at);
  if ("sort" in body && body.sort !== undefined) set.sort = body.sort;
  if ("letter_options" in body && body.letter_options !== undefined) set.letter_options = body.letter_options;
  return set;
}

export async function sendCampaign(ctx: Ctx, id: string, body: SendCampaign) {
  const { rt } = ctx;
  const now = rt.now();
  const row = await rt.db.transaction().execute(async (tx) => {
    const before = await requireCampaign(tx, ctx.workspaceId, id, true);
    if (before.kind !== "email") {
      throw Conflict(
        `Campaign '${before.name}' is a serial letter; generate it (POST /v1/campaigns/${id}/generate).`,
      );
    }
    assertChangeable(before);
    // Asked while the recipients are still loading: armed, it starts by itself once they are (below).
    const loading = before.state === "loading_recipients";
    if (!loading) {
      transition(before, "in_progress");
      assertHasRecipients(before);
    }
    const set = sendEdits(body);
    if (body.template_id) await assertTemplateFits(tx, ctx.workspaceId, body.template_id, "email");
    if (body.transport !== undefined)
      set.transport_id = await transportIdByName(tx, ctx.workspaceId, body.transport);
    const c = await saveFields(tx, before, set, now);
    const { snapshot } = await prepareSend(tx, c, rt.config.publicUrl, rt.config.bounceDomain);
    const at = c.scheduled_at;
    const later = at !== null && at.getTime() > now.getTime();
    if (later && !loading && c.state !== "ready") {
      throw Conflict(
        `Campaign '${c.name}' is ${c.state}; only a ready campaign can be scheduled. Send it now instead.`,
      );
    }
    if (loading || later) return armSend(tx, ctx, before, c, now);
    const after = await startRun(tx, c, "send", snapshot, body.include_unknown, ctx.actor.name, now);
    await recordActivity(tx, activityCtx(ctx), {
      action: "send_started",
      kind: CAMPAIGN,
      recordId: c.id,
      summary: `Campaign '${c.name}': sending ${after.run_count > 1 ? "again to recipients not yet sent" : "started"}`,
      before: campaignFields(before),
      after: campaignFields(after),
      data: { run_id: after.current_run_id, include_unknown: body.include_unknown },
    });
    return after;
  });
  return campaignOut(rt.db, row, rt.now());
}

/**
 * Arms the send instead of starting it (the scheduling rule, README "Serial correspondence"): a campaign
 * asked to send starts by itself at the later of its scheduled_at and the moment its recipients are loaded.
 * Until then it stays ready (or loading) and may still be edited: PATCH scheduled_at moves the time,
 * PATCH {"send_scheduled": false} cancels, and changing its lists or filter cancels too.
 */
async function armSend(tx: Database, ctx: Ctx, before: CampaignRow, c: CampaignRow, now: Date) {
  const after = await updateCampaignRow(tx, c.id, { send_armed: true, updated_at: now });
  const at = c.scheduled_at && c.scheduled_at > now ? c.scheduled_at : null;
  const when = [
    at ? `at ${at.toISOString()}` : null,
    c.state === "loading_recipients" ? "once its recipients are loaded" : null,
  ]
    .filter(Boolean)
    .join(", ");
  await recordActivity(tx, activityCtx(ctx), {
    action: "send_scheduled",
    kind: CAMPAIGN,
    recordId: c.id,
    summary: `Campaign '${c.name}' will be sent ${when}`,
    before: campaignFields(before),
    after: campaignFields(after),
  });
  return after;
}

/** The scheduler's part (worker.ts): starts a scheduled send that is due, checking it again as if the user
 * pressed "send" now; a campaign that can no longer be sent stays ready, with an event-log error. */
export async function startScheduledSend(ctx: Ctx, id: string): Promise<boolean> {
  const { rt } = ctx;
  const now = rt.now();
  try {
    return await rt.db.transaction().execute(async (tx) => {
      const c = await requireCampaign(tx, ctx.workspaceId, id, true);
      if (!c.send_armed || c.state !== "ready" || (c.scheduled_at && c.scheduled_at > now)) return false;
      assertHasRecipients(c);
      const { snapshot } = await prepareSend(tx, c, rt.config.publicUrl, rt.config.bounceDomain);
      const after = await startRun(tx, c, "send", snapshot, false, ctx.actor.name, now);
      await recordActivity(tx, activityCtx(ctx), {
        action: "send_started",
        kind: CAMPAIGN,
        recordId: c.id,
        summary: `Campaign '${c.name}': scheduled sending started`,
        before: campaignFields(c),
        after: campaignFields(after),
      });
      return true;
    });
  } catch (err) {
    const detail = `Scheduled sending of campaign ${id} could not start: ${(err as Error).message}`;
    await rt.db.transaction().execute(async (tx) => {
      await updateCampaignRow(tx, id, { send_armed: false, updated_at: now });
      await logEvent(tx, campaignEvent(ctx.workspaceId, id, "error", detail), now);
    });
    return false;
  }
}

export function campaignEvent(
  workspaceId: string,
  campaignId: string,
  severity: EventLogInput["severity"],
  detail: string,
  data?: unknown,
): EventLogInput {
  return {
    workspaceId,
    severity,
    process: "campaign",
    trigger: "process",
    groupId: campaignId,
    recordKind: CAMPAIGN,
    recordId: campaignId,
    detail,
    data,
  };
}

// ---------------------------------------------------------------- complete

export async function completeCampaign(ctx: Ctx, id: string) {
  const now = ctx.rt.now();
  const row = await ctx.rt.db.transaction().execute(async (tx) => {
    const c = await requireCampaign(tx, ctx.workspaceId, id, true);
    transition(c, "completed");
    const after = await updateCampaignRow(tx, c.id, {
      state: "completed",
      completed_at: now,
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "completed",
      kind: CAMPAIGN,
      recordId: c.id,
      summary: `Campaign '${c.name}' completed by hand from ${c.state}; it is frozen now`,
      before: campaignFields(c),
      after: campaignFields(after),
    });
    return after;
  });
  return campaignOut(ctx.rt.db, row, ctx.rt.now());
}

// ---------------------------------------------------------------- generate letters

/** What a letter run is generated from, frozen like a send's snapshot. */
export interface LetterSnapshot {
  campaign: { id: string; name: string };
  format: "letters" | "labels";
  sort: "postal_code" | "name";
  purpose: "marketing" | "transactional";
  template: { id: string; version: number; subject: string; html: string | null; text: string | null } | null;
  options: LetterOptions | null;
  lists: Record<string, { id: string; name: string }>;
}

async function prepareGenerate(
  db: Database,
  c: CampaignRow,
  format: "letters" | "labels",
): Promise<LetterSnapshot> {
  const options = (c.letter_options ?? {}) as Partial<LetterOptions>;
  const missing: Missing[] = [];
  if (format === "letters") {
    if (!c.subject)
      missing.push({ path: "subject", message: "Give the letter a subject (Betreff).", code: "required" });
    if (!c.template_id)
      missing.push({ path: "template_id", message: "Choose a letter template.", code: "required" });
    if (!options.sender) {
      missing.push({
        path: "letter_options.sender",
        message: "Name the sender for the return address line (name, street, postal_code, city).",
        code: "required",
      });
    }
  }
  if (missing.length) throw missingError("generated", missing);
  const template =
    format === "letters" ? await assertTemplateFits(db, c.workspace_id, c.template_id!, "letter") : null;
  const lists = await selectListsOf(db, c.workspace_id, c.list_ids);
  const snapshot: LetterSnapshot = {
    campaign: { id: c.id, name: c.name },
    format,
    sort: c.sort ?? "postal_code",
    purpose: c.purpose,
    template: template
      ? {
          id: template.id,
          version: template.version,
          subject: c.subject!,
          html: template.html,
          text: template.text,
        }
      : null,
    options: format === "letters" ? (options as LetterOptions) : null,
    lists: Object.fromEntries(lists.map((l) => [l.id, { id: l.id, name: l.name }])),
  };
  if (snapshot.template) {
    compileTemplate(snapshot.template).render({
      contact: sampleContact,
      data: {},
      campaign: snapshot.campaign,
      list: new PlaceholderDrop("list"),
      today: new Date(),
    });
  }
  return snapshot;
}

export async function generateLetters(ctx: Ctx, id: string, body: GenerateLetters) {
  const { rt } = ctx;
  const now = rt.now();
  const row = await rt.db.transaction().execute(async (tx) => {
    const before = await requireCampaign(tx, ctx.workspaceId, id, true);
    if (before.kind !== "letter") {
      throw Conflict(
        `Campaign '${before.name}' is a serial e-mail; send it (POST /v1/campaigns/${id}/send).`,
      );
    }
    assertChangeable(before);
    transition(before, "in_progress");
    assertHasRecipients(before);
    if (body.template_id) await assertTemplateFits(tx, ctx.workspaceId, body.template_id, "letter");
    const c = await saveFields(tx, before, sendEdits(body), now);
    const snapshot = await prepareGenerate(tx, c, body.format);
    const started = await startRun(tx, c, "generate", snapshot, false, ctx.actor.name, now);
    const after = await updateCampaignRow(tx, c.id, {
      job: "generate",
      job_owner: null,
      job_lease_until: null,
      job_claimed_at: null,
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "generate_started",
      kind: CAMPAIGN,
      recordId: c.id,
      summary: `Campaign '${c.name}': generating ${body.format} sorted by ${snapshot.sort}${started.run_count > 1 ? " again (replaces the document)" : ""}`,
      before: campaignFields(before),
      after: campaignFields(after),
      data: { run_id: started.current_run_id, format: body.format, sort: snapshot.sort },
    });
    return after;
  });
  return campaignOut(rt.db, row, rt.now());
}

export const workerActor = systemActor("campaign worker");
