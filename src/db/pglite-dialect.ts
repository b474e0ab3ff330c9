// A Kysely dialect for PGlite (Postgres in WASM, in-process). PGlite has exactly one connection, so the
// driver hands it out under a mutex: a transaction holds it from BEGIN to COMMIT and nothing interleaves.
// Written here because it is ~60 lines and the published adapters lag PGlite's releases.
import type { PGlite } from "@electric-sql/pglite";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";
import { PGliteWire } from "./pglite-wire.js";

class Mutex {
  private tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const prev = this.tail;
    this.tail = prev.then(() => next);
    return prev.then(() => release);
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(
    private readonly pg: PGlite,
    private readonly wire: PGliteWire,
  ) {}
  /** `COPY … FROM '/dev/blob'` with `body` as the file it reads (PGlite's blob device; PostgreSQL has none). */
  async copyFromText(statement: string, body: string): Promise<void> {
    await this.pg.query(statement, [], { blob: new Blob([body]) });
  }
  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (q.parameters.length === 0 && /;\s*\S/.test(q.sql)) {
      // Several statements (a migration file): only the simple query protocol accepts those.
      const all = await this.pg.exec(q.sql);
      const last = all[all.length - 1];
      return { rows: (last?.rows ?? []) as R[] };
    }
    const res = await this.wire.query(q.sql, q.parameters);
    return { rows: res.rows as R[], numAffectedRows: BigInt(res.affectedRows) };
  }
  // biome-ignore lint/correctness/useYield: streaming is not offered by PGlite; Kysely requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported on PGlite");
  }
}

/** The connection as PGlite's, when it is one: the caller holds it (and the dialect's mutex) while it runs. */
export function pgliteConnectionOf(c: DatabaseConnection): Pick<PGliteConnection, "copyFromText"> | null {
  return c instanceof PGliteConnection ? c : null;
}

class PGliteDriver implements Driver {
  private readonly mutex = new Mutex();
  private readonly releases = new Map<DatabaseConnection, () => void>();
  private readonly wire: PGliteWire;
  constructor(private readonly pg: PGlite) {
    this.wire = new PGliteWire(pg);
  }
  async init() {
    await this.pg.waitReady;
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.lock();
    // Every acquire gets its own wrapper so releases pair up exactly.
    const c = new PGliteConnection(this.pg, this.wire);
    this.releases.set(c, release);
    return c;
  }
  async beginTransaction(c: DatabaseConnection) {
    await c.executeQuery({ sql: "begin", parameters: [] } as unknown as CompiledQuery);
  }
  async commitTransaction(c: DatabaseConnection) {
    await c.executeQuery({ sql: "commit", parameters: [] } as unknown as CompiledQuery);
  }
  async rollbackTransaction(c: DatabaseConnection) {
    await c.executeQuery({ sql: "rollback", parameters: [] } as unknown as CompiledQuery);
  }
  async releaseConnection(c: DatabaseConnection) {
    const release = this.releases.get(c);
    this.releases.delete(c);
    release?.();
  }
  async destroy() {
    await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's introspector is typed over any database.
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
