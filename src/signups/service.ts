// Double opt-in (issue 4 item 5): a sign-up makes the subscription `pending` and sends a confirmation mail
// with a link; following it makes the subscription `subscribed` and records the e-mail marketing consent
// with its evidence (time, IP, the wording shown). The link's token is random; only its hash is stored.
import { recordActivity } from "../audit/service.js";
import { recordConsent } from "../contacts/consent.js";
import { createContact } from "../contacts/service.js";
import type { Database } from "../db/index.js";
import type { Row, SubscriptionStatus } from "../db/schema.js";
import { submitMessage } from "../delivery/service.js";
import { requireList } from "../lists/service.js";
import { addSubscription, setSubscriptionStatus } from "../lists/subscriptions.js";
import { type Actor, actorLabel, type Ctx, type Runtime } from "../runtime.js";
import { type Lang, langOf } from "../tracking/html.js";
import { recipientActor } from "../tracking/service.js";
import { sha256 } from "../util/crypto.js";
import { normaliseEmail } from "../util/email.js";
import { Conflict } from "../util/errors.js";
import { newId, randomToken } from "../util/ids.js";
import type { WorkspaceSettings } from "../workspaces/schema.js";
import { confirmationMail } from "./mail.js";
import type { SignupInput } from "./schema.js";
import {
  closeOtherOpenSignups,
  findContact,
  findContactByEmailKey,
  findListAnywhere,
  findSignupByTokenHash,
  findWorkspace,
  insertSignup,
  lockSubscriptionOf,
  markConfirmed,
  newestOpenSignup,
  type SignupRow,
  setSignupMessage,
} from "./store.js";

export const SIGNUP = "signup";
const HOUR_MS = 3_600_000;

/** Where a sign-up's mail comes from: the list's sender, else the workspace default. */
function senderOf(list: Row<"lists">, settings: WorkspaceSettings, workspaceName: string) {
  const from = list.sender_email ?? settings.default_from ?? null;
  if (!from) {
    throw Conflict(
      `List '${list.name}' has no sender_email and the workspace has no default_from, so no confirmation mail can be sent; set one (PATCH /v1/lists/${list.id} or PATCH /v1/workspace).`,
    );
  }
  const name = list.sender_email ? list.sender_name : (settings.default_from_name ?? null);
  return {
    from: list.sender_email ?? undefined,
    fromName: name ?? undefined,
    displayName: name ?? workspaceName,
  };
}

/** The actor of the steps after the contact is known: a recipient on the hosted page acts as that contact. */
function actorFor(ctx: Ctx, contactId: string): Actor {
  return ctx.actor.type === "recipient" ? recipientActor(contactId, "hosted sign-up page") : ctx.actor;
}

async function findOrCreateContact(ctx: Ctx, input: SignupInput) {
  const key = normaliseEmail(input.email, "email").key;
  const existing = await findContactByEmailKey(ctx.rt.db, ctx.workspaceId, key);
  // An existing contact is left as it is: an unauthenticated form must not change a known person's data.
  if (existing) return { contact: existing, created: false };
  const created = await createContact(ctx, {
    emails: [input.email],
    first_name: input.first_name ?? null,
    last_name: input.last_name ?? null,
    salutation: input.salutation ?? null,
    language: input.language,
  });
  const row = await findContact(ctx.rt.db, ctx.workspaceId, created.id);
  if (!row) throw new Error(`contact ${created.id} vanished right after it was created`);
  return { contact: row, created: true };
}

/** What the subscription was before the sign-up, so that an unconfirmed sign-up can be undone. */
interface Undo {
  created_subscription: boolean;
  previous_status: SubscriptionStatus | null;
}

