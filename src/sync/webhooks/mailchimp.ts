// Mailchimp's list webhooks (mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks): an
// application/x-www-form-urlencoded POST with `type`, `fired_at` ("2009-03-26 21:35:57", UTC) and the
// fields of `data[...]` (data[merges][FNAME] for merge fields). Mailchimp checks the URL with a GET when the
// webhook is created, signs nothing, and retries a call that failed.

import { tryNormaliseEmail } from "../../util/email.js";
import { storableText } from "../../util/storable.js";

interface NamedChange {
  listId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
}
export type MailchimpProfileChange = NamedChange & { type: "profile" };

export type MailchimpChange =
  | (NamedChange & { type: "subscribe" })
  | MailchimpProfileChange
  | { type: "unsubscribe"; listId: string; email: string; action: "unsub" | "delete"; reason: string | null }
  | { type: "upemail"; listId: string; oldEmail: string; newEmail: string }
  | { type: "cleaned"; listId: string; email: string; reason: "hard" | "abuse" | string }
  | { type: "campaign"; listId: string; campaignId: string; subject: string | null; status: string | null };

export interface MailchimpCall {
  change: MailchimpChange;
  firedAt: Date;
}

/** Parses one call; a string says what is wrong with it (answered 400, nothing changes). */
export function parseMailchimpWebhook(body: string): MailchimpCall | string {
  const f = new URLSearchParams(body);
  // A name with a NUL or half a surrogate pair (percent-encoded) is stored with U+FFFD in its place.
  const get = (k: string) => {
    const v = f.get(k);
    return v === null || v.trim() === "" ? null : storableText(v.trim());
  };
  const type = get("type");
  const fired = get("fired_at");
  if (!type) return "the call has no 'type'";
  const firedAt = fired ? new Date(`${fired.replace(" ", "T")}Z`) : null;
  if (!firedAt || Number.isNaN(firedAt.getTime())) return "the call has no valid 'fired_at'";
  const listId = get("data[list_id]");
  if (!listId) return "the call has no 'data[list_id]'";
  const email = get("data[email]");
  const needEmail = (c: MailchimpChange): MailchimpCall | string =>
    "email" in c && !c.email ? `a '${type}' call needs 'data[email]'` : { change: c, firedAt };
  switch (type) {
    case "subscribe":
    case "profile":
      return needEmail({
        type: type === "subscribe" ? "subscribe" : "profile",
        listId,
        email: email ?? "",
        firstName: get("data[merges][FNAME]"),
        lastName: get("data[merges][LNAME]"),
      });
    case "unsubscribe":
      return needEmail({
        type,
        listId,
        email: email ?? "",
        action: get("data[action]") === "delete" ? "delete" : "unsub",
        reason: get("data[reason]"),
      });
    case "cleaned":
      return needEmail({ type, listId, email: email ?? "", reason: get("data[reason]") ?? "hard" });
    case "upemail": {
      const oldEmail = get("data[old_email]");
      const newEmail = get("data[new_email]");
      if (!oldEmail || !newEmail) return "an 'upemail' call needs 'data[old_email]' and 'data[new_email]'";
      if (!tryNormaliseEmail(newEmail))
        return `'data[new_email]' (${newEmail.slice(0, 100)}) is no e-mail address`;
      return { change: { type, listId, oldEmail, newEmail }, firedAt };
    }
    case "campaign":
      return {
        change: {
          type,
          listId,
          campaignId: get("data[id]") ?? "",
          subject: get("data[subject]"),
          status: get("data[status]"),
        },
        firedAt,
      };
    default:
      return `unknown type '${type}'`;
  }
}
