import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { rowLocksMatter } from "../db/index.js";
import { appendEventsForUpdate } from "../events/service.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const admin = () => api(env.app, env.ws.admin);

async function message(to: string): Promise<string> {
  const r = await api(env.app, env.ws.editor).post("/v1/messages", {
    to,
    from: "praxis@scholz.example",
    subject: "Termin",
    text: "Hallo",
  });
  expect(r.status, r.text).toBe(202);
  return r.body.id;
}

/** The worker's way of recording a batch's events; answers the statements it ran. */
async function recordSent(messageId: string) {
  const rec = recordingDb(env);
  try {
    await rec.db.transaction().execute((tx) =>
      appendEventsForUpdate(
        tx,
        [
          {
            message_id: messageId,
            workspace_id: env.ws.id,
            type: "sent",
            source: "smtp",
            detail: "250 OK",
          },
        ],
        new Date(),
        { rowLocks: rowLocksMatter(env.rt.dbKind) },
      ),
    );
    return rec.ran.map((q) => q.sql);
  } finally {
    await rec.close();
  }
}

const deliveriesInsert = (statements: string[]) =>
  statements.filter((s) => /insert into webhook_deliveries/.test(s));

describe("status change deliveries from the sending worker", () => {
  it("are not looked for, beyond one small question, while no enabled endpoint subscribes to them", async () => {
    // An endpoint for other events, and a disabled one for status changes: neither subscribes.
    const other = await admin().post("/v1/webhook-endpoints", {
      url: "http://127.0.0.1:9/hooks",
      events: ["contact.unsubscribed"],
    });
    expect(other.status, other.text).toBe(201);
    const off = await admin().post("/v1/webhook-endpoints", {
      url: "http://127.0.0.1:9/hooks",
      events: ["message.status_changed"],
    });
    expect(off.status, off.text).toBe(201);
    expect((await admin().patch(`/v1/webhook-endpoints/${off.body.id}`, { enabled: false })).status).toBe(
      200,
    );

    const statements = await recordSent(await message("a@example.org"));
    expect(statements.some((s) => /from webhook_endpoints/.test(s))).toBe(true);
    expect(deliveriesInsert(statements)).toEqual([]);
    const items = (await admin().get(`/v1/webhook-endpoints/${off.body.id}/deliveries`)).body.items;
    expect(items).toEqual([]);
  });

  it("are queued once an enabled endpoint subscribes", async () => {
    const on = await admin().post("/v1/webhook-endpoints", {
      url: "http://127.0.0.1:9/hooks",
      events: ["message.status_changed"],
    });
    expect(on.status, on.text).toBe(201);
    const id = await message("b@example.org");
    const statements = await recordSent(id);
    expect(deliveriesInsert(statements)).toHaveLength(1);
    const items = (await admin().get(`/v1/webhook-endpoints/${on.body.id}/deliveries`)).body.items;
    expect(
      items.map((d: { event_type: string; payload: { message_id: string; status: string } }) => d),
    ).toEqual([
      expect.objectContaining({
        event_type: "message.status_changed",
        payload: expect.objectContaining({ message_id: id, status: "sent", previous_status: "queued" }),
      }),
    ]);
  });
});
