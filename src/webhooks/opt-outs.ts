// A provider's report that the recipient opted out (issue 5, seed 000): an unsubscribe through the
// provider's own link or list-unsubscribe handling (SendGrid unsubscribe / group_unsubscribe, Mailgun
// unsubscribed, Postmark SubscriptionChange by the recipient, SES Subscription) or a spam complaint
// (SendGrid spamreport, Mailgun complained, Postmark SpamComplaint, SES Complaint). Both change what may be
// sent to the contact, exactly as our own unsubscribe link does (src/tracking/service.ts optOut), with the
// provider as the actor in the activity log and the host application told through its webhooks:
// - an unsubscribe ends the subscription to the list the message's campaign reached the contact through;
//   a message that came from no list (transactional, or a campaign to a filter) ends every subscription and
//   withdraws the e-mail marketing consent, since no narrower meaning can be given to it;
// - a complaint ends every subscription and withdraws the e-mail marketing consent, quoting the report.
// A subscription already bounced_permanent stays so: the bounce says more about the address.
import type { Kysely } from "kysely";
import { logEvent } from "../audit/service.js";
import type { DB } from "../db/schema.js";
import type { ProviderKind } from "../delivery/providers/schema.js";
import { type Runtime, systemActor } from "../runtime.js";
import { optOut } from "../tracking/service.js";
import { campaignListOf, lockContactOfMessage, type MessageRef } from "./store.js";

export interface ProviderOptOut {
  kind: "unsubscribe" | "complaint";
  message: MessageRef;
  eventId: string;
  detail: string;
}

const NAMES: Record<ProviderKind, string> = {
  sendgrid: "SendGrid",
  mailgun: "Mailgun",
  postmark: "Postmark",
  ses: "Amazon SES",
};

/** Applies one opt-out in the ingesting transaction; true when it changed something. */
export async function applyProviderOptOut(
  tx: Kysely<DB>,
  rt: Runtime,
  provider: ProviderKind,
  o: ProviderOptOut,
): Promise<boolean> {
  const name = NAMES[provider];
  const contact = await lockContactOfMessage(tx, o.message);
  const complaint = o.kind === "complaint";
  const listId =
    !complaint && contact && o.message.campaign_id
      ? await campaignListOf(tx, o.message.campaign_id, contact.id)
      : null;
  let changed = false;
  if (contact) {
    const plan = await optOut(tx, rt, {
      contact,
      listId,
      campaignId: o.message.campaign_id,
      messageId: o.message.id,
      withdrawConsent: complaint || listId === null,
      actor: systemActor(`webhook:${provider}`),
      source: `${provider}_${o.kind}`,
      how: complaint ? `after a spam complaint reported by ${name}` : `as reported by ${name}`,
      ip: null,
      wording: `${name} reported ${complaint ? "a spam complaint" : "an unsubscribe"} about message ${o.message.id} (event ${o.eventId}): ${o.detail}`,
      keep: ["bounced_permanent"],
      data: { provider, provider_event_id: o.eventId },
    });
    changed = plan.subscriptionIds.length > 0 || plan.addUnsubscribedTo !== null || plan.withdrawConsent;
  }
  if (complaint) {
    await logEvent(
      tx,
      {
        workspaceId: o.message.workspace_id,
        severity: "warning",
        process: "provider_webhook",
        trigger: "procedure",
        recordKind: "message",
        recordId: o.message.id,
        detail: contact
          ? `Complaint (spam report, ${name}) from ${o.message.to_address} about message ${o.message.id}; ${changed ? "unsubscribed and e-mail marketing consent withdrawn" : "already unsubscribed"}.`
          : `Complaint (spam report, ${name}) from ${o.message.to_address} about message ${o.message.id}; no contact has this address, nothing to unsubscribe.`,
        data: { provider, provider_event_id: o.eventId, contact_id: contact?.id ?? null },
      },
      rt.now(),
    );
  }
  return changed;
}
