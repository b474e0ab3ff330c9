// The error registry (Fehlerverzeichnis, seed 001): the shipped catalogue merged with what a workspace
// added or changed. explain() is what every failed, dropped or bounced message shows.
import type { Kysely } from "kysely";
import { activityCtx, recordActivity } from "../audit/service.js";
import type { DB } from "../db/schema.js";
import { decodeCursor, encodeCursor } from "../http/pagination.js";
import type { Ctx } from "../runtime.js";
import { Invalid, NotFound } from "../util/errors.js";
import {
  type CatalogueEntry,
  catalogue,
  type Lang,
  type Severity,
  shippedEntry,
  type Texts,
} from "./catalogue.js";
import type { PutEntryBody } from "./schema.js";
import { deleteRow, type EntryRow, findRow, findRows, upsertRow } from "./store.js";

export interface Explanation {
  code: string;
  label: string;
  explanation: string;
  remedy: string;
}

export interface RegistryEntry {
  code: string;
  category: string;
  severity: Severity;
  /** shipped: as delivered; override: the workspace changed shipped texts; custom: the workspace's own code */
  source: "shipped" | "override" | "custom";
  lang: Lang;
  label: string;
  explanation: string;
  remedy: string;
  texts: { label: Texts; explanation: Texts; remedy: Texts };
  /** The shipped texts, when the workspace overrides them (so the UI can show what "reset" restores). */
  shipped?: { label: Texts; explanation: Texts; remedy: Texts; severity: Severity };
  updated_at: Date | null;
  updated_by: string | null;
}

type TextField = "label" | "explanation" | "remedy";
const textFields: TextField[] = ["label", "explanation", "remedy"];

/** One language's text, falling back to the other language when a custom entry has only one. */
function pick(t: Texts, lang: Lang): string {
  return t[lang] || t[lang === "de" ? "en" : "de"];
}

function rowTexts(row: EntryRow, field: TextField): { de: string | null; en: string | null } {
  return { de: row[`${field}_de`], en: row[`${field}_en`] };
}

function merge(shipped: CatalogueEntry | undefined, row: EntryRow | undefined, lang: Lang): RegistryEntry {
  const texts = {} as RegistryEntry["texts"];
  for (const f of textFields) {
    const own = row ? rowTexts(row, f) : { de: null, en: null };
    texts[f] = { de: own.de ?? shipped?.[f].de ?? "", en: own.en ?? shipped?.[f].en ?? "" };
  }
  const code = shipped?.code ?? row?.code ?? "";
  const entry: RegistryEntry = {
    code,
    category: row?.category ?? shipped?.category ?? "custom",
    severity: row?.severity ?? shipped?.severity ?? "soft",
    source: !row ? "shipped" : shipped ? "override" : "custom",
    lang,
    label: pick(texts.label, lang),
    explanation: pick(texts.explanation, lang),
    remedy: pick(texts.remedy, lang),
    texts,
    updated_at: row?.updated_at ?? null,
    updated_by: row?.updated_by ?? null,
  };
  if (row && shipped) {
    entry.shipped = {
      label: shipped.label,
      explanation: shipped.explanation,
      remedy: shipped.remedy,
      severity: shipped.severity,
    };
  }
  return entry;
}

/** The code as stored: a shipped code in its shipped spelling, any other as given. */
function canonical(code: string): string {
  return shippedEntry(code)?.code ?? code.trim();
}

function matches(e: RegistryEntry, q: string): boolean {
  const needle = q.toLowerCase();
  const hay = [e.code, ...textFields.flatMap((f) => [e.texts[f].de, e.texts[f].en])].join("\n").toLowerCase();
  return hay.includes(needle);
}

export interface RegistryFilter {
  q?: string;
  lang: Lang;
  category?: string;
  limit: number;
  cursor?: string;
}

/** Every entry this workspace sees, ordered by code, filtered and paged. */
export async function listEntries(ctx: Ctx, f: RegistryFilter) {
  const rows = await findRows(ctx.rt.db, ctx.workspaceId);
  const own = new Map(rows.map((r) => [r.code, r]));
  const all: RegistryEntry[] = catalogue.map((s) => merge(s, own.get(s.code), f.lang));
  for (const r of rows) if (!shippedEntry(r.code)) all.push(merge(undefined, r, f.lang));
  all.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const after = decodeCursor(f.cursor)?.[0];
  const filtered = all.filter(
    (e) =>
      (after === undefined || e.code > String(after)) &&
      (!f.category || (f.category === "custom" ? e.source === "custom" : e.category === f.category)) &&
      (!f.q || matches(e, f.q)),
  );
  const items = filtered.slice(0, f.limit);
  const more = filtered.length > f.limit;
  return { items, next_cursor: more ? encodeCursor([items[items.length - 1].code]) : null };
}

