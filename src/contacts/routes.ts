// /v1/contacts (with consent and the DSGVO export and erasure) and /v1/imports (CSV import of contacts).
import path from "node:path";
import { decodeCursor, toPage } from "../http/pagination.js";
import { defineRoute } from "../http/route.js";
import { Invalid, NotFound } from "../util/errors.js";
import { consentState, recordConsent } from "./consent.js";
import { claimResume, createImport, importOut, rawInFileOrder, startImport, startResume } from "./import.js";
import { findImport, listImports, reportRows } from "./import-store.js";
import { receiveUpload, removeUpload } from "./import-upload.js";
import { eraseContact, exportContact } from "./privacy.js";
import {
  createContactBody,
  deleteContactQuery,
  idParam,
  importFormFields,
  importRowsQuery,
  importsListQuery,
  listContactsQuery,
  recordConsentBody,
  updateContactBody,
} from "./schema.js";
import { createContact, deleteContact, getContact, listContacts, updateContact } from "./service.js";

const tag = "contacts";

export const contactRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/contacts",
    auth: "workspace",
    tag,
    summary:
      "Create a contact. E-mail addresses are validated and normalised (IDN domains to punycode); the first is " +
      "the one mailings use. letter_salutation is generated from salutation, title and name in the contact's " +
      "language unless given.",
    status: 201,
    body: createContactBody,
    handler: ({ body, ctx }) => createContact(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/contacts",
    auth: "workspace",
    tag,
    summary:
      "List contacts. Filters: q (words in first or last name), email (exact address), consent " +
      "(channel/purpose:granted|withdrawn|none, e.g. email/marketing:granted), list_id and/or " +
      "subscription_status (list membership), custom.<field>=value (a custom field equals value; repeatable). " +
      "sort=created_at|-created_at|last_name|-last_name (default -created_at); cursor pagination.",
    query: listContactsQuery,
    handler: ({ query, ctx }) => listContacts(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/contacts/:id",
    auth: "workspace",
    tag,
    summary: "Get a contact with its current consent per channel and purpose",
    params: idParam,
    handler: ({ params, ctx }) => getContact(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/contacts/:id",
    auth: "workspace",
    tag,
    summary:
      "Change a contact: given fields replace (emails replaces the list), address and custom_fields are merged " +
      "(a custom field set to null is removed); letter_salutation: null returns to the generated one",
    params: idParam,
    body: updateContactBody,
    handler: ({ params, body, ctx }) => updateContact(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/contacts/:id",
    auth: "workspace",
    tag,
    summary:
      "Delete a contact (its subscriptions and consent history go with it; use /erase for DSGVO erasure)",
    status: 204,
    params: idParam,
    query: deleteContactQuery,
    handler: async ({ params, query, ctx }) => {
      await deleteContact(ctx, params.id, query.linked_members);
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/contacts/:id/consents",
    auth: "workspace",
    tag,
    summary:
      "Record consent given or withdrawn for a channel and purpose, with its evidence (appends to the history)",
    status: 201,
    params: idParam,
    body: recordConsentBody,
    handler: ({ params, body, ctx }) => recordConsent(ctx, params.id, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/contacts/:id/consents",
    auth: "workspace",
    tag,
    summary: "Current consent per channel and purpose with its evidence, and the full history (newest first)",
    params: idParam,
    handler: ({ params, ctx }) => consentState(ctx, params.id),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/contacts/:id/export",
    auth: "workspace",
    tag,
    summary:
      "DSGVO Art. 15: everything stored about the contact as one JSON document (contact, consent history, " +
      "subscriptions, messages with their timelines, blocklist entries, activities, import rows)",
    params: idParam,
    handler: ({ params, ctx }) => exportContact(ctx, params.id),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/contacts/:id/erase",
    auth: "workspace",
    role: "admin",
    tag,
    summary:
      "DSGVO Art. 17 (admins): erase the contact and its personal data from messages and logs; message " +
      "timelines stay with the addresses replaced, a blocklisted address stays blocked by its keyed hash",
    params: idParam,
    handler: ({ params, ctx }) => eraseContact(ctx, params.id),
  }),
];

const importTag = "imports";

export const importRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/imports",
    auth: "workspace",
    tag: importTag,
    summary:
      "Import contacts from a CSV file (multipart/form-data: file; optional fields mapping = JSON " +
      '{"column": "field" | "custom.<name>" | null}, dry_run = true|false, delimiter, on_duplicate = skip|update). ' +
      "Delimiter (; , tab), encoding (UTF-8 with or without BOM, Windows-1252) and German/English headers are " +
      "recognised. Answers 202; poll GET /v1/imports/{id}.",
    status: 202,
    rawBody: true,
    handler: async ({ ctx, req }) => {
      const upload = await receiveUpload(req.raw, req.headers, path.join(ctx.rt.config.dataDir, "imports"));
      try {
        const form = importFormFields.parse(upload.fields);
        const imp = await createImport(ctx, {
          filePath: upload.filePath,
          filename: upload.filename,
          mapping: form.mapping,
          dryRun: form.dry_run === "true",
          delimiter: form.delimiter,
          onDuplicate: form.on_duplicate ?? "skip",
        });
        startImport(ctx, imp.id, upload.filePath, () => removeUpload(upload.filePath));
        return importOut(imp, ctx.rt.now());
      } catch (e) {
        await removeUpload(upload.filePath);
        throw e;
      }
    },
  }),
  defineRoute({
    method: "POST",
    url: "/v1/imports/:id/resume",
    auth: "workspace",
    tag: importTag,
    summary:
      "Resume an import whose process ended mid-file (GET shows status failed, resumable true): it goes on " +
      "after the last committed row with the kept file, so no row is imported twice. 409 while it runs, once " +
      "it has ended, or when its file is gone (then upload the file again). Answers 202; poll GET /v1/imports/{id}.",
    status: 202,
    params: idParam,
    handler: async ({ params, ctx }) => {
      const r = await claimResume(ctx, params.id);
      const uploads = path.join(ctx.rt.config.dataDir, "imports");
      // An uploaded file goes once the import ends, as after a first run; a CLI user's own file stays.
      const cleanup = () =>
        path.dirname(r.filePath) === path.resolve(uploads) ? removeUpload(r.filePath) : Promise.resolve();
      startResume(ctx, r, cleanup);
      return importOut(r.imp, ctx.rt.now());
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/imports",
    auth: "workspace",
    tag: importTag,
    summary: "List imports, newest first; ?dry_run=false leaves the dry runs out, true lists only them",
    query: importsListQuery,
    handler: async ({ query, ctx }) => {
      const c = decodeCursor(query.cursor);
      const dryRun = query.dry_run === undefined ? undefined : query.dry_run === "true";
      const rows = await listImports(
        ctx.rt.db,
        ctx.workspaceId,
        c ? String(c[0]) : null,
        query.limit,
        dryRun,
      );
      const now = ctx.rt.now();
      return toPage(
        rows,
        query.limit,
        (r) => importOut(r, now),
        (r) => [r.id],
      );
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/imports/:id",
    auth: "workspace",
    tag: importTag,
    summary: "An import's progress: status queued|running|completed|failed, counts, rate (rows/s) and eta",
    params: idParam,
    handler: async ({ params, ctx }) => {
      const r = await findImport(ctx.rt.db, ctx.workspaceId, params.id);
      if (!r) throw NotFound("import", params.id);
      return importOut(r, ctx.rt.now());
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/imports/:id/rows",
    auth: "workspace",
    tag: importTag,
    summary:
      "The import's report per row (row number as a spreadsheet counts it, outcome, reason, raw values of " +
      "skipped and rejected rows); ?outcome=rejected for the rows that need fixing",
    params: idParam,
    query: importRowsQuery,
    handler: async ({ params, query, ctx }) => {
      const r = await findImport(ctx.rt.db, ctx.workspaceId, params.id);
      if (!r) throw NotFound("import", params.id);
      const c = decodeCursor(query.cursor);
      if (c && !Number.isInteger(c[0])) throw Invalid("The cursor is not one this server issued.");
      const rows = await reportRows(ctx.rt.db, r.id, query.outcome, c ? Number(c[0]) : null, query.limit);
      return toPage(
        rows,
        query.limit,
        (x) => ({
          row: x.row_number,
          outcome: x.outcome,
          reason: x.reason,
          // Added for the dashboard's translations; `reason` stays as it was (DESIGN §9).
          reason_code: x.reason_code,
          reason_params: x.reason_params,
          contact_id: x.contact_id,
          raw: rawInFileOrder(r, x.raw),
        }),
        (x) => [x.row_number],
      );
    },
  }),
];
