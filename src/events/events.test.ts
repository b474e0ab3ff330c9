import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { appendEvents, appendEventsForUpdate, type NewMessageEvent } from "./service.js";
import { deriveStatus, informationalEventTypes, type MessageEventType, statusPrecedence } from "./status.js";
import { lockMessages, textArray } from "./store.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

async function newMessage(): Promise<string> {
  const r = await api(env.app, env.ws.editor).post("/v1/messages", {
    to: "kunde@example.org",
    from: "shop@example.org",
    subject: "Ihre Bestellung",
    text: "Danke.",
  });
  expect(r.status, r.text).toBe(202);
  return r.body.id;
}

const stored = (id: string) =>
  env.rt.db
    .selectFrom("messages")
    .select(["status", "status_reason", "error_code"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

function ev(messageId: string, type: MessageEventType, at: number, extra: Partial<NewMessageEvent> = {}) {
  return {
    message_id: messageId,
    workspace_id: env.ws.id,
    type,
    source: "inbound_dsn",
    at: new Date(Date.UTC(2025, 0, 1, 12, 0, at)),
    ...extra,
  };
}

/** Appends as the provider webhook does (webhooks/service.ts storeEvents): the messages locked and their cached
 * statuses read first, the events stored as new (Duplicates "fail"), and once more skipping what is stored when
 * one of them was stored before. */
async function appendAsWebhook(list: NewMessageEvent[]) {
  try {
    const r = await env.rt.db.transaction().execute(async (tx) => {
      const locked = await lockMessages(tx, [...new Set(list.map((e) => e.message_id))]);
      return appendEvents(tx, list, new Date(), { locked, duplicates: "fail", report: [list[0].id ?? ""] });
    });
    expect(r.inserted).toBe(list.length);
    expect([...r.stored]).toEqual([list[0].id]);
  } catch (err) {
    if ((err as { code?: string }).code !== "23505") throw err;
    await appendEvents(env.rt.db, list);
  }
}

describe("appendEvents", () => {
  it("stores a repeated observation once (dedupe_key) and keeps the derived status", async () => {
    const id = await newMessage();
    const dsn = ev(id, "delivered", 5, { detail: "250 2.0.0 delivered", dedupe_key: "dsn:abc" });
    expect((await appendEvents(env.rt.db, [dsn])).inserted).toBe(1);
    expect((await appendEvents(env.rt.db, [dsn, dsn])).inserted).toBe(0);
    const n = await env.rt.db
      .selectFrom("message_events")
      .select("id")
      .where("message_id", "=", id)
      .execute();
    expect(n).toHaveLength(2);
    expect(await stored(id)).toEqual({
      status: "delivered",
      status_reason: "250 2.0.0 delivered",
      error_code: null,
    });
  });

  it("caches the status of every message in a batch, whatever order the events arrive in", async () => {
    const a = await newMessage();
    const b = await newMessage();
    await appendEvents(env.rt.db, [
      ev(a, "delivered", 9),
      ev(b, "soft_bounced", 3, { detail: "mailbox full", error_code: "4.2.2" }),
    ]);
    await appendEvents(env.rt.db, [
      ev(a, "hard_bounced", 1, { detail: "550 5.1.1 user unknown", error_code: "5.1.1" }),
      ev(b, "sent", 1),
    ]);
    expect(await stored(a)).toEqual({
      status: "hard_bounced",
      status_reason: "550 5.1.1 user unknown",
      error_code: "5.1.1",
    });
    expect(await stored(b)).toEqual({
      status: "soft_bounced",
      status_reason: "mailbox full",
      error_code: "4.2.2",
    });
  });

  it("refuses an unknown event type (a programming error, not data)", async () => {
    const id = await newMessage();
    await expect(
      appendEvents(env.rt.db, [{ ...ev(id, "sent", 1), type: "bounced" as MessageEventType }]),
    ).rejects.toThrow(/unknown message event type/);
  });

  it("ends with the same cached status for any split of the same events into appends", async () => {
    const types: MessageEventType[] = [
      "sent",
      "deferred",
      "delivered",
      "opened",
      "soft_bounced",
      "hard_bounced",
      "clicked",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ type: fc.constantFrom(...types), at: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: 3 }),
        async (events, chunk) => {
          const one = await newMessage();
          const many = await newMessage();
          const list = (id: string) =>
            events.map((e, i) => ev(id, e.type, e.at, { id: `evt_${id}_${i}`, detail: `${e.type}@${e.at}` }));
          await appendEvents(env.rt.db, list(one));
          const reversed = list(many).reverse();
          for (let i = 0; i < reversed.length; i += chunk)
            await appendEvents(env.rt.db, reversed.slice(i, i + chunk));
          expect(await stored(many)).toEqual(await stored(one));
        },
      ),
      { numRuns: 15 },
    );
  });

  it("settles a new event that ties the cached status against the stored deciding event, when appended as the webhook does", async () => {
    const id = await newMessage();
    await appendEvents(env.rt.db, [ev(id, "opened", 2, { detail: "later open", id: `evt_${id}_b` })]);
    // An earlier open arrives afterwards: the status stays with the later one.
    await appendAsWebhook([ev(id, "opened", 0, { detail: "earlier open", id: `evt_${id}_a` })]);
    expect(await stored(id)).toMatchObject({ status: "opened", status_reason: "later open" });
    // A later one, and a delivery ranked below the status, in one batch: the later open decides.
    await appendAsWebhook([
      ev(id, "delivered", 5, { detail: "250 ok", id: `evt_${id}_c` }),
      ev(id, "opened", 4, { detail: "latest open", id: `evt_${id}_d` }),
    ]);
    expect(await stored(id)).toMatchObject({ status: "opened", status_reason: "latest open" });
    // A click outranks every open: it decides outright.
    await appendAsWebhook([ev(id, "clicked", 1, { detail: "click", id: `evt_${id}_e` })]);
    expect(await stored(id)).toMatchObject({ status: "clicked", status_reason: "click" });
  });

  it("caches exactly deriveStatus of the stored events, whatever the appends (machine events, duplicates, ties, the webhook's way)", async () => {
    const types = [...Object.keys(statusPrecedence), ...informationalEventTypes] as MessageEventType[];
    const eventArb = fc.record({
      // mostly a few types, so that ties of rank (and blocked vs complained) are common
      type: fc.oneof(
        fc.constantFrom(...types),
        fc.constantFrom<MessageEventType>("opened", "blocked", "complained"),
      ),
      at: fc.integer({ min: 0, max: 2 }),
      machine: fc.boolean(),
      // a few keys only, so that a later event with another content is often a skipped duplicate
      dedupe: fc.option(fc.constantFrom("a", "b", "c")),
      detail: fc.constantFrom("x", "y"),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 8, maxLength: 8 }),
        // which chunks are appended as the provider webhook appends them: locked first, stored as new
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        async (events, chunks, asWebhook) => {
          const id = await newMessage();
          const list = events.map((e, i) =>
            ev(id, e.type, e.at, {
              id: `evt_${id}_${i}`,
              detail: `${e.type}:${e.detail}`,
              error_code: e.detail,
              evidence: { machine: e.machine },
              dedupe_key: e.dedupe,
            }),
          );
          for (let i = 0, k = 0; i < list.length; i += chunks[k++ % chunks.length]) {
            const chunk = list.slice(i, i + chunks[k % chunks.length]);
            if (asWebhook[k % asWebhook.length]) await appendAsWebhook(chunk);
            else await appendEvents(env.rt.db, chunk);
          }
          const rows = await env.rt.db
            .selectFrom("message_events")
            .select(["id", "type", "at", "detail", "error_code", "evidence"])
            .where("message_id", "=", id)
            .execute();
          // Only opens and clicks can be a machine's (src/tracking/machine.ts).
          const machine = (r: { type: string; evidence: unknown }) =>
            (r.type === "opened" || r.type === "clicked") &&
            (r.evidence as { machine?: boolean }).machine === true;
          const expected = deriveStatus(rows.map((r) => ({ ...r, machine: machine(r) })));
          expect(await stored(id)).toEqual({
            status: expected.status,
            status_reason: expected.status_reason,
            error_code: expected.error_code,
          });
        },
      ),
      { numRuns: 60 },
    );
    // 60 runs of a few appends each: minutes on PGlite on a loaded 2-core machine
  }, 300_000);

  it("derives the same status in SQL (appendEvents) as the sending worker does in code (appendEventsForUpdate), mixed in any order", async () => {
    const types = [...Object.keys(statusPrecedence), ...informationalEventTypes] as MessageEventType[];
    const eventArb = fc.record({
      // mostly a few types, so that ties of rank (where `at`, then the id decide) are common
      type: fc.oneof(
        { arbitrary: fc.constantFrom(...types), weight: 1 },
        {
          arbitrary: fc.constantFrom<MessageEventType>("opened", "delivered", "blocked", "complained"),
          weight: 3,
        },
      ),
      at: fc.integer({ min: 0, max: 2 }),
      machine: fc.boolean(),
      dedupe: fc.option(fc.constantFrom("a", "b")),
      // which writer appends the chunk this event starts
      worker: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 8 }), async (events) => {
        const id = await newMessage();
        const list = events.map((e, i) =>
          ev(id, e.type, e.at, {
            id: `evt_${id}_${i}`,
            detail: `${e.type}:${i % 2}`,
            evidence: { machine: e.machine },
            dedupe_key: e.dedupe,
          }),
        );
        for (let i = 0; i < list.length; i += 1 + (i % 2)) {
          const chunk = list.slice(i, i + 1 + (i % 2));
          if (!events[i].worker) {
            await appendEvents(env.rt.db, chunk);
            continue;
          }
          // The worker writes the status it is given into its own UPDATE of the message.
          await env.rt.db.transaction().execute(async (tx) => {
            const { statuses } = await appendEventsForUpdate(tx, chunk, new Date());
            const d = statuses.get(id);
            if (d)
              await tx
                .updateTable("messages")
                .set({ status: d.status, status_reason: d.status_reason, error_code: d.error_code })
                .where("id", "=", id)
                .execute();
          });
        }
        const rows = await env.rt.db
          .selectFrom("message_events")
          .select(["id", "type", "at", "detail", "error_code", "evidence"])
          .where("message_id", "=", id)
          .execute();
        const machine = (r: { type: string; evidence: unknown }) =>
          (r.type === "opened" || r.type === "clicked") &&
          (r.evidence as { machine?: boolean }).machine === true;
        const expected = deriveStatus(rows.map((r) => ({ ...r, machine: machine(r) })));
        expect(await stored(id)).toEqual({
          status: expected.status,
          status_reason: expected.status_reason,
          error_code: expected.error_code,
        });
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it("keeps two writers appending to the same message consistent", async () => {
    const id = await newMessage();
    await Promise.all([
      appendEvents(env.rt.db, [ev(id, "delivered", 2)]),
      appendEvents(env.rt.db, [ev(id, "opened", 3)]),
      appendEvents(env.rt.db, [ev(id, "sent", 1)]),
    ]);
    expect((await stored(id)).status).toBe("opened");
  });
});

describe("textArray", () => {
  it("reaches the database as the very values, whatever characters they hold", async () => {
    // Quotes, backslashes, braces, commas, blanks, the word NULL and empty strings are what array syntax treats
    // specially; null must stay SQL null.
    const special = fc.constantFrom('"', "\\", "{", "}", ",", " ", "NULL", "null", "", "ä", "\t", "'");
    const value = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc
        .array(fc.oneof(special, fc.string({ maxLength: 3 })), { maxLength: 6 })
        .map((parts) => parts.join("")),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 12 }), async (values) => {
        const clean = values.map((v) => (v === null ? null : v.replaceAll("\u0000", "")));
        const r = await sql<{ v: (string | null)[] | null }>`select ${textArray(clean)} as v`.execute(
          env.rt.db,
        );
        expect(r.rows[0].v).toEqual(clean);
      }),
      { numRuns: 200 },
    );
  });
});
