// Unsubscribing through the signed link of a mail (issue 4 item 6, RFC 8058). The link's token says whom
// (contact), from what (one list, or every list of the workspace) and whether the marketing consent goes
// too. Using it is idempotent: what is already done is left alone, and only a real change is logged.
import { recordActivity } from "../audit/service.js";
import { consentOut, currentConsents } from "../contacts/consent.js";
import { insertConsent } from "../contacts/store.js";
import type { Database } from "../db/index.js";
import type { SubscriptionStatus } from "../db/schema.js";
import { appendEvents } from "../events/service.js";
import { emitHookEvent } from "../hooks/emit.js";
import { addSubscription, setSubscriptionStatus } from "../lists/subscriptions.js";
import { type Actor, actorLabel, type Runtime } from "../runtime.js";
import { newId } from "../util/ids.js";
import { type Lang, langOf } from "./html.js";
import {
  findContactById,
  findListName,
  findWorkspaceName,
  messageExists,
  subscriptionsOfContact,
} from "./store.js";
import type { UnsubscribeToken } from "./unsubscribe.js";

/** Someone following a link in a mail: the activity log names the contact as the actor. */
export function recipientActor(contactId: string, via: string): Actor {
  return { type: "recipient", id: contactId, name: `recipient (${via})`, role: "viewer" };
}

export interface Contact {
  id: string;
  workspace_id: string;
  language: string;
}

/** What using the link would change now; empty when it is already done. */
interface Plan {
  listId: string | null;
  listName: string | null;
  /** subscriptions to set to unsubscribed */
  subscriptionIds: string[];
  /** the named list exists but the contact is not on it: record the refusal as an unsubscribed entry,
   * so that adding the contact to the list later keeps them out */
  addUnsubscribedTo: string | null;
  withdrawConsent: boolean;
  /** the current status of one of the contact's subscriptions */
  statusOf: (subscriptionId: string) => SubscriptionStatus;
}

async function marketingConsentWithdrawn(db: Database, c: Contact): Promise<boolean> {
  const current = await currentConsents(db, c.workspace_id, c.id);
  return current.some((x) => x.channel === "email" && x.purpose === "marketing" && x.status === "withdrawn");
}

async function planFor(
  db: Database,
  c: Contact,
  t: Pick<UnsubscribeToken, "listId" | "withdrawConsent">,
): Promise<Plan> {
  const listName = t.listId ? await findListName(db, c.workspace_id, t.listId) : null;
  // A list deleted since the mail went out sends nothing more; there is nothing to unsubscribe from.
  const listId = listName === null ? null : t.listId;
  const subs = t.listId
    ? listId
      ? await subscriptionsOfContact(db, c.workspace_id, c.id, listId)
      : []
    : await subscriptionsOfContact(db, c.workspace_id, c.id);
  // A mail sent to a contact filter rather than a list: without a subscription to end, the link would do
  // nothing at all, so it withdraws the marketing consent, which is what stops such mail.
  const wantsWithdrawal = t.withdrawConsent || (!t.listId && subs.length === 0);
  return {
    listId,
    listName,
    subscriptionIds: subs.filter((s) => s.status !== "unsubscribed").map((s) => s.id),
    statusOf: (id: string) => (subs.find((s) => s.id === id)?.status ?? "unsubscribed") as SubscriptionStatus,
    addUnsubscribedTo: listId && subs.length === 0 ? listId : null,
    withdrawConsent: wantsWithdrawal && !(await marketingConsentWithdrawn(db, c)),
  };
}

const isDone = (p: Plan) => p.subscriptionIds.length === 0 && !p.addUnsubscribedTo && !p.withdrawConsent;

export interface UnsubscribeView {
  /** false: the contact no longer exists (deleted or erased), so nothing can be mailed to it anyway */
  found: boolean;
  lang: Lang;
  workspaceName: string | null;
  /** list: the link is about one list (listName null when that list has been deleted since); all: every list */
  scope: "list" | "all";
  listName: string | null;
  /** true: using the link changes nothing (any more) */
  done: boolean;
}

const scopeOf = (t: UnsubscribeToken) => (t.listId ? "list" : "all") as UnsubscribeView["scope"];

