// Marked statements go to PostgreSQL as named prepared statements, one name per text, at most 64 per
// connection; everything else passes through unchanged.
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { PREPARED_MARK, preparingPool } from "./prepared.js";

function fakePool() {
  const calls: unknown[][] = [];
  let released = 0;
  const client = {
    query: (...args: unknown[]) => {
      calls.push(args);
      return Promise.resolve({ rows: [], rowCount: 0, command: "SELECT" });
    },
    release: () => {
      released++;
    },
  };
  const pool = { connect: async () => client, end: async () => {} } as unknown as pg.Pool;
  return { pool, calls, released: () => released };
}

describe("preparingPool", () => {
  it("names marked statements by their text and leaves others unnamed", async () => {
    const f = fakePool();
    const pool = preparingPool(f.pool);
    const c = await pool.connect();
    const marked = `${PREPARED_MARK}select $1::int`;
    await c.query("select 1", []);
    await c.query(marked, [1]);
    await c.query(marked, [2]);
    await c.query(`${PREPARED_MARK}select $1::text`, ["x"]);
    expect(f.calls[0]).toEqual(["select 1", []]);
    const [a, b, other] = f.calls
      .slice(1)
      .map((x) => x[0] as { name: string; text: string; values: unknown[] });
    expect(a).toMatchObject({ text: marked, values: [1] });
    expect(a.name).toMatch(/^ps_/);
    expect(b).toEqual({ ...a, values: [2] });
    expect(other.name).not.toBe(a.name);
    c.release();
    expect(f.released()).toBe(1);
    // The same connection comes back as the same wrapper.
    expect(await pool.connect()).toBe(c);
  });

  it("runs marked statements unnamed once a connection keeps 64", async () => {
    const f = fakePool();
    const c = await preparingPool(f.pool).connect();
    for (let i = 0; i < 65; i++) await c.query(`${PREPARED_MARK}select ${i}`, []);
    await c.query(`${PREPARED_MARK}select 0`, []);
    expect(f.calls.slice(0, 64).every((x) => typeof x[0] === "object")).toBe(true);
    expect(f.calls[64]).toEqual([`${PREPARED_MARK}select 64`, []]);
    expect(typeof f.calls[65][0]).toBe("object");
  });
});
