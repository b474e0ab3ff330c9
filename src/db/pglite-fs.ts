// PGlite's data directory is emscripten's NODEFS over node:fs. One of its answers made cheaper: "no such
// file" for a relation's free-space map or visibility map (`<relfilenode>_fsm`, `_vm`).
//
// Why: while a btree index has no free-space map — and a btree only gets one when VACUUM finds a deleted
// page — PostgreSQL asks whether the map exists (smgrexists: an open of `…_fsm`) every time the index
// takes a new page; a growing index asks at every page split (~5,700 times in a first sync fetch of
// 100,000 members). NODEFS answers a lookup with fs.lstatSync, which for a missing file has Node build an
// exception (an Error with its stack) that NODEFS then catches and turns into ENOENT. Here the same
// question is put with { throwIfNoEntry: false } and a missing fork file is answered with the same ENOENT
// without that exception. Anything else, and a fork file that exists, goes NODEFS's own way. A fork file found
// missing is remembered until this PGlite creates a file of that name: the lookup, its path and its lstat
// were still ~1.7 % of the transactional benchmark's thread (every page a growing index takes asks again).
import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

/** The part of emscripten's file system this touches (Module.NODEFS, Module.FS.ErrnoError). */
interface EmNode {
  name: string;
}
type NodeOp = (this: unknown, ...args: never[]) => unknown;
interface EmNodeFs {
  node_ops: { lookup(parent: EmNode, name: string): EmNode } & Record<string, NodeOp | undefined>;
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
  const creators = ["mknod", "symlink", "rename"] as const;
  if (creators.some((op) => typeof ops[op] !== "function")) return false;
  const lookup = ops.lookup;
  const enoent = nodefs.convertNodeCode({ code: "ENOENT" });
  // The fork files found missing, by directory node. Every file this PGlite creates is made through its
  // directory's mknod (an open with O_CREAT), symlink or rename (the target), which take the name off the
  // list first; the data directory is this PGlite's alone while it is open.
  const missing = new WeakMap<EmNode, Set<string>>();
  const forget = (dir: EmNode, name: string) => {
    missing.get(dir)?.delete(name);
  };
  ops.lookup = function forkAwareLookup(this: unknown, parent: EmNode, name: string) {
    if (FORK_FILE.test(name)) {
      const known = missing.get(parent);
      if (known?.has(name)) throw new FS.ErrnoError(enoent);
      const file = path.join(nodefs.realPath(parent), name);
      if (fs.lstatSync(file, { throwIfNoEntry: false }) === undefined) {
        if (known) known.add(name);
        else missing.set(parent, new Set([name]));
        throw new FS.ErrnoError(enoent);
      }
    }
    return lookup.call(this, parent, name);
  };
  for (const op of creators) {
    const original = ops[op] as (this: unknown, ...args: unknown[]) => unknown;
    // mknod(parent, name, …) and symlink(parent, name, …) name the new entry first; rename(node, dir, name)
    // after the node that moves.
    ops[op] = function forgetMissing(this: unknown, ...args: unknown[]) {
      if (op === "rename") forget(args[1] as EmNode, String(args[2]));
      else forget(args[0] as EmNode, String(args[1]));
      return original.apply(this, args);
    } as NodeOp;
  }
  patched.add(ops);
  return true;
}