const notFound = (t: UnsubscribeToken): UnsubscribeView => ({
  found: false,
  lang: "de",
  workspaceName: null,
  scope: scopeOf(t),
  listName: null,
  done: true,
});

/** What the confirmation page shows before anything is changed (GET must never unsubscribe: mail
 * scanners fetch every link). */
export async function describeUnsubscribe(rt: Runtime, t: UnsubscribeToken): Promise<UnsubscribeView> {
  const c = await findContactById(rt.db, t.contactId);
  if (!c) return notFound(t);
  const plan = await planFor(rt.db, c, t);
  return {
    found: true,
    lang: langOf(c.language),
    workspaceName: await findWorkspaceName(rt.db, c.workspace_id),
    scope: scopeOf(t),
    listName: plan.listName,
    done: isDone(plan),
  };
}

export interface UnsubscribeEvidence {
  ip: string | null;
  /** an RFC 8058 POST by the mailbox provider rather than the button on our page */
  oneClick: boolean;
}

export interface UnsubscribeOutcome extends UnsubscribeView {
  /** true: this request changed something (false on a repeat) */
  changed: boolean;
  /** the link withdraws the marketing consent, or this request withdrew it */
  consentWithdrawn: boolean;
}

/**
 * Performs the unsubscribe. Subscriptions, the consent, the message's timeline and the activities are
 * written in one transaction with the contact row locked, so two simultaneous clicks change things once.
 */
export async function unsubscribe(
  rt: Runtime,
  t: UnsubscribeToken,
  evidence: UnsubscribeEvidence,
): Promise<UnsubscribeOutcome> {
  const via = evidence.oneClick ? "one-click unsubscribe" : "unsubscribe link";
  const source = evidence.oneClick ? "list_unsubscribe_post" : "unsubscribe_link";
  const done = await rt.db.transaction().execute(async (tx) => {
    const c = await findContactById(tx, t.contactId, true);
    if (!c) return null;
    const plan = await optOut(tx, rt, {
      contact: c,
      listId: t.listId,
      campaignId: t.campaignId,
      messageId: t.messageId,
      withdrawConsent: t.withdrawConsent,
      actor: recipientActor(c.id, via),
      source,
      how: "through the link in a mail",
      ip: evidence.ip,
      timeline: {
        source,
        evidence: {
          list_id: t.listId,
          campaign_id: t.campaignId,
          withdraw_consent: t.withdrawConsent,
          one_click: evidence.oneClick,
          ip: evidence.ip,
        },
      },
      data: { one_click: evidence.oneClick },
    });
    return { c, plan };
  });
  if (!done) return { ...notFound(t), changed: false, consentWithdrawn: false };
  const { c, plan } = done;
  return {
    found: true,
    lang: langOf(c.language),
    workspaceName: await findWorkspaceName(rt.db, c.workspace_id),
    scope: scopeOf(t),
    listName: plan.listName,
    done: true,
    changed: !isDone(plan),
    consentWithdrawn: t.withdrawConsent || plan.withdrawConsent,
  };
}

/** An opt-out, from the link in a mail or reported by a provider (src/webhooks): whom, from what, why. */
export interface OptOut {
  contact: Contact;
  /** one list, or null for every list of the workspace */
  listId: string | null;
  campaignId: string | null;
  messageId: string | null;
  /** also withdraw the e-mail marketing consent */
  withdrawConsent: boolean;
  actor: Actor;
  /** the consent's source and the subscriptions' set-by reason */
  source: string;
  /** how it came about, for the activity's summary ("through the link in a mail") */
  how: string;
  ip: string | null;
  /** what the consent withdrawal quotes as its wording (the provider's report); null for the recipient's own click */
  wording?: string | null;
  /** an 'unsubscribed' event for the message's timeline, unless the caller's own event is already there */
  timeline?: { source: string; evidence: Record<string, unknown> };
  /** subscriptions in these statuses stay as they are (a complaint must not hide an earlier hard bounce) */
  keep?: SubscriptionStatus[];
  /** more for the activity's data (the provider's event id …) */
  data?: Record<string, unknown>;
}

