// Live changes from the tool (issue 6 item 9). Mailchimp calls a secret URL per linked audience; each call is
// recorded on its subscription at once, so the next reconcile already finds both sides in step:
// - subscribe / unsubscribe / cleaned set the subscription's status, by seed 003 §5.2's rule: the tool's
//   change wins when it is newer than Poststelle's status; when Poststelle's is newer nothing changes and the
//   event log says so (the next fetch shows the conflict).
// - cleaned (hard) is a hard bounce: bounced_permanent and the address on the blocklist; cleaned (abuse) is a
//   complaint: unsubscribed.
// - profile notes the tool's names on the sync state (a differing name stays the user's decision).
// - upemail follows the address change: the contact's address becomes the new one, so the next fetch finds
//   the member under its new address instead of ending in the seed's scenario B (a new contact + not in tool).
// - unsubscribe with action "delete" (the member was deleted or archived in the tool) is noted only.
// A retried call (same body) changes nothing twice. listmonk sends no webhooks about subscribers (see
// adapters/listmonk.ts): its changes arrive with the next fetch.
import { randomBytes } from "node:crypto";
import { activityCtx, logEvent, recordActivity } from "../../audit/service.js";
import { blockAddress } from "../../blocklist/service.js";
import { updateContact } from "../../contacts/service.js";
import type { SubscriptionStatus } from "../../db/schema.js";
import { requireList } from "../../lists/service.js";
import { setSubscriptionStatus } from "../../lists/subscriptions.js";
import { type Ctx, type Runtime, systemActor } from "../../runtime.js";
import { sha256 } from "../../util/crypto.js";
import { AppError, Conflict, Invalid, NotFound } from "../../util/errors.js";
import { newId } from "../../util/ids.js";
import { linkWithConnection } from "../mailings/store.js";
import { type MailchimpChange, type MailchimpProfileChange, parseMailchimpWebhook } from "./mailchimp.js";
import {
  contactWithAddress,
  deleteWebhookRow,
  findWebhookBySecret,
  findWebhookOfList,
  insertReceipt,
  noteRemoteState,
  receiptExists,
  replaceWebhook,
  subscriptionOfAddress,
} from "./store.js";

const PROCESS = "email_tool";
const actor = systemActor("mailchimp-webhook");
const SET_BY = "email_tool:mailchimp";

/** The events to tick in Mailchimp's webhook settings of the audience. */
export const MAILCHIMP_EVENTS = [
  "subscribe",
  "unsubscribe",
  "profile",
  "upemail",
  "cleaned",
  "campaign",
] as const;

function webhookUrl(rt: Runtime, workspaceId: string, secret: string) {
  const base = rt.config.publicUrl.replace(/\/+$/, "");
  return `${base}/v1/webhooks/mailchimp/${workspaceId}/${secret}`;
}

/** Creates (or replaces) the secret URL of a list linked to Mailchimp; the URL is shown once. */
export async function createToolWebhook(ctx: Ctx, listId: string) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  const link = await linkWithConnection(ctx.rt.db, ctx.workspaceId, listId);
  if (!link) throw Conflict(`The list '${listId}' is not linked to an e-mail tool; link it first.`);
  if (link.tool !== "mailchimp") {
    throw Conflict(
      `${link.tool} sends no webhooks about subscribers; its changes arrive with the next fetch (a schedule can fetch regularly).`,
    );
  }
  const secret = randomBytes(24).toString("base64url");
  const actx = activityCtx(ctx);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const hook = await replaceWebhook(tx, {
      id: newId("twh", actx.now.getTime()),
      workspace_id: ctx.workspaceId,
      list_id: listId,
      link_id: link.link_id,
      tool: link.tool,
      secret_hash: sha256(secret),
      created_at: actx.now,
      created_by: `${ctx.actor.type}:${ctx.actor.id ?? ctx.actor.name}`,
    });
    await recordActivity(tx, actx, {
      action: "created",
      kind: "tool_webhook",
      recordId: hook.id,
      summary: `Webhook URL for live changes from ${link.tool} created for the list (any earlier URL stops working)`,
      after: { list_id: listId, tool: link.tool },
    });
    return {
      id: hook.id,
      list_id: listId,
      tool: link.tool,
      url: webhookUrl(ctx.rt, ctx.workspaceId, secret),
      events: MAILCHIMP_EVENTS,
      note: "Shown once. Enter this URL in Mailchimp under Audience → Settings → Webhooks, tick the events listed, and the sources 'by a subscriber', 'by an account admin' and 'via the API'. Mailchimp signs nothing: the URL is the secret; create a new one if it leaked.",
      created_at: hook.created_at,
    };
  });
}