/** Makes the subscription pending (creating it when absent); null when it is already subscribed. */
async function makePending(
  tx: Database,
  actx: { workspaceId: string; actor: Actor; now: Date },
  listId: string,
  contactId: string,
): Promise<{ subscriptionId: string; undo: Undo } | null> {
  const sub = await lockSubscriptionOf(tx, listId, contactId);
  if (sub?.status === "subscribed") return null;
  if (!sub) {
    const created = await addSubscription(tx, actx, listId, contactId, "pending");
    return { subscriptionId: created.id, undo: { created_subscription: true, previous_status: null } };
  }
  if (sub.status !== "pending") {
    await setSubscriptionStatus(tx, actx, [sub.id], "pending");
    return { subscriptionId: sub.id, undo: { created_subscription: false, previous_status: sub.status } };
  }
  // Already pending: a repeated sign-up inherits what the first one would undo.
  const open = await newestOpenSignup(tx, listId, contactId);
  const undo: Undo = open
    ? { created_subscription: open.created_subscription, previous_status: open.previous_status }
    : { created_subscription: false, previous_status: "pending" };
  return { subscriptionId: sub.id, undo };
}

export interface SignupAnswer {
  id: string | null;
  list_id: string;
  contact_id: string;
  contact_created: boolean;
  subscription_id: string | null;
  status: "pending" | "already_subscribed";
  message_id: string | null;
  expires_at: Date | null;
}

/**
 * POST /v1/lists/:id/signups and the hosted page: find or create the contact, make the subscription
 * pending, store the sign-up and send the confirmation mail through the normal message path. A contact
 * already subscribed stays subscribed and gets no mail.
 */
export async function requestSignup(ctx: Ctx, listId: string, input: SignupInput): Promise<SignupAnswer> {
  const { rt } = ctx;
  const list = await requireList(rt.db, ctx.workspaceId, listId);
  if (list.status !== "running") {
    throw Conflict(`List '${list.name}' has ended and takes no more sign-ups.`);
  }
  const ws = await findWorkspace(rt.db, ctx.workspaceId);
  const sender = senderOf(list, ws.settings as WorkspaceSettings, ws.name);
  const { contact, created } = await findOrCreateContact(ctx, input);
  const token = randomToken(24);
  const now = rt.now();
  const expiresAt = new Date(now.getTime() + rt.config.signupExpiryHours * HOUR_MS);
  const actx = { workspaceId: ctx.workspaceId, actor: actorFor(ctx, contact.id), now };
  const stored = await rt.db.transaction().execute(async (tx) => {
    const pending = await makePending(tx, actx, list.id, contact.id);
    if (!pending) return null;
    const s = await insertSignup(tx, {
      id: newId("sgn", now.getTime()),
      workspace_id: ctx.workspaceId,
      list_id: list.id,
      contact_id: contact.id,
      token_hash: sha256(token),
      wording: input.consent_wording,
      ip: input.ip ?? null,
      source: input.source ?? null,
      ...pending.undo,
      requested_at: now,
      expires_at: expiresAt,
    });
    await recordActivity(tx, actx, {
      action: "created",
      kind: SIGNUP,
      recordId: s.id,
      summary: `Sign-up for list '${list.name}' requested; waiting for the confirmation`,
      after: { list_id: s.list_id, contact_id: s.contact_id, source: s.source, expires_at: s.expires_at },
    });
    return { signup: s, subscriptionId: pending.subscriptionId };
  });
  const answer = { list_id: list.id, contact_id: contact.id, contact_created: created };
  if (!stored) {
    return {
      ...answer,
      id: null,
      subscription_id: null,
      status: "already_subscribed",
      message_id: null,
      expires_at: null,
    };
  }
  const lang = langOf(input.language ?? contact.language);
  const mail = confirmationMail({
    lang,
    listName: list.name,
    senderName: sender.displayName,
    greeting: contact.letter_salutation,
    url: `${rt.config.publicUrl}/s/${token}`,
    expiresAt,
  });
  const { message } = await submitMessage(
    { ...ctx, actor: actx.actor },
    {
      to: input.email,
      from: sender.from,
      from_name: sender.fromName,
      reply_to: list.reply_to ?? undefined,
      ...mail,
      tags: ["double_opt_in"],
    },
  );
  await setSignupMessage(rt.db, stored.signup.id, message.id);
  return {
    ...answer,
    id: stored.signup.id,
    subscription_id: stored.subscriptionId,
    status: "pending",
    message_id: message.id,
    expires_at: expiresAt,
  };
}