export async function getEntry(ctx: Ctx, code: string, lang: Lang): Promise<RegistryEntry> {
  const c = canonical(code);
  const row = await findRow(ctx.rt.db, ctx.workspaceId, c);
  const shipped = shippedEntry(c);
  if (!row && !shipped) throw NotFound("error-registry entry", code);
  return merge(shipped, row, lang);
}

/** Adds an own entry, or overrides shipped texts; fields left out keep their current value, null resets. */
export async function putEntry(ctx: Ctx, code: string, body: PutEntryBody): Promise<RegistryEntry> {
  const c = canonical(code);
  const shipped = shippedEntry(c);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await findRow(tx, ctx.workspaceId, c);
    const next = {
      workspace_id: ctx.workspaceId,
      code: c,
      category: pickValue(body.category, before?.category),
      severity: pickValue(body.severity, before?.severity),
      label_de: pickValue(body.label?.de, before?.label_de),
      label_en: pickValue(body.label?.en, before?.label_en),
      explanation_de: pickValue(body.explanation?.de, before?.explanation_de),
      explanation_en: pickValue(body.explanation?.en, before?.explanation_en),
      remedy_de: pickValue(body.remedy?.de, before?.remedy_de),
      remedy_en: pickValue(body.remedy?.en, before?.remedy_en),
      updated_at: ctx.rt.now(),
      updated_by: ctx.actor.name,
    };
    if (!shipped && !next.label_de && !next.label_en) {
      throw Invalid(
        `'${c}' is not in the shipped registry: a new entry needs a label (label.de or label.en).`,
        [{ path: "label", message: "required for a new entry", code: "required", when: { new_entry: true } }],
      );
    }
    const row = await upsertRow(tx, next);
    const beforeEntry = before || shipped ? merge(shipped, before, "de") : null;
    const after = merge(shipped, row, "de");
    await recordActivity(tx, activityCtx(ctx), {
      action: before ? "updated" : "created",
      kind: "error_registry_entry",
      recordId: c,
      summary: shipped
        ? `Fehlerverzeichnis: Texte für ${c} angepasst`
        : `Fehlerverzeichnis: Eintrag ${c} ${before ? "geändert" : "angelegt"}`,
      before: beforeEntry ? snapshot(beforeEntry) : null,
      after: snapshot(after),
    });
    return merge(shipped, row, "de");
  });
}

/** Deletes an own entry, or resets an overridden entry to the shipped text. */
export async function resetEntry(
  ctx: Ctx,
  code: string,
): Promise<{ code: string; reset: boolean; deleted: boolean }> {
  const c = canonical(code);
  const shipped = shippedEntry(c);
  return ctx.rt.db.transaction().execute(async (tx) => {
    const before = await findRow(tx, ctx.workspaceId, c);
    if (!before) {
      if (shipped) throw NotFound(`change to the shipped entry '${c}' (it already shows the shipped text)`);
      throw NotFound("error-registry entry", code);
    }
    await deleteRow(tx, ctx.workspaceId, c);
    await recordActivity(tx, activityCtx(ctx), {
      action: shipped ? "reset" : "deleted",
      kind: "error_registry_entry",
      recordId: c,
      summary: shipped
        ? `Fehlerverzeichnis: ${c} auf den ausgelieferten Text zurückgesetzt`
        : `Fehlerverzeichnis: Eintrag ${c} gelöscht`,
      before: snapshot(merge(shipped, before, "de")),
      after: shipped ? snapshot(merge(shipped, undefined, "de")) : null,
    });
    return { code: c, reset: Boolean(shipped), deleted: !shipped };
  });
}

function pickValue<T>(given: T | null | undefined, current: T | null | undefined): T | null {
  if (given === undefined) return current ?? null;
  return given;
}

function snapshot(e: RegistryEntry): Record<string, unknown> {
  return { severity: e.severity, category: e.category, ...e.texts };
}

/** The entry a message shows for its error code: the workspace's text if it changed it, else the shipped
 * one; null when the code is unknown to both. */
export async function explain(
  db: Kysely<DB>,
  workspaceId: string,
  code: string,
  lang: Lang = "de",
): Promise<Explanation | null> {
  const c = canonical(code);
  const shipped = shippedEntry(c);
  const row = await findRow(db, workspaceId, c);
  if (!row && !shipped) return null;
  const e = merge(shipped, row, lang);
  return { code: e.code, label: e.label, explanation: e.explanation, remedy: e.remedy };
}
