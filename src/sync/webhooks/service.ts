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
import { adapterFor, ToolError } from "../adapter.js";
import "../adapters/index.js";
import { toolLabel } from "../connections.js";
import { decryptCredentials } from "../credentials.js";
import { linkWithConnection } from "../mailings/store.js";
import { type MailchimpChange, type MailchimpProfileChange, parseMailchimpWebhook } from "./mailchimp.js";
import { publicUrlUnknown, supportsWebhooks, type WebhookTool } from "./registration.js";
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
  updateWebhookRow,
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

type Link = NonNullable<Awaited<ReturnType<typeof linkWithConnection>>>;

function webhookToolOf(rt: Runtime, link: Link): WebhookTool | null {
  const adapter = adapterFor(
    {
      id: link.connection_id,
      tool: link.tool,
      base_url: link.base_url,
      credentials: decryptCredentials(rt.secret, link.credentials_enc),
    },
    {},
  );
  return supportsWebhooks(adapter) ? adapter : null;
}

type Registration = { registered: true; webhook_id: string } | { registered: false; problem: string };

/** Registers the URL in the tool. Never pretends: when it did not happen the answer says why and what to do. */
async function register(rt: Runtime, link: Link, url: string): Promise<Registration> {
  const tool = toolLabel(link.tool);
  if (publicUrlUnknown(rt.config)) {
    return {
      registered: false,
      problem: `Not registered in ${tool}: POSTSTELLE_PUBLIC_URL is not set, so this URL uses Poststelle's local address (${rt.config.publicUrl}), which ${tool} cannot reach. Set POSTSTELLE_PUBLIC_URL to the address under which ${tool} reaches Poststelle and create the webhook again — or enter a reachable form of the URL in ${tool} by hand.`,
    };
  }
  const hookTool = webhookToolOf(rt, link);
  if (!hookTool) return { registered: false, problem: `${tool} cannot register webhooks through its API.` };
  try {
    const { id } = await hookTool.registerWebhook(link.remote_list_id, { url, events: MAILCHIMP_EVENTS });
    return { registered: true, webhook_id: id };
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    const unreachable =
      e.kind === "invalid"
        ? ` Check that ${tool} can reach ${rt.config.publicUrl} (POSTSTELLE_PUBLIC_URL) from the internet.`
        : "";
    return {
      registered: false,
      problem: `Not registered in ${tool} (${e.kind}): ${e.message}.${unreachable} Create the webhook again once that is fixed, or enter the URL in ${tool} by hand.`,
    };
  }
}

/** Removes Poststelle's earlier registration in the tool; a failure is reported, not hidden. */
async function unregister(rt: Runtime, link: Link, webhookId: string): Promise<string | null> {
  const hookTool = webhookToolOf(rt, link);
  const tool = toolLabel(link.tool);
  try {
    await hookTool?.unregisterWebhook(link.remote_list_id, webhookId);
    return null;
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    return `The earlier registration (${webhookId}) could not be removed from ${tool} (${e.message}); ${tool} may keep calling its URL, which Poststelle now refuses — delete it in ${tool} under Audience → Settings → Webhooks.`;
  }
}

/** Creates (or replaces) the secret URL of a list linked to Mailchimp and registers it there; shown once. */
export async function createToolWebhook(ctx: Ctx, listId: string) {
  await requireList(ctx.rt.db, ctx.workspaceId, listId);
  const link = await linkWithConnection(ctx.rt.db, ctx.workspaceId, listId);
  if (!link) throw Conflict(`The list '${listId}' is not linked to an e-mail tool; link it first.`);
  if (link.tool !== "mailchimp") {
    throw Conflict(
      `${link.tool} sends no webhooks about subscribers; its changes arrive with the next fetch (a schedule can fetch regularly).`,
    );
  }
  const earlier = await findWebhookOfList(ctx.rt.db, listId);
  const secret = randomBytes(24).toString("base64url");
  const url = webhookUrl(ctx.rt, ctx.workspaceId, secret);
  const actx = activityCtx(ctx);
  // Stored before registering: Mailchimp checks the URL with a GET while it registers it.
  const hook = await ctx.rt.db.transaction().execute(async (tx) => {
    const row = await replaceWebhook(tx, {
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
      recordId: row.id,
      summary: `Webhook URL for live changes from ${link.tool} created for the list (any earlier URL stops working)`,
      after: { list_id: listId, tool: link.tool },
    });
    return row;
  });
  const registration = await register(ctx.rt, link, url);
  await noteRegistration(ctx, hook.id, registration);
  const earlierProblem = earlier?.remote_webhook_id
    ? await unregister(ctx.rt, link, earlier.remote_webhook_id)
    : null;
  return {
    id: hook.id,
    list_id: listId,
    tool: link.tool,
    url,
    events: MAILCHIMP_EVENTS,
    registered_in_tool: registration.registered,
    remote_webhook_id: registration.registered ? registration.webhook_id : null,
    problem: registration.registered ? null : registration.problem,
    earlier_registration_problem: earlierProblem,
    note: registration.registered
      ? "Shown once. Registered in Mailchimp (Audience → Settings → Webhooks) for the events listed, from subscribers, account admins and the API. Mailchimp signs nothing: the URL is the secret; create a new one if it leaked."
      : "Shown once. NOT registered in Mailchimp (see problem). To enter it by hand: Audience → Settings → Webhooks, tick the events listed and the sources 'by a subscriber', 'by an account admin' and 'via the API'. Mailchimp signs nothing: the URL is the secret.",
    created_at: hook.created_at,
  };
}

async function noteRegistration(ctx: Ctx, hookId: string, r: Registration) {
  const actx = activityCtx(ctx);
  const patch = r.registered
    ? { remote_webhook_id: r.webhook_id, registration_problem: null }
    : { remote_webhook_id: null, registration_problem: r.problem };
  await ctx.rt.db.transaction().execute(async (tx) => {
    await updateWebhookRow(tx, hookId, patch);
    await recordActivity(tx, actx, {
      action: "updated",
      kind: "tool_webhook",
      recordId: hookId,
      summary: r.registered
        ? `Webhook URL registered in Mailchimp (id ${r.webhook_id})`
        : "Webhook URL not registered in Mailchimp",
      after: patch,
    });
  });
}

/** Deletes the URL here and Poststelle's registration in the tool; calls to the URL are refused at once. */
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
      before: { list_id: listId, tool: hook.tool, remote_webhook_id: hook.remote_webhook_id },
    });
  });
  const link = await linkWithConnection(ctx.rt.db, ctx.workspaceId, listId);
  const problem =
    hook.remote_webhook_id && link ? await unregister(ctx.rt, link, hook.remote_webhook_id) : null;
  return {
    id: hook.id,
    deleted: true,
    unregistered_in_tool: hook.remote_webhook_id ? problem === null : null,
    problem,
  };
}

/**
 * The list's link goes (the list is deleted here): its secret URL goes with it, and the registration in the
 * tool is removed first, so the tool stops calling a URL Poststelle would refuse. Null when the list had no
 * URL; otherwise whether the tool's registration was removed, or what to do by hand.
 */
export async function releaseToolWebhook(rt: Runtime, workspaceId: string, listId: string) {
  const hook = await findWebhookOfList(rt.db, listId);
  if (!hook) return null;
  const link = await linkWithConnection(rt.db, workspaceId, listId);
  const problem = hook.remote_webhook_id && link ? await unregister(rt, link, hook.remote_webhook_id) : null;
  await deleteWebhookRow(rt.db, hook.id);
  return { unregistered_in_tool: hook.remote_webhook_id ? problem === null : null, problem };
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
