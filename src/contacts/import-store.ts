// SQL of CSV imports. A batch of rows costs a fixed number of statements whatever its size: one lookup of
// keys seen earlier in the file, one lookup of existing contacts, one multi-row insert and one multi-row
// update (jsonb_to_recordset: one parameter instead of thousands), the report rows and the progress.
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import type { NewRow, Row } from "../db/schema.js";
import { type ContactData, contactColumns } from "./contact.js";

export async function insertImport(db: Database, row: NewRow<"imports">) {
  return db.insertInto("imports").values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findImport(db: Database, workspaceId: string, id: string) {
  return db
    .selectFrom("imports")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function loadImport(db: Database, id: string) {
  return db.selectFrom("imports").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

export async function listImports(
  db: Database,
  workspaceId: string,
  cursorId: string | null,
  limit: number,
  dryRun?: boolean,
) {
  let q = db.selectFrom("imports").selectAll().where("workspace_id", "=", workspaceId);
  if (cursorId) q = q.where("id", "<", cursorId);
  if (dryRun !== undefined) q = q.where("dry_run", "=", dryRun);
  return q
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
}

export async function markImport(
  db: Database,
  id: string,
  set: Partial<Pick<Row<"imports">, "status" | "error" | "total_rows">> & {
    started_at?: Date;
    finished_at?: Date;
    lease_until?: Date | null;
  },
) {
  return db.updateTable("imports").set(set).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

/** Takes over an import whose process ended (its lease lapsed), for one process only: the lease is renewed
 * in the same statement that checks it has lapsed. */
export async function claimLapsedImport(db: Database, id: string, now: Date, leaseUntil: Date) {
  return db
    .updateTable("imports")
    .set({ status: "running", lease_until: leaseUntil, error: null })
    .where("id", "=", id)
    .where("status", "in", ["queued", "running"])
    .where("lease_until", "<", now)
    .returningAll()
    .executeTakeFirst();
}

/** The last row of the file whose outcome is committed: each batch writes its report rows and its progress
 * in one transaction, so every row up to this one is done and no row after it is. */
export async function lastCommittedRow(db: Database, id: string): Promise<number> {
  const r = await db
    .selectFrom("import_rows")
    .select((eb) => eb.fn.max("row_number").as("last"))
    .where("import_id", "=", id)
    .executeTakeFirst();
  return Number(r?.last ?? 0);
}

export interface BatchCounts {
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
}

export async function addProgress(db: Database, id: string, c: BatchCounts, leaseUntil: Date) {
  await sql`update imports set processed_rows = processed_rows + ${c.processed},
      created_count = created_count + ${c.created}, updated_count = updated_count + ${c.updated},
      skipped_count = skipped_count + ${c.skipped}, rejected_count = rejected_count + ${c.rejected},
      total_rows = greatest(total_rows, processed_rows + ${c.processed}), lease_until = ${leaseUntil}
    where id = ${id}`.execute(db);
}

/** Keys claimed by earlier rows of this import: key → row number. */
export async function claimedKeys(db: Database, importId: string, keys: string[]) {
  const out = new Map<string, number>();
  if (keys.length === 0) return out;
  const r = await sql<{ email_key: string; row_number: number }>`
    select email_key, row_number from import_keys
    where import_id = ${importId} and email_key = any(${keys}::text[])`.execute(db);
  for (const x of r.rows) out.set(x.email_key, x.row_number);
  return out;
}

export async function claimKeys(db: Database, importId: string, claims: { key: string; row: number }[]) {
  if (claims.length === 0) return;
  await sql`insert into import_keys (import_id, email_key, row_number)
    select ${importId}, k, n from unnest(${claims.map((c) => c.key)}::text[], ${claims.map((c) => c.row)}::int[]) as u(k, n)
    on conflict do nothing`.execute(db);
}

export async function releaseKeys(db: Database, importId: string) {
  await db.deleteFrom("import_keys").where("import_id", "=", importId).execute();
}

/** Contacts of the workspace that hold any of the keys (through the btree of contact_email_keys); locked for
 * the batch's update when asked. */
export async function contactsByEmailKeys(db: Database, workspaceId: string, keys: string[], lock: boolean) {
  if (keys.length === 0) return [];
  const r = await sql<Row<"contacts">>`
    select * from contacts where workspace_id = ${workspaceId} and id in (
      select contact_id from contact_email_keys
      where workspace_id = ${workspaceId} and email_key = any(${keys}::text[]))
    ${lock ? sql`for update` : sql``}`.execute(db);
  return r.rows;
}

const recordShape = sql`r(id text, salutation text, title text, first_name text, last_name text,
  letter_salutation text, letter_salutation_custom boolean, emails text[], email_keys text[], phone text,
  mobile text, street text, postal_code text, city text, country text, language text, custom_fields jsonb)`;

function recordsJson(contacts: { id: string; data: ContactData }[]): string {
  return JSON.stringify(
    contacts.map(({ id, data }) => {
      const cols = contactColumns(data);
      return { id, ...cols, custom_fields: data.custom_fields };
    }),
  );
}

export async function insertContacts(
  db: Database,
  workspaceId: string,
  contacts: { id: string; data: ContactData }[],
  now: Date,
) {
  if (contacts.length === 0) return;
  await sql`insert into contacts (id, workspace_id, salutation, title, first_name, last_name, letter_salutation,
      letter_salutation_custom, emails, email_keys, phone, mobile, street, postal_code, city, country, language,
      custom_fields, created_at, updated_at)
    select r.id, ${workspaceId}, r.salutation, r.title, r.first_name, r.last_name, r.letter_salutation,
      r.letter_salutation_custom, r.emails, r.email_keys, r.phone, r.mobile, r.street, r.postal_code, r.city,
      r.country, r.language, r.custom_fields, ${now}::timestamptz, ${now}::timestamptz
    from jsonb_to_recordset(${recordsJson(contacts)}::jsonb) as ${recordShape}`.execute(db);
}

export async function updateContacts(
  db: Database,
  workspaceId: string,
  contacts: { id: string; data: ContactData }[],
  now: Date,
) {
  if (contacts.length === 0) return;
  await sql`update contacts c set salutation = r.salutation, title = r.title, first_name = r.first_name,
      last_name = r.last_name, letter_salutation = r.letter_salutation,
      letter_salutation_custom = r.letter_salutation_custom, emails = r.emails, email_keys = r.email_keys,
      phone = r.phone, mobile = r.mobile, street = r.street, postal_code = r.postal_code, city = r.city,
      country = r.country, language = r.language, custom_fields = r.custom_fields, updated_at = ${now}::timestamptz
    from jsonb_to_recordset(${recordsJson(contacts)}::jsonb) as ${recordShape}
    where c.id = r.id and c.workspace_id = ${workspaceId}`.execute(db);
}

export interface ReportRow {
  row_number: number;
  outcome: "created" | "updated" | "skipped" | "rejected";
  reason: string | null;
  reason_code: string | null;
  reason_params: Record<string, unknown> | null;
  contact_id: string | null;
  raw: Record<string, string> | null;
}

export async function insertReportRows(db: Database, importId: string, rows: ReportRow[]) {
  if (rows.length === 0) return;
  await sql`insert into import_rows (import_id, row_number, outcome, reason, reason_code, reason_params, contact_id, raw)
    select ${importId}, r.row_number, r.outcome, r.reason, r.reason_code, r.reason_params, r.contact_id, r.raw
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(row_number integer, outcome text, reason text, reason_code text, reason_params jsonb,
           contact_id text, raw jsonb)`.execute(db);
}

export async function reportRows(
  db: Database,
  importId: string,
  outcome: ReportRow["outcome"] | undefined,
  afterRow: number | null,
  limit: number,
) {
  let q = db.selectFrom("import_rows").selectAll().where("import_id", "=", importId);
  if (outcome) q = q.where("outcome", "=", outcome);
  if (afterRow !== null) q = q.where("row_number", ">", afterRow);
  return q
    .orderBy("row_number")
    .limit(limit + 1)
    .execute();
}

/** Ends an import; a completed one's total becomes the rows it actually found. */
export async function finishImport(
  db: Database,
  id: string,
  status: "completed" | "failed",
  error: string | null,
  at: Date,
) {
  return db
    .updateTable("imports")
    .set((eb) => ({
      status,
      error,
      finished_at: at,
      lease_until: null,
      total_rows: status === "completed" ? eb.ref("processed_rows") : eb.ref("total_rows"),
    }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
