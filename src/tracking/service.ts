// Unsubscribing through the signed link of a mail (issue 4 item 6, RFC 8058). The link's token says whom
// (contact), from what (one list, or every list of the workspace) and whether the marketing consent goes
// too. Using it is idempotent: what is already done is left alone, and only a real change is logged.
import { recordActivity } from "../audit/service.js";
import { currentConsents, recordConsent } from "../contacts/consent.js";
import type { Database } from "../db/index.js";
import { appendEvents } from "../events/service.js";
import { emitHookEvent } from "../hooks/emit.js";
import { addSubscription, setSubscriptionStatus } from "../lists/subscriptions.js";
import { type Actor, actorLabel, type Runtime } from "../runtime.js";
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

interface Contact {
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
}

async function marketingConsentWithdrawn(db: Database, c: Contact): Promise<boolean> {
  const current = await currentConsents(db, c.workspace_id, c.id);
  return current.some((x) => x.channel === "email" && x.purpose === "marketing" && x.status === "withdrawn");
}

async function planFor(db: Database, c: Contact, t: UnsubscribeToken): Promise<Plan> {
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
 * Performs the unsubscribe. Subscriptions, the message's timeline and the activity are written in one
 * transaction with the contact row locked, so two simultaneous clicks change things once. The consent
 * withdrawal goes through the contacts service, which keeps its own transaction; it runs after the commit
 * and is itself skipped when already done, so a repeat completes whatever an interrupted run left out.
 */
export async function unsubscribe(
  rt: Runtime,
  t: UnsubscribeToken,
  evidence: UnsubscribeEvidence,
): Promise<UnsubscribeOutcome> {
  const via = evidence.oneClick ? "one-click unsubscribe" : "unsubscribe link";
  const done = await rt.db.transaction().execute(async (tx) => {
    const c = await findContactById(tx, t.contactId, true);
    if (!c) return null;
    const actx = { workspaceId: c.workspace_id, actor: recipientActor(c.id, via), now: rt.now() };
    const plan = await planFor(tx, c, t);
    const changed = await setSubscriptionStatus(tx, actx, plan.subscriptionIds, "unsubscribed");
    if (plan.addUnsubscribedTo) {
      await addSubscription(tx, actx, plan.addUnsubscribedTo, c.id, "unsubscribed");
    }
    if (t.messageId && (await messageExists(tx, c.workspace_id, t.messageId))) {
      await appendEvents(
        tx,
        [
          {
            message_id: t.messageId,
            workspace_id: c.workspace_id,
            type: "unsubscribed",
            source: evidence.oneClick ? "list_unsubscribe_post" : "unsubscribe_link",
            detail: plan.listName
              ? `The recipient unsubscribed from the list '${plan.listName}'`
              : "The recipient unsubscribed",
            evidence: {
              list_id: plan.listId,
              campaign_id: t.campaignId,
              withdraw_consent: t.withdrawConsent,
              one_click: evidence.oneClick,
              ip: evidence.ip,
            },
            // one unsubscribe per message on its timeline, however often the link is used
            dedupe_key: "unsubscribe",
          },
        ],
        actx.now,
      );
    }
    if (!isDone(plan)) {
      await recordActivity(tx, actx, {
        action: "unsubscribed",
        kind: "contact",
        recordId: c.id,
        summary: plan.listName
          ? `Unsubscribed from the list '${plan.listName}' through the link in a mail${plan.withdrawConsent ? "; e-mail marketing consent withdrawn" : ""}`
          : `Unsubscribed from every list through the link in a mail${plan.withdrawConsent ? "; e-mail marketing consent withdrawn" : ""}`,
        data: {
          list_id: plan.listId,
          campaign_id: t.campaignId,
          message_id: t.messageId,
          subscriptions_unsubscribed: changed.map((s) => s.id),
          withdraw_consent: plan.withdrawConsent,
          one_click: evidence.oneClick,
        },
      });
      const hook = {
        contact_id: c.id,
        list_id: plan.listId,
        campaign_id: t.campaignId,
        message_id: t.messageId,
      };
      await emitHookEvent(tx, c.workspace_id, "contact.unsubscribed", hook, actx.now);
    }
    return { c, plan, actor: actx.actor };
  });
  if (!done) return { ...notFound(t), changed: false, consentWithdrawn: false };
  const { c, plan, actor } = done;
  if (plan.withdrawConsent) {
    await recordConsent({ rt, workspaceId: c.workspace_id, actor }, c.id, {
      channel: "email",
      purpose: "marketing",
      status: "withdrawn",
      by: actorLabel(actor),
      source: evidence.oneClick ? "list_unsubscribe_post" : "unsubscribe_link",
      ip: evidence.ip ?? undefined,
    });
  }
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