export async function deleteToolWebhook(ctx: Ctx, listId: string) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  const hook = await findWebhookOfList(ctx.rt.db, listId);
  if (!hook) throw NotFound("webhook of list", listId);
  const actx = activityCtx(ctx);
  await ctx.rt.db.transaction().execute(async (tx) => {
    await deleteWebhookRow(tx, hook.id);
    await recordActivity(tx, actx, {
      action: "deleted",
      kind: "tool_webhook",
      recordId: hook.id,
      summary: "Webhook URL for live changes deleted; calls to it are refused from now on",
      before: { list_id: listId, tool: hook.tool },
    });
  });
  return { id: hook.id, deleted: true };
}

/** Nothing about a URL that is not one of ours: the same 404 for an unknown workspace or secret. */
async function hookOf(rt: Runtime, workspaceId: string, secret: string) {
  const hook = await findWebhookBySecret(rt.db, workspaceId, sha256(secret));
  if (!hook) throw NotFound("webhook");
  return hook;
}

/** Mailchimp's GET when the webhook is saved: 200 for a valid URL. */
export async function validateMailchimpWebhook(rt: Runtime, workspaceId: string, secret: string) {
  await hookOf(rt, workspaceId, secret);
  return { ok: true };
}

type Hook = Awaited<ReturnType<typeof hookOf>>;

export async function receiveMailchimpWebhook(rt: Runtime, workspaceId: string, secret: string, raw: Buffer) {
  const hook = await hookOf(rt, workspaceId, secret);
  const body = raw.toString("utf8");
  const call = parseMailchimpWebhook(body);
  if (typeof call === "string") throw Invalid(`Not a Mailchimp webhook call: ${call}.`);
  const key = sha256(body);
  if (await receiptExists(rt.db, hook.id, key)) return { type: call.change.type, outcome: "duplicate" };
  let outcome: string;
  if (call.change.listId !== hook.remote_list_id) {
    outcome = "other_list";
    await note(
      rt,
      hook,
      "warning",
      `A Mailchimp call for audience '${call.change.listId}' reached the URL of audience '${hook.remote_list_id}'; ignored.`,
    );
  } else {
    outcome = await apply(rt, hook, call.change, call.firedAt);
  }
  const fresh = await insertReceipt(rt.db, {
    webhook_id: hook.id,
    dedupe_key: key,
    received_at: rt.now(),
    type: call.change.type,
    outcome,
  });
  return { type: call.change.type, outcome: fresh ? outcome : "duplicate" };
}

function note(
  rt: Runtime,
  hook: Hook,
  severity: "information" | "warning",
  detail: string,
  record?: { kind: string; id: string },
) {
  return logEvent(
    rt.db,
    {
      workspaceId: hook.workspace_id,
      severity,
      process: PROCESS,
      trigger: "process",
      recordKind: record?.kind ?? "list",
      recordId: record?.id ?? hook.list_id,
      detail,
    },
    rt.now(),
  );
}

async function apply(rt: Runtime, hook: Hook, c: MailchimpChange, firedAt: Date): Promise<string> {
  switch (c.type) {
    case "subscribe":
      return statusChange(rt, hook, c.email, "subscribed", "subscribed", firedAt);
    case "unsubscribe":
      if (c.action === "delete") return memberDeleted(rt, hook, c.email, firedAt);
      return statusChange(rt, hook, c.email, "unsubscribed", "unsubscribed", firedAt);
    case "cleaned":
      if (c.reason === "abuse") return statusChange(rt, hook, c.email, "unsubscribed", "cleaned", firedAt);
      return hardBounce(rt, hook, c.email, firedAt);
    case "profile":
      return profile(rt, hook, c, firedAt);
    case "upemail":
      return followAddress(rt, hook, c.oldEmail, c.newEmail);
    case "campaign":
      await note(
        rt,
        hook,
        "information",
        `Mailchimp reports campaign '${c.campaignId}' (${c.subject ?? "no subject"}): ${c.status ?? "?"}.`,
      );
      return "noted";
  }
}

async function subscriptionOf(rt: Runtime, hook: Hook, email: string) {
  return subscriptionOfAddress(rt.db, hook.workspace_id, hook.list_id, email.trim().toLowerCase());
}

async function unknownMember(rt: Runtime, hook: Hook, email: string, what: string) {
  await note(
    rt,
    hook,
    "information",
    `Mailchimp: ${email} ${what}; the address is not on the list here, it arrives with the next fetch.`,
  );
  return "unknown_member";
}

