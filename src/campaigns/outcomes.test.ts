// The campaign worker writes its SMTP outcomes in one statement (queue-store.ts writeOutcomes) instead of
// appendEvents' lock-read-derive. The invariant that makes this safe: whatever events a message already
// has (a DSN that overtook the SMTP reply, an earlier deferral…), the status written equals deriveStatus
// over all its events — the same answer appendEvents would give.
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../../test/harness.js";
import { appendEvents } from "../events/service.js";
import { deriveStatus, type StatusEventType } from "../events/status.js";
import { newId } from "../util/ids.js";
import { insertUnknownMessages, writeOutcomes } from "./queue-store.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const earlier: StatusEventType[] = [
  "queued",
  "deferred",
  "unknown",
  "sent",
  "soft_bounced",
  "delivered",
  "opened",
  "hard_bounced",
  "blocked",
  "complained",
  "failed",
];
const outcomes = ["sent", "deferred", "failed", "unknown"] as const;

async function newMessage(): Promise<string> {
  const id = newId("msg");
  const now = new Date();
  await env.rt.db
    .insertInto("messages")
    .values({
      id,
      workspace_id: env.ws.id,
      to_address: "kunde@example.org",
      from_address: "info@example.org",
      message_id_header: `<${id}@example.org>`,
      return_path: `bounce+${id}@bounces.example`,
      attachments: "[]",
      send_state: "sending",
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

describe("writeOutcomes", () => {
  it("leaves every message with the status deriveStatus gives over all its events", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...earlier), { maxLength: 3 }),
        fc.constantFrom(...outcomes),
        async (before, outcome) => {
          const id = await newMessage();
          const t0 = Date.now() - 60_000;
          await appendEvents(
            env.rt.db,
            before.map((type, i) => ({
              message_id: id,
              workspace_id: env.ws.id,
              type,
              source: "test",
              at: new Date(t0 + i * 1000),
              detail: `${type} before`,
              error_code: type === "hard_bounced" ? "5.1.1" : null,
            })),
            new Date(),
          );
          await writeOutcomes(
            env.rt.db,
            { campaignId: "cmp_none", owner: "test" },
            {
              created: [],
              queued: null,
              updated: [
                { id, send_state: "done", attempts: 1, queue_id: null, sent_at: new Date(), derived: null },
              ],
              events: [
                {
                  id: newId("evt"),
                  message_id: id,
                  workspace_id: env.ws.id,
                  type: outcome,
                  source: "smtp",
                  detail: `${outcome} now`,
                  evidence: "{}",
                  dedupe_key: "attempt:1",
                  error_code: outcome === "failed" ? "5.7.1" : null,
                },
              ],
              recipients: [],
            },
            new Date(),
          );
          const events = await env.rt.db
            .selectFrom("message_events")
            .select(["id", "type", "at", "detail", "error_code"])
            .where("message_id", "=", id)
            .execute();
          const m = await env.rt.db
            .selectFrom("messages")
            .select(["status", "status_reason", "error_code"])
            .where("id", "=", id)
            .executeTakeFirstOrThrow();
          const d = deriveStatus(events);
          expect(events).toHaveLength(before.length + 1);
          expect({ status: m.status, reason: m.status_reason, code: m.error_code }).toEqual({
            status: d.status,
            reason: d.status_reason,
            code: d.error_code,
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keeps a delivery a DSN reported before the SMTP reply was recorded", async () => {
    const id = await newMessage();
    await appendEvents(env.rt.db, [
      { message_id: id, workspace_id: env.ws.id, type: "delivered", source: "inbound_dsn", detail: "2.0.0" },
    ]);
    await writeOutcomes(
      env.rt.db,
      { campaignId: "cmp_none", owner: "test" },
      {
        created: [],
        queued: null,
        updated: [
          { id, send_state: "done", attempts: 1, queue_id: "Q1", sent_at: new Date(), derived: null },
        ],
        events: [
          {
            id: newId("evt"),
            message_id: id,
            workspace_id: env.ws.id,
            type: "sent",
            source: "smtp",
            detail: "Accepted",
            evidence: "{}",
            dedupe_key: "attempt:1",
            error_code: null,
          },
        ],
        recipients: [],
      },
      new Date(),
    );
    const r = await sql<{ status: string; send_state: string; queue_id: string }>`
      select status, send_state, queue_id from messages where id = ${id}`.execute(env.rt.db);
    expect(r.rows[0]).toEqual({ status: "delivered", send_state: "done", queue_id: "Q1" });
  });
});

describe("the record set of a group (shared fields sent once)", () => {
  it("stores every row's own values, whether a field is shared by all rows, some or none", async () => {
    const value = <T>(...xs: T[]) => fc.constantFrom(...xs);
    const row = fc.record({
      from_name: value(null, "Praxis", 'Schölz "Q" \\ ü'),
      reply_to: value(null, "antwort@example.org"),
      campaign_id: value(null, "cmp_a", "cmp_b"),
      archive_bcc: value(null, "archiv@example.org"),
      attempts: value(0, 1, 3),
      minute: value(0, 1),
      send_state: value("done" as const, "unknown" as const, "sending" as const),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 6 }), async (rows) => {
        const messages = rows.map((r) => {
          const id = newId("msg");
          return {
            id,
            workspace_id: env.ws.id,
            contact_id: null as unknown as string,
            to_address: `${id}@example.org`,
            from_address: "info@example.org",
            from_name: r.from_name,
            reply_to: r.reply_to,
            subject: `Betreff ${id}`,
            template_id: null,
            campaign_id: r.campaign_id as string,
            transport_id: null,
            message_id_header: `<${id}@example.org>`,
            return_path: `b+${id}@example.org`,
            archive_bcc: r.archive_bcc,
            resent_from: null,
            owner: "w1",
            created_at: new Date(Date.UTC(2026, 0, 1, 0, r.minute)),
            send_state: r.send_state,
            attempts: r.attempts,
            queue_id: null,
            sent_at: null,
          };
        });
        await insertUnknownMessages(env.rt.db, messages, new Date());
        const stored = await env.rt.db
          .selectFrom("messages")
          .select([
            "id",
            "from_name",
            "reply_to",
            "campaign_id",
            "archive_bcc",
            "attempts",
            "created_at",
            "send_state",
          ])
          .where(
            "id",
            "in",
            messages.map((m) => m.id),
          )
          .orderBy("id")
          .execute();
        expect(stored.map((m) => ({ ...m, created_at: new Date(m.created_at).getTime() }))).toEqual(
          messages.map((m) => ({
            id: m.id,
            from_name: m.from_name,
            reply_to: m.reply_to,
            campaign_id: m.campaign_id,
            archive_bcc: m.archive_bcc,
            attempts: m.attempts,
            created_at: m.created_at.getTime(),
            send_state: m.send_state,
          })),
        );
      }),
      { numRuns: 40 },
    );
  });
});
