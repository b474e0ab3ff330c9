// Templates (issue 4 §1): CRUD with an activity for every write, validation of merge fields and syntax at
// save time, preview for a contact, and rendering for messages from templates compiled once and cached per
// (id, version, updated_at) — the sending path never re-parses a template per recipient.
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Database } from "../db/index.js";
import { decodeCursor, type Page, toPage } from "../http/pagination.js";
import type { Ctx, Runtime } from "../runtime.js";
import { Conflict, Invalid, NotFound } from "../util/errors.js";
import { newId } from "../util/ids.js";
import {
  type CompiledTemplate,
  checkParts,
  compileTemplate,
  type TemplateProblem,
  templateInvalid,
} from "./engine.js";
import { type MergeVars, PlaceholderDrop, sampleContact } from "./merge-fields.js";
import { compileMjml } from "./mjml.js";
import type {
  CreateTemplateInput,
  DraftPreviewInput,
  ListTemplatesQuery,
  PreviewInput,
  UpdateTemplateInput,
} from "./schema.js";
import {
  deleteTemplateRow,
  findContactForMerge,
  findTemplate,
  findTemplateVersion,
  insertTemplate,
  listTemplateRows,
  nameTaken,
  type TemplateRow,
  updateTemplateRow,
} from "./store.js";

export { type CompiledTemplate, compileTemplate } from "./engine.js";
export type { MergeVars } from "./merge-fields.js";

export const TEMPLATE = "template";

export interface Rendered {
  subject: string;
  html: string | null;
  text: string | null;
}

export function templateOut(t: TemplateRow) {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    language: t.language,
    subject: t.subject,
    html: t.html,
    text: t.text,
    mjml: t.mjml,
    version: t.version,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}
export type TemplateOut = ReturnType<typeof templateOut>;

function activityView(t: TemplateOut): Record<string, unknown> {
  const { id: _id, created_at: _c, updated_at: _u, version: _v, ...rest } = t;
  return rest;
}

/** The stored parts of a template: html is the compiled MJML when mjml is given. */
interface TemplateParts {
  subject: string;
  html: string | null;
  text: string | null;
  mjml: string | null;
}

/** Validates every part (syntax, merge fields, MJML) and compiles MJML; throws 400 with all problems. */
async function validatedParts(parts: TemplateParts): Promise<TemplateParts> {
  if (parts.html === null && parts.text === null && parts.mjml === null) {
    throw Invalid("A template needs a body: html, mjml or text.", [
      { part: "html", line: null, column: null, message: "give html, mjml or text" },
    ]);
  }
  let html = parts.html;
  const problems: TemplateProblem[] = checkParts({
    subject: parts.subject,
    mjml: parts.mjml,
    text: parts.text,
  });
  if (parts.mjml !== null && problems.every((p) => p.part !== "mjml")) {
    const compiled = await compileMjml(parts.mjml);
    if ("problems" in compiled) problems.push(...compiled.problems);
    else html = compiled.html;
  }
  if (html !== null && problems.every((p) => p.part !== "mjml")) {
    const fromMjml = parts.mjml !== null;
    for (const p of checkParts({ html })) {
      problems.push(fromMjml ? { ...p, message: `${p.message} (in the HTML compiled from the MJML)` } : p);
    }
  }
  if (problems.length > 0) throw templateInvalid(problems);
  return { subject: parts.subject, html, text: parts.text, mjml: parts.mjml };
}

/** A contact of this workspace, for rendering; another workspace's contact is 404 like an unknown one. */
export async function requireMergeContact(db: Database, workspaceId: string, id: string) {
  const row = await findContactForMerge(db, workspaceId, id);
  if (!row) throw NotFound("contact", id);
  return row;
}

async function requireTemplate(db: Database, workspaceId: string, id: string, forUpdate = false) {
  const row = await findTemplate(db, workspaceId, id, forUpdate);
  if (!row) throw NotFound(TEMPLATE, id);
  return row;
}

