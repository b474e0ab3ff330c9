// The one question every sending path asks: which of these addresses are blocked in this workspace?
import { sql } from "kysely";
import type { Database } from "../db/index.js";
import { textArray } from "../events/store.js";
import { addressHash, type BlockKind } from "./hash.js";

export interface BlockHit {
  address: string;
  entry_id: string;
  reason: string;
}

/** Returns the blocked subset of `addresses` (one query, for batches on the hot path). */
export async function findBlocked(
  db: Database,
  secret: string,
  workspaceId: string,
  addresses: string[],
  kind: BlockKind = "email",
): Promise<Map<string, BlockHit>> {
  const out = new Map<string, BlockHit>();
  if (addresses.length === 0) return out;
  const byHash = new Map<string, string[]>();
  for (const a of addresses) {
    const h = addressHash(secret, kind, a);
    const list = byHash.get(h) ?? [];
    list.push(a);
    byHash.set(h, list);
  }
  const rows = await db
    .selectFrom("blocklist")
    .select(["id", "address_hash", "reason"])
    .where("workspace_id", "=", workspaceId)
    .where("lifted_at", "is", null)
    // One array parameter written here, not one parameter per address: a batch asks about 500 at a time.
    .where("address_hash", "=", sql<string>`any(${textArray([...byHash.keys()])})`)
    .execute();
  for (const r of rows) {
    for (const a of byHash.get(r.address_hash) ?? [])
      out.set(a, { address: a, entry_id: r.id, reason: r.reason });
  }
  return out;
}
