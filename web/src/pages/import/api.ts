// The import API (POST /v1/imports, multipart; GET /v1/imports, newest first; GET /v1/imports/{id};
// GET /v1/imports/{id}/rows; POST /v1/imports/{id}/resume).
import { api, request } from "../../api/client";

export interface ImportStatus {
  id: string;
  status: "queued" | "running" | "completed" | "failed";
  dry_run: boolean;
  filename: string | null;
  columns: Record<string, string | null> | null;
  unmapped_columns: string[];
  counts: {
    total: number;
    processed: number;
    created: number;
    updated: number;
    skipped: number;
    rejected: number;
  };
  rate: number | null;
  eta: string | null;
  error: string | null;
  /** Its process ended mid-file and the file is kept: POST …/resume goes on after the last committed row. */
  resumable?: boolean;
  /** Its process ended mid-file (status failed), whether or not it can be resumed. */
  interrupted?: boolean;
  on_duplicate?: "skip" | "update" | null;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
}

/** The status in words' key: an interrupted import is "interrupted", not "failed". */
export const statusKey = (s: ImportStatus) =>
  s.status === "failed" && s.interrupted ? "interrupted" : s.status;

/** How far it got, in whole percent. */
export const percentDone = (c: ImportStatus["counts"]) =>
  c.total > 0 ? Math.round((c.processed / c.total) * 100) : 0;

export interface ImportRow {
  row: number;
  outcome: string;
  reason: string | null;
  /** The reason as a code with its values, worded per language (i18n/reasons.ts). */
  reason_code?: string | null;
  reason_params?: Record<string, unknown> | null;
  contact_id: string | null;
  raw: Record<string, string> | null;
}

export interface ImportOptions {
  file: File;
  dryRun: boolean;
  delimiter: string;
  onDuplicate: "skip" | "update";
  mapping?: Record<string, string | null>;
}

export function startImport(o: ImportOptions): Promise<ImportStatus> {
  const form = new FormData();
  // Text fields before the file: the server reads the stream in order.
  if (o.mapping) form.append("mapping", JSON.stringify(o.mapping));
  form.append("dry_run", o.dryRun ? "true" : "false");
  if (o.delimiter) form.append("delimiter", o.delimiter);
  form.append("on_duplicate", o.onDuplicate);
  form.append("file", o.file, o.file.name);
  return request<ImportStatus>("/v1/imports", { method: "POST", body: form });
}

export const finished = (s: ImportStatus) => s.status === "completed" || s.status === "failed";

/** Goes on with an interrupted import after its last committed row (202; then follow it). */
export function resumeImport(id: string): Promise<ImportStatus> {
  return api.post<ImportStatus>(`/v1/imports/${id}/resume`, {});
}

/** Polls the import until it ends, reporting each state (the progress bar). */
export async function followImport(
  id: string,
  onUpdate: (s: ImportStatus) => void,
  isLive: () => boolean,
): Promise<ImportStatus> {
  for (;;) {
    const s = await api.get<ImportStatus>(`/v1/imports/${id}`);
    if (!isLive()) return s;
    onUpdate(s);
    if (finished(s)) return s;
    await new Promise((r) => setTimeout(r, 400));
  }
}

/** How many rejected and how many skipped rows the report shows (the first ones of each). */
export const PROBLEM_ROWS = 200;

export async function problemRows(id: string): Promise<ImportRow[]> {
  const [rejected, skipped] = await Promise.all([
    api.get<{ items: ImportRow[] }>(`/v1/imports/${id}/rows`, { outcome: "rejected", limit: PROBLEM_ROWS }),
    api.get<{ items: ImportRow[] }>(`/v1/imports/${id}/rows`, { outcome: "skipped", limit: PROBLEM_ROWS }),
  ]);
  return [...rejected.items, ...skipped.items].sort((a, b) => a.row - b.row);
}

/** Every rejected row of the import, page by page (the report shows only the first ones). */
export async function rejectedRows(id: string): Promise<ImportRow[]> {
  const rows: ImportRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<{ items: ImportRow[]; next_cursor: string | null }>(`/v1/imports/${id}/rows`, {
      outcome: "rejected",
      limit: 500,
      cursor,
    });
    rows.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return rows;
}
