// Contacts (issue 3 item 1): create, read, change, delete and list with filters. Every write records an
// activity with before/after in the same transaction (seed 000).
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Row } from "../db/schema.js";
import { decodeCursor, type Page, toPage } from "../http/pagination.js";
import type { Ctx } from "../runtime.js";
import { type LinkedMembersChoice, proposeEmailChange, settleLinkedMembers } from "../sync/hooks.js";
import { normaliseEmail } from "../util/email.js";
import { Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import { currentConsents } from "./consent.js";
import {
  applyContactChange,
  type ContactOut,
  contactColumns,
  contactData,
  contactOut,
  newContactData,
  newContactRow,
} from "./contact.js";
import type { CreateContactInput, ListContactsQuery, UpdateContactInput } from "./schema.js";
import {
  CONTACT,
  deleteContactRow,
  insertContact,
  listContactRows,
  listExists,
  requireContact,
  updateContactRow,
} from "./store.js";

/** The activity's picture of a contact: its API shape without id and timestamps. */
function activityView(c: ContactOut): Record<string, unknown> {
  const { id: _id, created_at: _c, updated_at: _u, ...rest } = c;
  return rest;
}

/** One contact with its current consent per channel and purpose. */
export async function contactWithConsents(db: Database, row: Row<"contacts">) {
  return { ...contactOut(row), consents: await currentConsents(db, row.workspace_id, row.id) };
}

export async function createContact(ctx: Ctx, input: CreateContactInput) {
  const data = newContactData(input);
  const now = ctx.rt.now();
  return ctx.rt.db.transaction().execute(async (tx) => {
    const row = await insertContact(
      tx,
      newContactRow(data, newId("con", now.getTime()), ctx.workspaceId, now),
    );
    const out = contactOut(row);
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: CONTACT,
      recordId: row.id,
      summary: "Contact created",
      after: activityView(out),
    });
    return { ...out, consents: [] };
  });
}

export async function getContact(ctx: Ctx, id: string) {
  return contactWithConsents(ctx.rt.db, await requireContact(ctx.rt.db, ctx.workspaceId, id));
}

export async function updateContact(ctx: Ctx, id: string, patch: UpdateContactInput) {
  const result = await ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireContact(tx, ctx.workspaceId, id, true);
    const data = applyContactChange(contactData(before), patch);
    const row = await updateContactRow(tx, ctx.workspaceId, id, {
      ...contactColumns(data),
      updated_at: ctx.rt.now(),
    });
    // List sync: a new first address is followed in the tools on the next transmit (issue 6 item 6).
    if ((before.emails[0] ?? null) !== (row.emails[0] ?? null)) {
      await proposeEmailChange(tx, activityCtx(ctx), id, row.emails[0] ?? null);
    }
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: CONTACT,
      recordId: id,
      summary: "Contact changed",
      before: activityView(contactOut(before)),
      after: activityView(contactOut(row)),
    });
    return row;
  });
  return contactWithConsents(ctx.rt.db, result);
}

/** Deletes the contact; its subscriptions and consent history go with it, its messages stay (contact_id
 * becomes null). Erasure of personal data everywhere is eraseContact in privacy.ts. */
export async function deleteContact(ctx: Ctx, id: string, linkedMembers?: LinkedMembersChoice) {
  await requireContact(ctx.rt.db, ctx.workspaceId, id);
  // List sync (seed 003 §8.2): members the tools know are unsubscribed or deleted there first, if asked.
  await settleLinkedMembers(ctx.rt, ctx.workspaceId, id, linkedMembers);
  await ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireContact(tx, ctx.workspaceId, id, true);
    await deleteContactRow(tx, ctx.workspaceId, id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: CONTACT,
      recordId: id,
      summary: "Contact deleted",
      before: activityView(contactOut(before)),
      after: null,
    });
  });
}

/** created_at as PostgreSQL prints it (microseconds kept, so paging never skips a row). */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

export async function listContacts(ctx: Ctx, query: ListContactsQuery): Promise<Page<ContactOut>> {
  const db = ctx.rt.db;
  if (query.list_id && !(await listExists(db, ctx.workspaceId, query.list_id))) {
    throw NotFound("list", query.list_id);
  }
  const emailKey = query.email ? normaliseEmail(query.email, "email").key : undefined;
  // The cursor carries its sort, so a cursor of one order is never read as a position in another.
  const cursor = decodeCursor(query.cursor);
  if (cursor && (cursor.length !== 3 || cursor.some((k) => typeof k !== "string"))) {
    throw Invalid("The cursor is not one this server issued; start again without ?cursor=.");
  }
  if (cursor && cursor[0] !== query.sort) {
    throw Invalid(`The cursor belongs to sort=${cursor[0]}; keep the sort while paging or start again.`);
  }
  if (cursor && query.sort.endsWith("created_at") && !PG_TIMESTAMP.test(String(cursor[1]))) {
    throw Invalid("The cursor is not one this server issued; start again without ?cursor=.");
  }
  const rows = await listContactRows(
    db,
    ctx.workspaceId,
    { ...query, emailKey },
    cursor?.slice(1) ?? null,
  ).catch((e: unknown) => {
    // A forged cursor with an impossible date (2024-02-31) fails as a PostgreSQL data exception (22xxx).
    if (cursor && String((e as { code?: unknown }).code ?? "").startsWith("22")) {
      throw Invalid("The cursor is not one this server issued; start again without ?cursor=.");
    }
    throw e;
  });
  return toPage(rows, query.limit, contactOut, (r) => [query.sort, r.sort_key, r.id]);
}
