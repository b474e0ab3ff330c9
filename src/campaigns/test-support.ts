// Test data for campaign tests: many contacts with consent on a list, written with set-based SQL (the API
// creates one contact per request, far too slow for 5,000). Used by tests and the fault test only.
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import { newId } from "../util/ids.js";

export interface Audience {
  listId: string;
  contactIds: string[];
  /** The domain of the recipients' addresses: kunde<i>@<domain>, i from 1. */
  domain: string;
}

export interface AudienceOptions {
  count: number;
  /** Recipient addresses are kunde<i>@<domain>. */
  domain?: string;
  /** Grant email/marketing consent (default true). */
  consent?: boolean;
  /** Postal addresses for letters (default true). */
  postal?: boolean;
}

/** A list with `count` subscribed contacts, ids in creation order. */
export async function seedAudience(db: Database, workspaceId: string, o: AudienceOptions): Promise<Audience> {
  const now = new Date();
  const listId = newId("list", now.getTime());
  const stem = newId("con", now.getTime()).slice(0, 14);
  // Each audience has addresses of its own, so a blocklist entry or bounce in one test leaves others alone.
  const domain = o.domain ?? `d${stem.slice(4).toLowerCase()}.example.org`;
  await db
    .insertInto("lists")
    .values({
      id: listId,
      workspace_id: workspaceId,
      name: `Kunden ${listId}`,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await sql`
    insert into contacts (id, workspace_id, salutation, first_name, last_name, letter_salutation, emails,
                          email_keys, street, postal_code, city, language, created_at, updated_at)
    select ${stem} || lpad(i::text, 8, '0'), ${workspaceId},
           case when i % 2 = 0 then 'Frau' else 'Herr' end, 'Vorname' || i, 'Nachname' || i,
           case when i % 2 = 0 then 'Sehr geehrte Frau Nachname' || i || ',' else 'Sehr geehrter Herr Nachname' || i || ',' end,
           array['kunde' || i || '@' || ${domain}::text], array['kunde' || i || '@' || ${domain}::text],
           case when ${o.postal ?? true} then 'Musterweg ' || i end,
           case when ${o.postal ?? true} then lpad(((i * 7919) % 90000 + 10000)::text, 5, '0') end,
           case when ${o.postal ?? true} then 'Musterstadt' end,
           'de', ${now}, ${now}
      from generate_series(1, ${o.count}) i`.execute(db);
  await sql`
    insert into subscriptions (id, workspace_id, list_id, contact_id, status, status_set_at, status_set_by,
                               created_at, updated_at)
    select 'sub_' || substr(c.id, 5), ${workspaceId}, ${listId}, c.id, 'subscribed', ${now}, 'test', ${now}, ${now}
      from contacts c where c.id like ${`${stem}%`}`.execute(db);
  if (o.consent ?? true) {
    await sql`
      insert into consents (id, workspace_id, contact_id, channel, purpose, status, at, by, source, created_at)
      select 'cns_' || substr(c.id, 5), ${workspaceId}, c.id, 'email', 'marketing', 'granted', ${now}, 'test',
             'test', ${now}
        from contacts c where c.id like ${`${stem}%`}`.execute(db);
  }
  const ids = await db
    .selectFrom("contacts")
    .select("id")
    .where("id", "like", `${stem}%`)
    .orderBy("id")
    .execute();
  return { listId, contactIds: ids.map((r) => r.id), domain };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