async function assertNameFree(db: Database, workspaceId: string, name: string, exceptId?: string) {
  if (await nameTaken(db, workspaceId, name, exceptId)) {
    throw Conflict(`A template named '${name}' already exists in this workspace; choose another name.`);
  }
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === "23505";

function nameConflict(name: string) {
  return Conflict(`A template named '${name}' already exists in this workspace; choose another name.`);
}

export async function createTemplate(ctx: Ctx, input: CreateTemplateInput): Promise<TemplateOut> {
  const parts = await validatedParts({
    subject: input.subject,
    html: input.html ?? null,
    text: input.text ?? null,
    mjml: input.mjml ?? null,
  });
  const now = ctx.rt.now();
  try {
    return await ctx.rt.db.transaction().execute(async (tx) => {
      await assertNameFree(tx, ctx.workspaceId, input.name);
      const row = await insertTemplate(tx, {
        id: newId("tpl", now.getTime()),
        workspace_id: ctx.workspaceId,
        name: input.name,
        kind: input.kind,
        language: input.language,
        ...parts,
        created_at: now,
        updated_at: now,
      });
      const out = templateOut(row);
      await recordActivity(tx, activityCtx(ctx), {
        action: "created",
        kind: TEMPLATE,
        recordId: row.id,
        summary: `Template '${row.name}' created`,
        after: activityView(out),
      });
      return out;
    });
  } catch (err) {
    throw isUniqueViolation(err) ? nameConflict(input.name) : err;
  }
}

export async function getTemplate(ctx: Ctx, id: string): Promise<TemplateOut> {
  return templateOut(await requireTemplate(ctx.rt.db, ctx.workspaceId, id));
}

export async function listTemplates(ctx: Ctx, query: ListTemplatesQuery): Promise<Page<TemplateOut>> {
  const cursor = decodeCursor(query.cursor);
  const afterId = cursor && typeof cursor[0] === "string" ? cursor[0] : null;
  const rows = await listTemplateRows(ctx.rt.db, ctx.workspaceId, query, afterId);
  return toPage(rows, query.limit, templateOut, (r) => [r.id]);
}

/** The parts after a change: html given replaces an MJML source; mjml given is compiled to html anew. */
function changedParts(before: TemplateRow, patch: UpdateTemplateInput): TemplateParts {
  let html = before.html;
  let mjml = before.mjml;
  if (patch.mjml !== undefined) {
    mjml = patch.mjml;
    html = patch.mjml === null ? (patch.html ?? null) : null;
  } else if (patch.html !== undefined) {
    html = patch.html;
    mjml = null;
  }
  return {
    subject: patch.subject ?? before.subject,
    html,
    text: patch.text === undefined ? before.text : patch.text,
    mjml,
  };
}

export async function updateTemplate(ctx: Ctx, id: string, patch: UpdateTemplateInput): Promise<TemplateOut> {
  const current = await requireTemplate(ctx.rt.db, ctx.workspaceId, id);
  const parts = await validatedParts(changedParts(current, patch));
  try {
    return await ctx.rt.db.transaction().execute(async (tx) => {
      const before = await requireTemplate(tx, ctx.workspaceId, id, true);
      if (before.version !== current.version) {
        throw Conflict(`Template '${id}' was changed by someone else meanwhile; load it again and retry.`);
      }
      if (patch.name !== undefined) await assertNameFree(tx, ctx.workspaceId, patch.name, id);
      const row = await updateTemplateRow(tx, ctx.workspaceId, id, {
        name: patch.name ?? before.name,
        kind: patch.kind ?? before.kind,
        language: patch.language ?? before.language,
        ...parts,
        updated_at: ctx.rt.now(),
      });
      const out = templateOut(row);
      await recordActivity(tx, activityCtx(ctx), {
        action: "updated",
        kind: TEMPLATE,
        recordId: id,
        summary: `Template '${row.name}' changed`,
        before: activityView(templateOut(before)),
        after: activityView(out),
      });
      return out;
    });
  } catch (err) {
    throw isUniqueViolation(err) ? nameConflict(patch.name ?? current.name) : err;
  }
}

export async function deleteTemplate(ctx: Ctx, id: string): Promise<TemplateOut> {
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await requireTemplate(tx, ctx.workspaceId, id, true);
    await deleteTemplateRow(tx, ctx.workspaceId, id);
    const out = templateOut(before);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: TEMPLATE,
      recordId: id,
      summary: `Template '${before.name}' deleted`,
      before: activityView(out),
    });
    forgetCompiled(ctx.workspaceId, id);
    return out;
  });
}

// Compiled templates, most recently used last. Keyed by workspace and id; an entry is current while the
// row's version and updated_at are unchanged.
const CACHE_LIMIT = 500;
const compiledCache = new Map<string, { stamp: string; compiled: CompiledTemplate }>();

const cacheKey = (workspaceId: string, id: string) => `${workspaceId}:${id}`;
const stampOf = (r: { version: number; updated_at: Date }) =>
  `${r.version}:${new Date(r.updated_at).getTime()}`;

function forgetCompiled(workspaceId: string, id: string) {
  compiledCache.delete(cacheKey(workspaceId, id));
}