/**
 * Carries out an opt-out inside the caller's transaction: the subscriptions become unsubscribed (a named
 * list the contact is not on gets an unsubscribed entry, so adding them later keeps them out), the marketing
 * consent is withdrawn where asked, and a real change is logged once, with the actor, and sent to the host
 * application's webhooks (contact.unsubscribed, consent.changed). What is already done is left alone.
 */
export async function optOut(tx: Database, rt: Runtime, o: OptOut): Promise<Plan> {
  const c = o.contact;
  const actx = { workspaceId: c.workspace_id, actor: o.actor, now: rt.now() };
  const found = await planFor(tx, c, { listId: o.listId, withdrawConsent: o.withdrawConsent });
  const keep = new Set(o.keep ?? []);
  const plan = {
    ...found,
    subscriptionIds: found.subscriptionIds.filter((id) => !keep.has(found.statusOf(id))),
  };
  const changed = await setSubscriptionStatus(tx, actx, plan.subscriptionIds, "unsubscribed");
  if (plan.addUnsubscribedTo) await addSubscription(tx, actx, plan.addUnsubscribedTo, c.id, "unsubscribed");
  if (o.timeline && o.messageId && (await messageExists(tx, c.workspace_id, o.messageId))) {
    await appendEvents(
      tx,
      [
        {
          message_id: o.messageId,
          workspace_id: c.workspace_id,
          type: "unsubscribed",
          source: o.timeline.source,
          detail: plan.listName
            ? `The recipient unsubscribed from the list '${plan.listName}'`
            : "The recipient unsubscribed",
          evidence: { ...o.timeline.evidence, list_id: plan.listId },
          // one unsubscribe per message on its timeline, however often the link is used
          dedupe_key: "unsubscribe",
        },
      ],
      actx.now,
    );
  }
  if (isDone(plan)) return plan;
  const consent = plan.withdrawConsent ? "; e-mail marketing consent withdrawn" : "";
  await recordActivity(tx, actx, {
    action: "unsubscribed",
    kind: "contact",
    recordId: c.id,
    summary: plan.listName
      ? `Unsubscribed from the list '${plan.listName}' ${o.how}${consent}`
      : `Unsubscribed from every list ${o.how}${consent}`,
    data: {
      list_id: plan.listId,
      campaign_id: o.campaignId,
      message_id: o.messageId,
      subscriptions_unsubscribed: changed.map((s) => s.id),
      withdraw_consent: plan.withdrawConsent,
      ...(o.data ?? {}),
    },
  });
  const hook = { contact_id: c.id, list_id: plan.listId, campaign_id: o.campaignId, message_id: o.messageId };
  await emitHookEvent(tx, c.workspace_id, "contact.unsubscribed", hook, actx.now);
  if (plan.withdrawConsent) {
    await withdrawMarketingConsent(tx, actx, c.id, {
      by: actorLabel(o.actor),
      source: o.source,
      ip: o.ip,
      wording: o.wording ?? null,
    });
  }
  return plan;
}

/** The e-mail marketing consent withdrawn, in the caller's transaction: its history row, the activity and
 * the host application's consent.changed, as POST /v1/contacts/{id}/consents writes them. */
async function withdrawMarketingConsent(
  tx: Database,
  actx: { workspaceId: string; actor: Actor; now: Date },
  contactId: string,
  e: { by: string; source: string; ip: string | null; wording: string | null },
) {
  const row = await insertConsent(tx, {
    id: newId("cns", actx.now.getTime()),
    workspace_id: actx.workspaceId,
    contact_id: contactId,
    channel: "email",
    purpose: "marketing",
    status: "withdrawn",
    at: actx.now,
    by: e.by,
    source: e.source,
    wording: e.wording,
    ip: e.ip,
    created_at: actx.now,
  });
  const out = consentOut(row);
  await recordActivity(tx, actx, {
    action: "created",
    kind: "consent",
    recordId: row.id,
    summary: "Consent email/marketing withdrawn",
    after: { ...out, contact_id: contactId },
    data: { contact_id: contactId },
  });
  await emitHookEvent(tx, actx.workspaceId, "consent.changed", { ...out, contact_id: contactId }, actx.now);
}
