// PGlite's data directory is emscripten's NODEFS over node:fs. One of its answers made cheaper: "no such
// file" for a relation's free-space map or visibility map (`<relfilenode>_fsm`, `_vm`).
//
// Why: while a btree index has no free-space map — and a btree only gets one when VACUUM finds a deleted
// page — PostgreSQL asks whether the map exists (smgrexists: an open of `…_fsm`) every time the index
// takes a new page; a growing index asks at every page split (~5,700 times in a first sync fetch of
// 100,000 members). NODEFS answers a lookup with fs.lstatSync, which for a missing file has Node build an
// exception (an Error with its stack) that NODEFS then catches and turns into ENOENT. Here the same
// question is put with { throwIfNoEntry: false } and a missing fork file is answered with the same ENOENT
// without that exception. Anything else, and a fork file that exists, goes NODEFS's own way.
import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

/** The part of emscripten's file system this touches (Module.NODEFS, Module.FS.ErrnoError). */
interface EmNode {
  name: string;
}
interface EmNodeFs {
  node_ops: { lookup(parent: EmNode, name: string): EmNode };
  realPath(node: EmNode): string;
  convertNodeCode(e: { code: string }): number;
}
interface EmFs {
  ErrnoError: new (errno: number) => Error;
}

const FORK_FILE = /_(fsm|vm)$/;
const patched = new WeakSet<object>();

/**
 * Makes a missing fork file's lookup cheap in this PGlite's NODEFS. Returns false when PGlite's file
 * system does not have the expected shape (another PGlite build): then nothing is changed.
 */
export function cheapMissingForkLookups(pg: PGlite): boolean {
  const mod = pg.Module as unknown as { FS?: EmFs; NODEFS?: EmNodeFs };
  const FS = mod.FS;
  const nodefs = mod.NODEFS;
  const ops = nodefs?.node_ops;
  if (
    !FS?.ErrnoError ||
    !nodefs ||
    !ops ||
    typeof ops.lookup !== "function" ||
    typeof nodefs.realPath !== "function"
  )
    return false;
  if (patched.has(ops)) return true;
  const lookup = ops.lookup;
  const enoent = nodefs.convertNodeCode({ code: "ENOENT" });
  ops.lookup = function forkAwareLookup(this: unknown, parent: EmNode, name: string) {
    if (FORK_FILE.test(name)) {
      const file = path.join(nodefs.realPath(parent), name);
      if (fs.lstatSync(file, { throwIfNoEntry: false }) === undefined) throw new FS.ErrnoError(enoent);
    }
    return lookup.call(this, parent, name);
  };
  patched.add(ops);
  return true;
}