function cachedCompiled(key: string, stamp: string): CompiledTemplate | null {
  const hit = compiledCache.get(key);
  if (!hit || hit.stamp !== stamp) return null;
  compiledCache.delete(key);
  compiledCache.set(key, hit);
  return hit.compiled;
}

function compiledFor(row: TemplateRow): CompiledTemplate {
  const key = cacheKey(row.workspace_id, row.id);
  const stamp = stampOf(row);
  const hit = cachedCompiled(key, stamp);
  if (hit) return hit;
  const compiled = compileTemplate(row);
  compiledCache.set(key, { stamp, compiled });
  if (compiledCache.size > CACHE_LIMIT) {
    const oldest = compiledCache.keys().next().value;
    if (oldest !== undefined) compiledCache.delete(oldest);
  }
  return compiled;
}

/** A stored template compiled once (cached); a campaign renders every recipient with the result. */
export async function getCompiledTemplate(rt: Runtime, workspaceId: string, templateId: string) {
  const current = await findTemplateVersion(rt.db, workspaceId, templateId);
  if (!current) throw NotFound(TEMPLATE, templateId);
  const hit = cachedCompiled(cacheKey(workspaceId, templateId), stampOf(current));
  if (hit) return hit;
  return compiledFor(await requireTemplate(rt.db, workspaceId, templateId));
}

/** Renders a stored template with every kind of merge variable (campaigns add campaign, list and
 * unsubscribe_url). Throws Invalid (part, line, column) when a field has no value or a filter fails. */
export async function renderTemplate(
  rt: Runtime,
  workspaceId: string,
  templateId: string,
  vars: MergeVars,
): Promise<Rendered> {
  const compiled = await getCompiledTemplate(rt, workspaceId, templateId);
  return compiled.render({ ...vars, today: vars.today ?? rt.now() });
}

/** Renders a stored template for one message. `vars` holds `contact` (the contact record, if any) and
 * `data` (the caller's merge data). Throws Invalid (with line and column) on unknown fields or syntax errors. */
export async function renderForMessage(
  rt: Runtime,
  workspaceId: string,
  templateId: string,
  vars: { contact?: Record<string, unknown> | null; data?: Record<string, unknown> },
): Promise<Rendered> {
  return renderTemplate(rt, workspaceId, templateId, { contact: vars.contact, data: vars.data });
}

/** Renders a template as preview and test send show it: for a chosen contact (or a sample one), with
 * campaign.*, list.* and unsubscribe_url standing in; without `data`, data.* fields show as placeholders so
 * the layout can be judged; with `data`, a missing field is reported as at sending. */
export async function renderSample(ctx: Ctx, id: string, input: PreviewInput) {
  const row = await requireTemplate(ctx.rt.db, ctx.workspaceId, id);
  const contact = input.contact_id
    ? await requireMergeContact(ctx.rt.db, ctx.workspaceId, input.contact_id)
    : sampleContact;
  const rendered = compiledFor(row).render(sampleVars(ctx, contact, input.data));
  return { template: row, rendered };
}

/** The merge variables of a preview: campaign.*, list.* and, without data, data.* as placeholders. */
function sampleVars(ctx: Ctx, contact: Record<string, unknown>, data: Record<string, unknown> | undefined) {
  return {
    contact,
    data: data ?? new PlaceholderDrop("data"),
    campaign: new PlaceholderDrop("campaign"),
    list: new PlaceholderDrop("list"),
    unsubscribe_url: `${ctx.rt.config.publicUrl}/unsubscribe/preview`,
    today: ctx.rt.now(),
  };
}

/** The editor's live preview: checks and renders parts that are not saved yet, exactly as saving would
 * check them (400 with part, line and column for every problem) and as a preview of the saved template
 * renders them. Nothing is stored or cached. */
export async function previewDraft(ctx: Ctx, input: DraftPreviewInput) {
  const parts = await validatedParts({
    subject: input.subject,
    html: input.html ?? null,
    text: input.text ?? null,
    mjml: input.mjml ?? null,
  });
  const contact = input.contact_id
    ? await requireMergeContact(ctx.rt.db, ctx.workspaceId, input.contact_id)
    : sampleContact;
  const rendered = compileTemplate(parts).render(sampleVars(ctx, contact, input.data));
  return { template_id: null, contact_id: input.contact_id ?? null, ...rendered };
}

export async function previewTemplate(ctx: Ctx, id: string, input: PreviewInput) {
  const { template, rendered } = await renderSample(ctx, id, input);
  return { template_id: template.id, contact_id: input.contact_id ?? null, ...rendered };
}
