// Cursor pagination (DESIGN §9): ?limit= (default 50, at most 500) and ?cursor=; body { items, next_cursor }.
// A cursor is the opaque, base64url-encoded sort key of the last item returned, with a short check of it.
import { createHash } from "node:crypto";
import { z } from "zod";
import { Invalid } from "../util/errors.js";

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The check makes a cursor this server did not issue (typed by hand, cut short, or built from another
 * route's key) a clear 400 instead of a page that silently starts somewhere else. It is not a secret: the
 * key only decides where a page starts, and every query stays within the caller's workspace. */
function check(json: string): string {
  return createHash("sha256").update("poststelle-cursor\0").update(json).digest("base64url").slice(0, 8);
}

export function encodeCursor(key: unknown[]): string {
  const json = JSON.stringify(key);
  return `${Buffer.from(json).toString("base64url")}.${check(json)}`;
}

export function decodeCursor(cursor: string | undefined): unknown[] | null {
  if (!cursor) return null;
  const dot = cursor.indexOf(".");
  if (dot > 0) {
    const json = Buffer.from(cursor.slice(0, dot), "base64url").toString("utf8");
    if (cursor.slice(dot + 1) === check(json)) {
      try {
        const v = JSON.parse(json);
        if (Array.isArray(v) && v.length > 0) return v;
      } catch {
        /* fall through */
      }
    }
  }
  throw Invalid("The cursor is not one this server issued; start again without ?cursor=.");
}

/** rows were fetched with limit + 1; the extra row only tells whether another page exists. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (r: R) => T,
  keyOf: (r: R) => unknown[],
): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return {
    items: pageRows.map(map),
    next_cursor: more ? encodeCursor(keyOf(pageRows[pageRows.length - 1])) : null,
  };
}