// ---------------------------------------------------------------- confirming

export type SignupState = "open" | "confirmed" | "already_confirmed" | "expired" | "unknown";

export interface SignupView {
  state: SignupState;
  lang: Lang;
  listName: string | null;
}

function stateOf(s: SignupRow, now: Date): SignupState {
  if (s.confirmed_at) return "already_confirmed";
  if (s.expired_at || s.expires_at.getTime() <= now.getTime()) return "expired";
  return "open";
}

async function viewOf(db: Database, s: SignupRow, state: SignupState): Promise<SignupView> {
  const [contact, list] = await Promise.all([
    findContact(db, s.workspace_id, s.contact_id),
    findListAnywhere(db, s.list_id),
  ]);
  return { state, lang: langOf(contact?.language), listName: list?.name ?? null };
}

const unknownSignup: SignupView = { state: "unknown", lang: "de", listName: null };

/** GET /s/:token: what the link stands for, without changing anything. */
export async function lookupSignup(rt: Runtime, token: string): Promise<SignupView> {
  const s = await findSignupByTokenHash(rt.db, sha256(token));
  return s ? viewOf(rt.db, s, stateOf(s, rt.now())) : unknownSignup;
}

/**
 * POST /s/:token: the subscription becomes `subscribed` (set by the recipient) and the sign-up confirmed,
 * in one transaction with the sign-up row locked, so a double click confirms once. The consent — with the
 * confirming request's IP and the wording stored at sign-up — is recorded by the contacts service after
 * the commit (it keeps its own transaction); if that failed, the person stays subscribed without consent,
 * which campaigns exclude: the safe side.
 */
export async function confirmSignup(rt: Runtime, token: string, ip: string | null): Promise<SignupView> {
  const now = rt.now();
  const result = await rt.db.transaction().execute(async (tx) => {
    const s = await findSignupByTokenHash(tx, sha256(token), true);
    if (!s) return null;
    const state = stateOf(s, now);
    if (state !== "open") return { s, state, actor: null };
    const actor = recipientActor(s.contact_id, "double opt-in");
    const actx = { workspaceId: s.workspace_id, actor, now };
    const sub = await lockSubscriptionOf(tx, s.list_id, s.contact_id);
    if (sub) await setSubscriptionStatus(tx, actx, [sub.id], "subscribed");
    else await addSubscription(tx, actx, s.list_id, s.contact_id, "subscribed");
    await markConfirmed(tx, s.id, now, ip);
    const closed = await closeOtherOpenSignups(tx, s, now);
    await recordActivity(tx, actx, {
      action: "confirmed",
      kind: SIGNUP,
      recordId: s.id,
      summary: "Sign-up confirmed through the link in the confirmation mail",
      before: { confirmed_at: null },
      after: { confirmed_at: now, confirm_ip: ip },
      data: { list_id: s.list_id, superseded_signups: closed.map((c) => c.id) },
    });
    return { s, state: "confirmed" as const, actor };
  });
  if (!result) return unknownSignup;
  const { s, state, actor } = result;
  if (actor) {
    await recordConsent({ rt, workspaceId: s.workspace_id, actor }, s.contact_id, {
      channel: "email",
      purpose: "marketing",
      status: "granted",
      at: now.toISOString(),
      by: actorLabel(actor),
      source: "double_opt_in",
      wording: s.wording,
      ip: ip ?? undefined,
    });
  }
  return viewOf(rt.db, s, state);
}
