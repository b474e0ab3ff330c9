// A batch's insert into messages: ON CONFLICT (the Idempotency-Key's arbiter) only when a row names a key.
// Without one no row can conflict on it, and ON CONFLICT would still make every row a speculative insertion.
import type { KyselyPlugin, RootOperationNode } from "kysely";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
const inserts: string[] = [];
const recorder: KyselyPlugin = {
  transformQuery({ node }: { node: RootOperationNode }) {
    const text = JSON.stringify(node);
    if (text.includes("insert into messages")) inserts.push(text);
    return node;
  },
  async transformResult({ result }) {
    return result;
  },
};

beforeAll(async () => {
  env = await createTestEnv();
  env.rt.db = env.rt.db.withPlugin(recorder);
});
afterAll(async () => {
  await env?.close();
});

const editor = () => api(env.app, env.ws.editor);
let seq = 0;
function message(over: Record<string, unknown> = {}) {
  seq++;
  return {
    to: `k${seq}@example.org`,
    from: "praxis@example.org",
    subject: `Termin ${seq}`,
    text: "Guten Tag",
    ...over,
  };
}

async function stored(ids: string[]) {
  const r = await sql<{ id: string }>`select id from messages where id = any(${ids}::text[])`.execute(
    env.rt.db,
  );
  return r.rows.map((x) => x.id).sort();
}

describe("storing a batch", () => {
  it("inserts a batch without idempotency keys without ON CONFLICT, and stores every message", async () => {
    inserts.length = 0;
    const r = await editor().post("/v1/messages/batch", { messages: [message(), message(), message()] });
    expect(r.status, r.text).toBe(202);
    const ids = r.body.items.map((x: { id: string }) => x.id);
    expect(ids).toHaveLength(3);
    expect(await stored(ids)).toEqual([...ids].sort());
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).not.toMatch(/on conflict/i);
  });

  it("keeps ON CONFLICT when a row names a key: a repeated key is a replay, not a second message", async () => {
    const key = `k-${Date.now()}`;
    inserts.length = 0;
    const keyed = message({ idempotency_key: key });
    const first = await editor().post("/v1/messages/batch", { messages: [keyed, message()] });
    expect(first.status, first.text).toBe(202);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).toMatch(/on conflict/i);
    const again = await editor().post("/v1/messages/batch", { messages: [keyed] });
    expect(again.status, again.text).toBe(202);
    expect(again.body.items[0].id).toBe(first.body.items[0].id);
    expect(again.body.items[0].idempotent_replay).toBe(true);
  });

  it("sends a value every row of the batch shares once, and stores each row's own values as given", async () => {
    inserts.length = 0;
    const r = await editor().post("/v1/messages/batch", {
      messages: [
        message({ subject: "Gleich", text: "Erste Nachricht", tags: ["a"] }),
        message({ subject: "Gleich", text: "Zweite Nachricht – mit Ümlaut", tags: ["a"] }),
        message({ subject: "Gleich", text: "Dritte", tags: ["b", "c"], data: { n: 3 } }),
      ],
    });
    expect(r.status, r.text).toBe(202);
    expect(inserts).toHaveLength(1);
    // Per row: what differs (the address, body, tags, data, ids); shared: sender, subject, state, transport.
    // (The times are each message's own: shared only when the whole batch was prepared within a millisecond.)
    for (const c of ["to_address", "text_body", "tags", "data", "message_id_header"])
      expect(inserts[0]).toContain(`r.${c}`);
    for (const c of ["workspace_id", "from_address", "subject", "send_state", "status", "transport_id"])
      expect(inserts[0]).not.toContain(`r.${c}`);
    const ids = r.body.items.map((x: { id: string }) => x.id);
    const rows = await env.rt.db
      .selectFrom("messages")
      .select([
        "id",
        "workspace_id",
        "to_address",
        "from_address",
        "subject",
        "text_body",
        "tags",
        "data",
        "attachments",
        "read_receipt",
        "send_state",
        "status",
        "created_at",
        "next_attempt_at",
        "message_id_header",
      ])
      .where("id", "in", ids)
      .orderBy("id")
      .execute();
    expect(rows.map((x) => x.id)).toEqual([...ids].sort());
    const byId = new Map(rows.map((x) => [x.id, x]));
    const [a, b, c] = ids.map((id: string) => byId.get(id)!);
    for (const x of [a, b, c]) {
      expect(x).toMatchObject({
        workspace_id: env.ws.id,
        from_address: "praxis@example.org",
        subject: "Gleich",
        attachments: [],
        read_receipt: false,
        send_state: "queued",
        status: "queued",
      });
      expect(x.message_id_header).toContain(x.id);
      expect(new Date(x.next_attempt_at).getTime()).toBe(new Date(x.created_at).getTime());
    }
    expect(new Set(rows.map((x) => x.to_address)).size).toBe(3);
    expect([a.text_body, b.text_body, c.text_body]).toEqual([
      "Erste Nachricht",
      "Zweite Nachricht – mit Ümlaut",
      "Dritte",
    ]);
    expect([a.tags, b.tags, c.tags]).toEqual([["a"], ["a"], ["b", "c"]]);
    expect([a.data, b.data, c.data]).toEqual([null, null, { n: 3 }]);
  });

  it("stores tags and data that every row of the batch shares as given", async () => {
    inserts.length = 0;
    const tags = ["rechnung", 'mit "Anführung", Komma und {Klammer}'];
    const r = await editor().post("/v1/messages/batch", {
      messages: [
        message({ text: "Eins", tags, data: { kunde: "Ä", n: [1, 2] } }),
        message({ text: "Zwei", tags, data: { kunde: "Ä", n: [1, 2] } }),
      ],
    });
    expect(r.status, r.text).toBe(202);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).not.toContain("r.tags");
    const ids = r.body.items.map((x: { id: string }) => x.id);
    const rows = await env.rt.db
      .selectFrom("messages")
      .select(["tags", "data"])
      .where("id", "in", ids)
      .execute();
    expect(rows).toHaveLength(2);
    for (const x of rows) {
      expect(x.tags).toEqual(tags);
      expect(x.data).toEqual({ kunde: "Ä", n: [1, 2] });
    }
  });
});
