// The wire path (pglite-wire.ts) against PGlite's own query(): the same rows, values, counts and errors for
// the types Poststelle binds and reads. A PGlite of its own (in memory, from the suite's migrated dump when
// there is one), whatever DATABASE_URL says: the codec is PGlite's alone.
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PGliteWire } from "./pglite-wire.js";
import {
  binaryOnPglite,
  nameOf,
  PGLITE_BINARY_MARK,
  PGLITE_PREPARED_MARK,
  PREPARED_MARK,
} from "./prepared.js";

let pg: PGlite;
let wire: PGliteWire;

beforeAll(async () => {
  const dump = inject("pgliteDump");
  pg = dump ? new PGlite({ loadDataDir: new Blob([fs.readFileSync(dump)]) }) : new PGlite();
  await pg.waitReady;
  wire = new PGliteWire(pg);
  await pg.exec(`
    create table wire_t (id text primary key, n int, big bigint, ok boolean, at timestamptz, doc jsonb, raw bytea,
                    tags text[], body text);`);
}, 180_000);
afterAll(async () => {
  await pg.close();
});

/** What query() answers, in the shape the wire path answers it. */
async function viaQuery(text: string, params: unknown[]) {
  const r = await pg.query<Record<string, unknown>>(text, params);
  return { rows: r.rows, affectedRows: r.affectedRows ?? 0 };
}

async function bothFail(text: string, params: unknown[]) {
  const a = await viaQuery(text, params).then(
    () => null,
    (e) => e,
  );
  const b = await wire.query(text, params).then(
    () => null,
    (e) => e,
  );
  return [a, b];
}

const umlauts = "Guten Tag, wir bestätigen Ihren Termin – Grüße aus Köln 👋\n".repeat(120);