/** Seed 003 §5.2: the tool's newer status wins; a newer status here is kept (the next fetch shows the conflict). */
async function statusChange(
  rt: Runtime,
  hook: Hook,
  email: string,
  to: SubscriptionStatus,
  remote: string,
  firedAt: Date,
): Promise<string> {
  const sub = await subscriptionOf(rt, hook, email);
  if (!sub) return unknownMember(rt, hook, email, `is now '${remote}' in the tool`);
  if (sub.sync_id)
    await noteRemoteState(rt.db, sub.id, {
      remote_status: remote,
      remote_status_at: firedAt,
      updated_at: rt.now(),
    });
  if (sub.status === to) return "unchanged";
  if (new Date(sub.status_set_at) > firedAt) {
    await note(
      rt,
      hook,
      "warning",
      `Mailchimp set ${email} to '${remote}' at ${firedAt.toISOString()}, but the status here ('${sub.status}', set ${new Date(sub.status_set_at).toISOString()}) is newer: nothing changed; the next fetch shows the conflict.`,
      { kind: "subscription", id: sub.id },
    );
    return "conflict";
  }
  // The status takes the time of the change in the tool, so a later change there is compared against it.
  await setSubscriptionStatus(
    rt.db,
    { workspaceId: hook.workspace_id, actor, now: firedAt },
    [sub.id],
    to,
    SET_BY,
  );
  await note(
    rt,
    hook,
    "information",
    `Mailchimp: ${email} is now '${remote}' (${firedAt.toISOString()}); the subscription follows.`,
    {
      kind: "subscription",
      id: sub.id,
    },
  );
  return "status_set";
}

async function hardBounce(rt: Runtime, hook: Hook, email: string, firedAt: Date) {
  const outcome = await statusChange(rt, hook, email, "bounced_permanent", "cleaned", firedAt);
  try {
    await blockAddress(rt.db, rt, hook.workspace_id, {
      kind: "email",
      address: email,
      reason: "cleaned by Mailchimp (hard bounce)",
      source: "email_tool",
      actor,
    });
  } catch (err) {
    if (!(err instanceof AppError && err.code === "invalid")) throw err;
  }
  return outcome;
}

async function memberDeleted(rt: Runtime, hook: Hook, email: string, firedAt: Date) {
  const sub = await subscriptionOf(rt, hook, email);
  if (!sub) return unknownMember(rt, hook, email, "was deleted in the tool");
  if (sub.sync_id)
    await noteRemoteState(rt.db, sub.id, {
      remote_status: "archived",
      remote_status_at: firedAt,
      updated_at: rt.now(),
    });
  await note(
    rt,
    hook,
    "information",
    `Mailchimp: ${email} was deleted (archived) in the tool; the subscription here is kept until you decide.`,
    {
      kind: "subscription",
      id: sub.id,
    },
  );
  return "member_deleted_in_tool";
}

async function profile(rt: Runtime, hook: Hook, c: MailchimpProfileChange, firedAt: Date) {
  const sub = await subscriptionOf(rt, hook, c.email);
  if (!sub) return unknownMember(rt, hook, c.email, "changed the profile");
  if (sub.sync_id) {
    await noteRemoteState(rt.db, sub.id, {
      remote_first_name: c.firstName,
      remote_last_name: c.lastName,
      updated_at: rt.now(),
    });
  }
  const differs =
    (c.firstName ?? null) !== (sub.first_name ?? null) || (c.lastName ?? null) !== (sub.last_name ?? null);
  if (differs) {
    await note(
      rt,
      hook,
      "information",
      `Mailchimp: ${c.email} changed the name to '${[c.firstName, c.lastName].filter(Boolean).join(" ")}' (${firedAt.toISOString()}); here it is '${[sub.first_name, sub.last_name].filter(Boolean).join(" ")}'. Decide with the next reconcile.`,
      { kind: "subscription", id: sub.id },
    );
  }
  return differs ? "profile_differs" : "unchanged";
}

/** upemail: the contact's address follows the tool's, so both sides keep one member. */
async function followAddress(rt: Runtime, hook: Hook, oldEmail: string, newEmail: string) {
  const sub = await subscriptionOf(rt, hook, oldEmail);
  if (!sub) return unknownMember(rt, hook, oldEmail, `changed the address to ${newEmail}`);
  const newKey = newEmail.trim().toLowerCase();
  const owner = await contactWithAddress(rt.db, hook.workspace_id, newKey);
  if (owner && owner.id !== sub.contact_id) {
    await note(
      rt,
      hook,
      "warning",
      `Mailchimp: ${oldEmail} changed the address to ${newEmail}, which another contact here already has ('${owner.id}'); nothing changed. Merge the two contacts, then fetch.`,
      { kind: "subscription", id: sub.id },
    );
    return "address_taken";
  }
  const oldKey = oldEmail.trim().toLowerCase();
  const emails = sub.emails.map((e) => (e.toLowerCase() === oldKey ? newEmail.trim() : e));
  if (!owner) {
    const ctx: Ctx = { rt, workspaceId: hook.workspace_id, actor };
    await updateContact(ctx, sub.contact_id, { emails });
  }
  if (sub.sync_id)
    await noteRemoteState(rt.db, sub.id, { remote_email: newEmail.trim(), updated_at: rt.now() });
  await note(
    rt,
    hook,
    "information",
    `Mailchimp: ${oldEmail} changed the address to ${newEmail}; the contact follows (no duplicate, no 'not in tool').`,
    {
      kind: "subscription",
      id: sub.id,
    },
  );
  return "address_followed";
}