describe("PGlite's wire path", () => {
  it("binds and reads every type the stores use as query() does, large and unicode values included", async () => {
    const params = [
      "m1",
      42,
      "9007199254740993",
      true,
      new Date("2026-11-24T09:00:00.123Z"),
      JSON.stringify({ a: [1, "ü"], b: null }),
      new Uint8Array([0, 1, 2, 254, 255]),
      ["a", 'b"c', "d\\e", null, "ö"],
      umlauts,
    ];
    const insert = `insert into wire_t values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) returning *`;
    const w = await wire.query(insert, params);
    await pg.query("delete from wire_t");
    expect(w).toEqual(await viaQuery(insert, params));
    expect(w.rows[0].body).toBe(umlauts);
    expect(w.affectedRows).toBe(1);
    const select =
      "select *, n + 1 as m, null::text as nothing from wire_t where id = any($1::text[]) order by id";
    expect(await wire.query(select, [["m1", "x"]])).toEqual(await viaQuery(select, [["m1", "x"]]));
  });

  it("binds a text[] of strings in binary form: the server gets the same strings, no literal is built", async () => {
    const awkward = [
      "",
      "NULL",
      "null",
      '"',
      "\\",
      "a,b",
      "{x}",
      " pad ",
      "tab\there\nline\r",
      "ü👋",
      "ß".repeat(3000),
    ];
    const cases: (string | null)[][] = [[], [null], [null, null], awkward, [...awkward, null, "end"]];
    const text =
      "select i, x, x is null as gone from unnest($1::text[]) with ordinality as u(x, i) order by i";
    const viaLiteral = await Promise.all(cases.map((c) => viaQuery(text, [c])));
    // PGlite's serializer for text[] (quoting and escaping each element) is not asked any more
    const serializers = pg.serializers as Record<number, (v: unknown) => string>;
    const serialize = serializers[1009];
    serializers[1009] = () => {
      throw new Error("text[] made a literal");
    };
    try {
      for (const [k, c] of cases.entries()) {
        const r = await wire.query(text, [c]);
        expect(r).toEqual(viaLiteral[k]);
        expect(r.rows.map((row) => row.x)).toEqual(c);
      }
      // two arrays and a scalar in one Bind; an array of numbers still goes through the serializer
      const two = await wire.query("select $1::text[] as a, $2::text as t, $3::text[] as b", [
        ["x", null],
        "y",
        awkward,
      ]);
      expect(two.rows).toEqual([{ a: ["x", null], t: "y", b: awkward }]);
      await expect(wire.query("select $1::text[] as a", [[1, 2]])).rejects.toThrow("text[] made a literal");
    } finally {
      serializers[1009] = serialize;
    }
  });

  it("reads a statement marked for binary results as its text form reads, arrays and times included", async () => {
    const awkward = [
      "",
      "NULL",
      '"',
      "\\",
      "a,b",
      "{x}",
      " pad ",
      "tab\there\nline",
      "ü👋",
      "ß".repeat(3000),
    ];
    // times to the microsecond on either side of 1970 and 2000 (the text form's fraction is cut to the
    // millisecond), and the infinities
    const times = [
      "2026-11-24 09:00:00.123456+00",
      "2026-11-24 09:00:00.999999+00",
      "1999-12-31 23:59:59.9995+00",
      "2000-01-01 00:00:00.0005+00",
      "1969-12-31 23:59:59.9995+00",
      "1900-06-01 12:00:00.000001+02",
      "2262-01-01 00:00:00+00",
    ];
    const text = `select $1::text[] as texts, $2::timestamptz[] as times, array[true, null, false] as flags,
           array[1, null, -7]::int4[] as ints, array[]::text[] as empty, null::text[] as none,
           array_agg(x order by i) as agg, 'ü'::text as t, 3::int2 as s, -5 as n, false as b,
           $3::timestamptz as at, '{"a": [1, "ü"]}'::json as j, '{"b": null}'::jsonb as jb,
           array['{"c": 2}'::jsonb, null] as jbs, 'x'::varchar as v
      from unnest($1::text[]) with ordinality u(x, i)`;
    const params = [[...awkward, null], times, "2026-11-24 09:00:00.123456+00"];
    const asText = await wire.query(text, params);
    const binary = await wire.query(`${PGLITE_BINARY_MARK}${text}`, params);
    expect(binary).toEqual(asText);
    expect(binary.rows[0].texts).toEqual([...awkward, null]);
    expect((binary.rows[0].times as Date[]).map((d) => d.toISOString())).toEqual([
      "2026-11-24T09:00:00.123Z",
      "2026-11-24T09:00:00.999Z",
      "1999-12-31T23:59:59.999Z",
      "2000-01-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
      "1900-06-01T10:00:00.000Z",
      "2262-01-01T00:00:00.000Z",
    ]);
    const inf = `select array['infinity', '-infinity', null]::timestamptz[] as a, 'infinity'::timestamptz as b`;
    const infBinary = await wire.query(`${PGLITE_BINARY_MARK}${inf}`, []);
    expect(infBinary).toEqual(await wire.query(inf, []));
    expect(infBinary.rows[0].b).toBe(Number.POSITIVE_INFINITY);
    // kept prepared and binary at once; a type it does not read is named in the error
    const both = `${PGLITE_PREPARED_MARK}${PGLITE_BINARY_MARK}${text}`;
    expect(binaryOnPglite(both)).toBe(true);
    expect(binaryOnPglite(text)).toBe(false);
    expect(await wire.query(both, params)).toEqual(asText);
    expect(await wire.query(both, params)).toEqual(asText);
    await expect(wire.query(`${PGLITE_BINARY_MARK}select 1.5::numeric as x`, [])).rejects.toThrow(
      /type 1700 \(column "x"\)/,
    );
    await expect(wire.query(`${PGLITE_BINARY_MARK}select array[array[1]] as x`, [])).rejects.toThrow(
      /dimensions/,
    );
    expect((await wire.query("select $1::int + 1 as v", [1])).rows).toEqual([{ v: 2 }]);
    // the statement kept here is not the next test's business
    await pg.query("deallocate all");
  });

  it("counts the rows of updates and deletes, and answers statements without parameters", async () => {
    for (let i = 2; i <= 4; i++) await wire.query("insert into wire_t (id, n) values ($1, $2)", [`m${i}`, i]);
    // m1 (42), m3 and m4
    expect(await wire.query("update wire_t set n = n * 10 where n >= $1", [3])).toEqual({
      rows: [],
      affectedRows: 3,
    });
    const sel = "select id, n from wire_t order by id";
    expect(await wire.query(sel, [])).toEqual(await viaQuery(sel, []));
    expect(await wire.query("delete from wire_t where id <> 'm1'", [])).toEqual({
      rows: [],
      affectedRows: 3,
    });
    expect((await wire.query("begin", [])).affectedRows).toBe(0);
    await wire.query("insert into wire_t (id) values ($1)", ["in-tx"]);
    await wire.query("rollback", []);
    expect((await wire.query("select count(*)::int as c from wire_t", [])).rows).toEqual([{ c: 1 }]);
  });

  it("takes a batch of 500 bodies of 5 KB in one statement", async () => {
    const bodies = Array.from({ length: 500 }, (_, i) => `${i}:${umlauts}`);
    const placeholders = bodies.map((_, i) => `$${i + 1}`).join(", ");
    const r = await wire.query(
      `select n, (array[${placeholders}])[n] as body from generate_series(1, 500) n order by n`,
      bodies,
    );
    expect(r.rows.map((row) => row.body)).toEqual(bodies);
  });

  it("throws PGlite's DatabaseError with the same code, constraint and message, and goes on working", async () => {
    const dup = await bothFail("insert into wire_t (id) values ($1)", ["m1"]);
    const syntax = await bothFail("selec $1", [1]);
    const noParams = await bothFail("select 1/0", []);
    for (const [a, b] of [dup, syntax, noParams]) {
      expect(b).toBeInstanceOf(a.constructor);
      expect(b.message).toBe(a.message);
      for (const k of ["code", "severity", "constraint", "detail", "table", "position", "routine"])
        expect(b[k], k).toEqual(a[k]);
      expect(b.query).toBe(a.query);
    }
    expect(dup[1].code).toBe("23505");
    expect(syntax[1].code).toBe("42601");
    expect((await wire.query("select $1::int + 1 as v", [1])).rows).toEqual([{ v: 2 }]);
  });

  it("keeps a statement marked for PGlite prepared under its name, and answers as an unnamed one does", async () => {
    const kept = async () =>
      (await pg.query<{ name: string }>("select name from pg_prepared_statements order by name")).rows.map(
        (r) => r.name,
      );
    const text = `${PREPARED_MARK}${PGLITE_PREPARED_MARK}select $1::int + n as v, $2::text[] as tags from wire_t where id = any($3::text[]) order by id`;
    const plain = text.slice(PREPARED_MARK.length + PGLITE_PREPARED_MARK.length);
    await wire.query("insert into wire_t (id, n) values ($1, $2), ($3, $4)", ["k1", 1, "k2", 2]);
    expect(await kept()).toEqual([]);
    for (let i = 0; i < 7; i++) {
      const params = [i, ["a", 'b"c', null], ["k1", "k2", "x"]];
      expect(await wire.query(text, params)).toEqual(await viaQuery(plain, params));
    }
    // Parsed once, under the name PostgreSQL's pool gives it too; PREPARED_MARK alone stays unnamed here,
    // PGLITE_PREPARED_MARK alone is kept.
    expect(await kept()).toEqual([nameOf(text)]);
    const pgOnly = `${PREPARED_MARK}select $1::int as v`;
    expect((await wire.query(pgOnly, [5])).rows).toEqual([{ v: 5 }]);
    expect(await kept()).toEqual([nameOf(text)]);
    const pgliteOnly = `${PGLITE_PREPARED_MARK}select $1::int as v`;
    expect((await wire.query(pgliteOnly, [6])).rows).toEqual([{ v: 6 }]);
    expect((await kept()).sort()).toEqual([nameOf(text), nameOf(pgliteOnly)].sort());
    await pg.query(`deallocate "${nameOf(pgliteOnly)}"`);
    expect((await wire.query(pgliteOnly, [6]).catch((e) => e)).code).toBe("26000");
    // An error while running the kept statement is the statement's, and it stays kept.
    const bad = await wire.query(text, ["x", [], []]).then(
      () => null,
      (e) => e,
    );
    expect(bad.code).toBe("22P02");
    // Gone from the session (DEALLOCATE): the next call fails, and the one after parses it again.
    await pg.query("deallocate all");
    const gone = await wire.query(text, [1, [], ["k1"]]).then(
      () => null,
      (e) => e,
    );
    expect(gone.code).toBe("26000");
    expect((await wire.query(text, [1, [], ["k1"]])).rows).toEqual([{ v: 2, tags: [] }]);
    expect(await kept()).toEqual([nameOf(text)]);
    await pg.query("delete from wire_t where id in ('k1', 'k2')");
  });
});
