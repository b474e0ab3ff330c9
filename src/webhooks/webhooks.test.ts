// POST /v1/webhooks/{provider}/{workspace} with the providers' documented sample bodies, signed with test
// keys as each provider signs: valid events are stored and derive the status; a wrong signature, a stale
// timestamp, a malformed body or an unknown workspace is refused and changes nothing; a replay adds nothing.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, recordingDb, type TestEnv } from "../../test/harness.js";
import { rowLocksMatter } from "../db/index.js";
import { PREPARED_MARK, preparedOnPglite } from "../db/prepared.js";
import { MESSAGE_ID_ARG } from "../delivery/providers/naming.js";
import { provideWebhookDeps } from "./deps.js";
import { receiveWebhook } from "./service.js";
import {
  basicAuth,
  fixture,
  mailgunSignature,
  nowSeconds,
  sendgridSigner,
  snsSigner,
} from "./signing.testkit.js";
import { lockMessageKeys } from "./store.js";

let env: TestEnv;
const sendgrid = sendgridSigner();
const sns = snsSigner();
const MAILGUN_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
const POSTMARK = { username: "postmark-hook", password: "Kalender-2025!" };
const TOPIC = "arn:aws:sns:eu-central-1:123456789012:poststelle-events";
const confirmed: string[] = [];
let serial = 0;
/** A fresh recipient per test: a hard bounce in one test must not block the next test's address. */
const fresh = (local: string) => `${local}.${Date.now().toString(36)}${serial++}@example.org`;
/** A documented sample about `from`, rewritten to be about `to`. */
const about = <T>(value: T, from: string, to: string): T =>
  JSON.parse(JSON.stringify(value).replaceAll(from, to));

beforeAll(async () => {
  env = await createTestEnv();
  provideWebhookDeps(env.rt, {
    fetchCertificate: async (url) => {
      if (url !== sns.certUrl) throw new Error(`unexpected certificate URL ${url}`);
      return sns.cert;
    },
    confirmSubscription: async (url) => {
      confirmed.push(url);
    },
  });
  const admin = api(env.app, env.ws.admin);
  const transports = [
    {
      name: "sg",
      kind: "sendgrid",
      config: { api_key: "SG.test", webhook: { public_key: sendgrid.publicKey } },
    },
    {
      name: "mg",
      kind: "mailgun",
      config: { api_key: "key-api", domain: "mg.example.org", webhook: { signing_key: MAILGUN_KEY } },
    },
    { name: "pm", kind: "postmark", config: { server_token: "pm-token", webhook: POSTMARK } },
    {
      name: "ses",
      kind: "ses",
      config: {
        region: "eu-central-1",
        access_key_id: "AKIDEXAMPLE12345",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        webhook: { topic_arns: [TOPIC] },
      },
    },
  ];
  for (const t of transports) {
    const r = await admin.post("/v1/transports", t);
    expect(r.status, r.text).toBe(201);
  }
});
afterAll(() => env?.close());

async function newMessage(to: string, queueId: string | null = null, key = env.ws.editor): Promise<string> {
  const r = await api(env.app, key).post("/v1/messages", {
    to,
    from: "praxis@example.org",
    subject: "Ihr Termin",
    text: "Bis morgen.",
  });
  expect(r.status, r.text).toBe(202);
  if (queueId)
    await env.rt.db.updateTable("messages").set({ queue_id: queueId }).where("id", "=", r.body.id).execute();
  return r.body.id;
}

const message = (id: string) =>
  env.rt.db
    .selectFrom("messages")
    .select(["status", "status_reason", "error_code"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
const eventsOf = (id: string) =>
  env.rt.db
    .selectFrom("message_events")
    .select(["type", "source", "detail", "evidence", "dedupe_key", "error_code"])
    .where("message_id", "=", id)
    .where("source", "=", "provider_webhook")
    .orderBy("at")
    .orderBy("id")
    .execute();

/** Row counts of everything a webhook may write: a refused request must leave all of them as they were. */
async function footprint() {
  const r = await sql<Record<string, number>>`
    select (select count(*)::int from message_events) as events, (select count(*)::int from blocklist) as blocks,
           (select count(*)::int from activities) as activities, (select count(*)::int from event_log) as logs,
           (select count(*)::int from provider_subscriptions) as subscriptions,
           (select string_agg(status, ',' order by id) from messages) as statuses`.execute(env.rt.db);
  return r.rows[0];
}

function post(provider: string, body: string, headers: Record<string, string>, workspace = env.ws.id) {
  return api(env.app).raw("POST", `/v1/webhooks/${provider}/${workspace}`, body, {
    "content-type": "application/json",
    ...headers,
  });
}

// ---------------------------------------------------------------- SendGrid

type SgEvent = Record<string, unknown>;
/** The documented samples as SendGrid sends them for one of our messages: our custom arg, unique ids. */
function sendgridBatch(messageId: string, to: string, file = "sendgrid-events.json"): SgEvent[] {
  return about(fixture<SgEvent[]>(file), "example@test.com", to).map((e, i) => ({
    ...e,
    [MESSAGE_ID_ARG]: messageId,
    sg_event_id: e.sg_event_id === "sg_event_id" ? `${messageId}-${i}` : e.sg_event_id,
  }));
}
/** SendGrid batches received through a second connection that records the statements the webhook runs;
 *  `stores()` gives the store statements (insert into message_events) in order. */
function recordedSendgrid() {
  const { db: logged, ran, close } = recordingDb(env);
  const receive = (events: SgEvent[]) => {
    const body = JSON.stringify(events);
    return receiveWebhook({ ...env.rt, db: logged }, "sendgrid", env.ws.id, {
      raw: Buffer.from(body),
      headers: sendgrid.headers(body),
    });
  };
  const stores = () => ran.filter((q) => q.sql.includes("insert into message_events")).map((q) => q.sql);
  return { receive, stores, ran, close };
}

const postSendgrid = (events: unknown, ts?: number, workspace?: string) => {
  const body = JSON.stringify(events);
  return post("sendgrid", body, sendgrid.headers(body, ts), workspace);
};

describe("SendGrid Event Webhook", () => {
  it("stores every documented event type of a batch and derives the message's status", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const r = await postSendgrid(sendgridBatch(id, to));
    expect(r.status, r.text).toBe(200);
    // 11 documented events; group_resubscribe is a note, none ignored.
    expect(r.body).toMatchObject({
      provider: "sendgrid",
      received: 11,
      stored: 11,
      duplicates: 0,
      unmatched: 0,
    });
    const events = await eventsOf(id);
    expect(events.map((e) => e.type).sort()).toEqual(
      [
        "processed",
        "deferred",
        "delivered",
        "opened",
        "clicked",
        "hard_bounced",
        "dropped",
        "complained",
        "unsubscribed",
        "unsubscribed",
        "note",
      ].sort(),
    );
    const click = events.find((e) => e.type === "clicked");
    expect(click?.evidence).toMatchObject({
      provider: "sendgrid",
      url: "http://www.sendgrid.com/",
      event: { event: "click" },
    });
    // "500 unknown recipient" reads as userunknown: a hard bounce; dropped still outranks it (DESIGN §4).
    expect(events.find((e) => e.type === "hard_bounced")?.error_code).toBe("userunknown");
    expect((await message(id)).status).toBe("dropped");
  });

  it("changes nothing when the same batch is delivered again", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const batch = sendgridBatch(id, to).slice(0, 3);
    expect((await postSendgrid(batch)).body).toMatchObject({ stored: 3 });
    const before = await footprint();
    const again = await postSendgrid(batch);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ stored: 0, duplicates: 3 });
    expect(await footprint()).toEqual(before);
  });

  it("inserts a new delivery as new, and runs a request again skipping what is stored when an event repeats", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const batch = sendgridBatch(id, to);
    // The statements the webhook runs, through a second connection that records them.
    const { receive, stores: inserts, ran, close } = recordedSendgrid();
    try {
      expect(await receive(batch.slice(0, 3))).toMatchObject({ stored: 3, duplicates: 0 });
      // One insert, without ON CONFLICT: nothing was stored before.
      expect(inserts()).toHaveLength(1);
      expect(inserts()[0]).not.toMatch(/on conflict/i);
      ran.length = 0;
      // A stored event, and a new one twice in the same request: the first attempt fails on the dedupe index,
      // the second skips both repeats.
      expect(await receive([batch[0], batch[3], batch[3]])).toMatchObject({ stored: 1, duplicates: 2 });
      expect(inserts()).toHaveLength(2);
      expect(inserts()[0]).not.toMatch(/on conflict/i);
      expect(inserts()[1]).toMatch(
        /on conflict \(message_id, dedupe_key\) where dedupe_key is not null do nothing/,
      );
    } finally {
      await close();
    }
    const events = await eventsOf(id);
    expect(events.map((e) => e.dedupe_key).sort()).toEqual(
      batch
        .slice(0, 4)
        .map((e) => `sendgrid:${String(e.sg_event_id)}`)
        .sort(),
    );
    // The status as a single delivery of the four derives it.
    const other = fresh("kunde");
    const single = await newMessage(other);
    expect((await postSendgrid(sendgridBatch(single, other).slice(0, 4))).body).toMatchObject({ stored: 4 });
    expect((await message(id)).status).toBe((await message(single)).status);
  });

  it("leaves the host webhooks out of the store statement while no enabled endpoint subscribes to status changes, and queues them once one does", async () => {
    const { receive, stores: store, ran, close } = recordedSendgrid();
    const delivered = (id: string, to: string) =>
      sendgridBatch(id, to).filter((e) => e.event === "delivered");
    const admin = api(env.app, env.ws.admin);
    // An endpoint for other events, and a disabled one for status changes: neither subscribes.
    const other = await admin.post("/v1/webhook-endpoints", {
      url: "http://127.0.0.1:9/hooks",
      events: ["contact.unsubscribed"],
    });
    expect(other.status, other.text).toBe(201);
    const off = await admin.post("/v1/webhook-endpoints", {
      url: "http://127.0.0.1:9/hooks",
      events: ["message.status_changed"],
    });
    expect(off.status, off.text).toBe(201);
    expect((await admin.patch(`/v1/webhook-endpoints/${off.body.id}`, { enabled: false })).status).toBe(200);
    let on: string | undefined;
    try {
      const to = fresh("kunde");
      const id = await newMessage(to);
      expect(await receive(delivered(id, to))).toMatchObject({ stored: 1 });
      expect((await message(id)).status).toBe("delivered");
      expect(store()).toHaveLength(1);
      expect(store()[0]).not.toMatch(/webhook_deliveries/);
      ran.length = 0;

      const sub = await admin.post("/v1/webhook-endpoints", {
        url: "http://127.0.0.1:9/hooks",
        events: ["message.status_changed"],
      });
      expect(sub.status, sub.text).toBe(201);
      on = sub.body.id as string;
      const to2 = fresh("kunde");
      const id2 = await newMessage(to2);
      expect(await receive(delivered(id2, to2))).toMatchObject({ stored: 1 });
      expect(store()).toHaveLength(1);
      expect(store()[0]).toMatch(/insert into webhook_deliveries/);
      const items = (await admin.get(`/v1/webhook-endpoints/${on}/deliveries`)).body.items;
      expect(items).toEqual([
        expect.objectContaining({
          event_type: "message.status_changed",
          payload: expect.objectContaining({
            message_id: id2,
            status: "delivered",
            previous_status: "queued",
          }),
        }),
      ]);
    } finally {
      await close();
      for (const endpoint of [other.body.id, off.body.id, on])
        if (endpoint) await admin.patch(`/v1/webhook-endpoints/${endpoint}`, { enabled: false });
    }
  });

  it("refuses a wrong signature, a stale or future timestamp and a malformed body, changing nothing", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const body = JSON.stringify(sendgridBatch(id, to).slice(2, 3));
    const before = await footprint();
    const other = sendgridSigner();
    const wrongKey = await post("sendgrid", body, other.headers(body));
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.error.code).toBe("unauthorized");
    const tampered = await post("sendgrid", body.replace("250 OK", "250 Ok"), sendgrid.headers(body));
    expect(tampered.status).toBe(401);
    const unsigned = await post("sendgrid", body, {});
    expect(unsigned.status).toBe(401);
    const stale = await postSendgrid(JSON.parse(body), nowSeconds() - 301);
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toMatch(/replays/);
    const future = await postSendgrid(JSON.parse(body), nowSeconds() + 600);
    expect(future.status).toBe(401);
    const notJson = '[{"event": "delivered",';
    expect((await post("sendgrid", notJson, sendgrid.headers(notJson))).status).toBe(400);
    const notEvents = JSON.stringify([{ nothing: "here" }]);
    const wrongShape = await post("sendgrid", notEvents, sendgrid.headers(notEvents));
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error.message).toMatch(/SendGrid event batch/);
    expect(await footprint()).toEqual(before);
    expect((await message(id)).status).toBe("queued");
  });

  it("stores a NUL or half a surrogate pair in an event as U+FFFD instead of failing the batch (SendGrid and Mailgun)", async () => {
    const to = fresh("nul");
    const id = await newMessage(to);
    const ts = nowSeconds();
    const batch = [
      {
        email: to,
        event: "bounce",
        type: "bounce",
        status: "5.1.1",
        reason: "550 5.1.1 no such\u0000 user",
        timestamp: ts,
        sg_event_id: `${id}-nul-1`,
        [MESSAGE_ID_ARG]: id,
      },
      {
        email: to,
        event: "open",
        useragent: "Mail\ud800",
        timestamp: ts,
        sg_event_id: `${id}-nul-2`,
        "k\u0000": 1,
        [MESSAGE_ID_ARG]: id,
      },
    ];
    const first = await postSendgrid(batch);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ stored: 2, blocked: 1 });
    expect((await message(id)).status).toBe("hard_bounced");
    const events = await eventsOf(id);
    expect(events.map((e) => e.type).sort()).toEqual(["hard_bounced", "opened"]);
    const texts = JSON.stringify(events);
    expect(texts).toContain("no such\ufffd user");
    expect(texts).toContain("Mail\ufffd");
    for (const bad of ["\u0000", "\\u0000", "\ud800"]) expect(texts).not.toContain(bad);
    // The same batch again: the same (replaced) event ids, so nothing twice.
    expect((await postSendgrid(batch)).body).toMatchObject({ stored: 0, duplicates: 2 });
    const mg = await post(
      "mailgun",
      JSON.stringify({
        signature: mailgunSignature(MAILGUN_KEY),
        "event-data": {
          event: "delivered",
          id: `mg-nul-\u0000-${id}`,
          timestamp: nowSeconds(),
          recipient: to,
          "user-variables": { [MESSAGE_ID_ARG]: id },
          "delivery-status": { message: "250 ok\u0000", code: 250 },
        },
      }),
      {},
    );
    expect(mg.status, mg.text).toBe(200);
    expect(mg.body).toMatchObject({ stored: 1 });
  });

  it("answers 404 for an unknown workspace or one without a SendGrid webhook, changing nothing", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const before = await footprint();
    const unknown = await postSendgrid(sendgridBatch(id, to).slice(2, 3), undefined, "ws_doesnotexist");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const foreign = await postSendgrid(sendgridBatch(id, to).slice(2, 3), undefined, env.other.id);
    expect(foreign.status).toBe(404);
    const provider = await post("sparkpost", "[]", {});
    expect(provider.status).toBe(404);
    expect(await footprint()).toEqual(before);
  });

  it("never touches another workspace's message, even when a batch names it", async () => {
    const to = fresh("kunde");
    const theirs = await newMessage(to, null, env.other.admin);
    const mine = await newMessage(to);
    const r = await postSendgrid([
      ...sendgridBatch(theirs, to).slice(2, 3),
      ...sendgridBatch(mine, to).slice(2, 3),
    ]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 2, stored: 1, unmatched: 1 });
    expect(await eventsOf(theirs)).toEqual([]);
    expect((await message(mine)).status).toBe("delivered");
    const log = await env.rt.db
      .selectFrom("event_log")
      .select(["detail", "severity"])
      .where("workspace_id", "=", env.ws.id)
      .where("process", "=", "provider_webhook")
      .execute();
    expect(log.some((l) => l.severity === "warning" && /name no message/.test(l.detail))).toBe(true);
  });

  it("matches events by SendGrid's message id when no custom arg came back", async () => {
    const [blocked] = fixture<SgEvent[]>("sendgrid-bounce-blocked.json");
    const id = await newMessage(String(blocked.email), "euo2iKxdSayPF4YE4--I7A");
    const r = await postSendgrid([{ ...blocked, timestamp: nowSeconds() }]);
    expect(r.body).toMatchObject({ stored: 1 });
    const [e] = await eventsOf(id);
    // "blocked" is a refusal of this delivery, not a verdict on the address.
    expect(e.type).toBe("soft_bounced");
    expect((await message(id)).status).toBe("soft_bounced");
  });

  it("stores an event under the message SendGrid's id finds when the id of ours it carries names none of this workspace's", async () => {
    // The insert's parameters are drafted before the lock read answers, assuming every event is about the
    // message whose id it carries; this batch breaks that assumption in its first event only.
    const to = fresh("kunde");
    const theirs = await newMessage(to, null, env.other.admin);
    const found = await newMessage(to, "sgq-found-by-queue-id");
    const plain = await newMessage(to);
    const [strayed] = sendgridBatch(theirs, to).slice(2, 3);
    const r = await postSendgrid([
      { ...strayed, sg_message_id: "sgq-found-by-queue-id.filterdrecv-1" },
      ...sendgridBatch(plain, to).slice(2, 4),
    ]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 3, stored: 3, unmatched: 0 });
    expect(await eventsOf(theirs)).toEqual([]);
    expect((await eventsOf(found)).map((e) => e.type)).toEqual(["delivered"]);
    expect((await message(found)).status).toBe("delivered");
    expect((await eventsOf(plain)).map((e) => e.type)).toEqual(["delivered", "opened"]);
    expect((await message(plain)).status).toBe("opened");
  });

  it("flags SendGrid's machine opens (Apple Mail Privacy Protection) in the evidence", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const r = await postSendgrid(sendgridBatch(id, to, "sendgrid-open-machine.json"));
    expect(r.body).toMatchObject({ stored: 1 });
    const [e] = await eventsOf(id);
    expect(e).toMatchObject({ type: "opened", evidence: { machine: true } });
    expect(e.detail).toMatch(/machine/);
  });

  it("blocks the address and marks its subscriptions on a hard bounce, once", async () => {
    const address = `kunde.${Date.now()}@example.org`;
    const admin = api(env.app, env.ws.admin);
    const contact = await admin.post("/v1/contacts", { first_name: "Erika", emails: [address] });
    const list = await admin.post("/v1/lists", { name: `Newsletter ${address}` });
    const sub = await admin.post(`/v1/lists/${list.body.id}/subscriptions`, { contact_id: contact.body.id });
    expect(sub.status, sub.text).toBe(201);
    const id = await newMessage(address);
    const [bounce] = sendgridBatch(id, address, "sendgrid-bounce-invalid-address.json");
    const r = await postSendgrid([bounce]);
    expect(r.body).toMatchObject({ stored: 1, blocked: 1 });
    expect(await message(id)).toMatchObject({ status: "hard_bounced", error_code: "userunknown" });
    const block = await admin.get(`/v1/blocklist?q=${encodeURIComponent(address)}`);
    const entry = (
      block.body.items as Array<{ address: string; reason: string; source: string; id: string }>
    ).find((b) => b.address === address);
    expect(entry).toMatchObject({ source: "hard_bounce" });
    expect(entry?.reason).toMatch(/userunknown/);
    const s = await admin.get(`/v1/lists/${list.body.id}/subscriptions/${sub.body.id}`);
    expect(s.body.status).toBe("bounced_permanent");
    // An admin lifts the block; the provider delivers the same bounce again: it stays lifted.
    const lift = await admin.delete(`/v1/blocklist/${entry?.id}`);
    expect(lift.status, lift.text).toBeLessThan(300);
    const again = await postSendgrid([bounce]);
    expect(again.body).toMatchObject({ stored: 0, duplicates: 1, blocked: 0 });
    const after = await admin.get(`/v1/blocklist?q=${encodeURIComponent(address)}`);
    expect(
      (after.body.items as Array<{ address: string; active: boolean }>).filter(
        (b) => b.address === address && b.active,
      ),
    ).toEqual([]);
  });

  it("applies the bounce rules to a whole batch: one block per address, a delivery lifts a temporary bounce", async () => {
    const admin = api(env.app, env.ws.admin);
    const list = await admin.post("/v1/lists", { name: `Sprechstunde ${Date.now()}` });
    const subscribe = async (address: string, status: string) => {
      const contact = await admin.post("/v1/contacts", { first_name: "Jonas", emails: [address] });
      const sub = await admin.post(`/v1/lists/${list.body.id}/subscriptions`, {
        contact_id: contact.body.id,
      });
      const set = await admin.patch(`/v1/lists/${list.body.id}/subscriptions/${sub.body.id}`, { status });
      expect(set.status, set.text).toBe(200);
      return sub.body.id as string;
    };
    const gone = fresh("weg");
    const back = fresh("wieder");
    const goneSub = await subscribe(gone, "subscribed");
    const backSub = await subscribe(back, "bounced_temporary");
    const [first, second, delivered] = [
      await newMessage(gone),
      await newMessage(gone),
      await newMessage(back),
    ];
    const [bounce] = sendgridBatch(first, gone, "sendgrid-bounce-invalid-address.json");
    const [bounceAgain] = sendgridBatch(second, gone, "sendgrid-bounce-invalid-address.json");
    const delivery = sendgridBatch(delivered, back).find((e) => e.event === "delivered");
    const r = await postSendgrid([bounce, bounceAgain, delivery]);
    expect(r.body).toMatchObject({ stored: 3, blocked: 1 });
    const status = async (id: string) =>
      (await admin.get(`/v1/lists/${list.body.id}/subscriptions/${id}`)).body.status;
    expect(await status(goneSub)).toBe("bounced_permanent");
    expect(await status(backSub)).toBe("subscribed");
    const entries = await admin.get(`/v1/blocklist?q=${encodeURIComponent(gone)}`);
    expect((entries.body.items as Array<{ address: string }>).filter((b) => b.address === gone)).toHaveLength(
      1,
    );
  });

  it("reads the batch's messages the same at every call once its lock statement is kept prepared: which a delivery names, and whether their address is temporarily bounced", async () => {
    const admin = api(env.app, env.ws.admin);
    const list = await admin.post("/v1/lists", { name: `Recall ${Date.now()}` });
    const paused = fresh("pausiert");
    const contact = await admin.post("/v1/contacts", { first_name: "Lea", emails: [paused] });
    const sub = await admin.post(`/v1/lists/${list.body.id}/subscriptions`, { contact_id: contact.body.id });
    await admin.patch(`/v1/lists/${list.body.id}/subscriptions/${sub.body.id}`, {
      status: "bounced_temporary",
    });
    const other = fresh("aktiv");
    const a = await newMessage(paused, `sgq${serial++}l`);
    const b = await newMessage(other);
    const c = await newMessage(paused);
    const ids = [a, b, c].sort();
    const { db: logged, ran, close } = recordingDb(env);
    try {
      // More calls than PostgreSQL's plan cache tries custom plans for (five): the later ones run the generic
      // plan on PGlite, where the statement is kept prepared.
      for (let call = 0; call < 8; call++) {
        const delivered = call % 2 === 0 ? [a, b] : [c];
        const { keys } = await logged
          .transaction()
          .execute((tx) =>
            lockMessageKeys(tx, env.ws.id, { ids, deliveredIds: delivered }, rowLocksMatter(env.rt.dbKind)),
          );
        expect(keys).toEqual(
          ids.map((id) => ({
            id,
            queue_id: id === a ? expect.stringMatching(/^sgq\d+l$/) : null,
            to_address: id === b ? other : paused,
            status: "queued",
            // Only a delivery lifts a temporary bounce, so only for the messages a delivery names is it asked.
            temporarily_bounced: id !== b && delivered.includes(id),
          })),
        );
      }
    } finally {
      await close();
    }
    const lockReads = ran.filter((q) => q.sql.includes("as temporarily_bounced"));
    expect(lockReads).toHaveLength(8);
    // Marked to be kept prepared on PostgreSQL and on PGlite (db/prepared.ts).
    for (const q of lockReads) expect(preparedOnPglite(q.sql) && q.sql.startsWith(PREPARED_MARK)).toBe(true);
  });

  it("a delivery named only by SendGrid's message id lifts a temporary bounce too, also of a message another event of the batch names by our id", async () => {
    const admin = api(env.app, env.ws.admin);
    const list = await admin.post("/v1/lists", { name: `Nachsorge ${Date.now()}` });
    const pausedSub = async (address: string) => {
      const contact = await admin.post("/v1/contacts", { first_name: "Mia", emails: [address] });
      const sub = await admin.post(`/v1/lists/${list.body.id}/subscriptions`, {
        contact_id: contact.body.id,
      });
      await admin.patch(`/v1/lists/${list.body.id}/subscriptions/${sub.body.id}`, {
        status: "bounced_temporary",
      });
      return sub.body.id as string;
    };
    const status = async (id: string) =>
      (await admin.get(`/v1/lists/${list.body.id}/subscriptions/${id}`)).body.status;
    // By SendGrid's id alone (no custom arg): found by the second lookup.
    const alone = fresh("allein");
    const aloneSub = await pausedSub(alone);
    const aloneQueue = `sgq${serial++}a`;
    const aloneId = await newMessage(alone, aloneQueue);
    // The delivery names an unknown id of ours and SendGrid's id of a message the open names by our id.
    const mixed = fresh("gemischt");
    const mixedSub = await pausedSub(mixed);
    const mixedQueue = `sgq${serial++}b`;
    const mixedId = await newMessage(mixed, mixedQueue);
    // SendGrid's X-Message-Id is what messages.queue_id holds; sg_message_id starts with it.
    const deliveryBy = (id: string, to: string, ours: string | undefined, queueId: string) => ({
      ...sendgridBatch(id, to).find((x) => x.event === "delivered"),
      [MESSAGE_ID_ARG]: ours,
      sg_message_id: `${queueId}.filterdrecv-1`,
      sg_event_id: `${id}-d`,
    });
    const aloneEvent = deliveryBy(aloneId, alone, undefined, aloneQueue);
    const mixedEvent = deliveryBy(mixedId, mixed, "msg_unknown", mixedQueue);
    const open = sendgridBatch(mixedId, mixed).find((x) => x.event === "open");
    const r = await postSendgrid([open, aloneEvent, mixedEvent]);
    expect(r.body).toMatchObject({ stored: 3, unmatched: 0 });
    expect(await status(aloneSub)).toBe("subscribed");
    expect(await status(mixedSub)).toBe("subscribed");
  });

  it("skips events about another recipient of the send (the archive copy)", async () => {
    const to = fresh("kunde");
    const id = await newMessage(to);
    const [delivered] = sendgridBatch(id, to).slice(2, 3);
    const r = await postSendgrid([{ ...delivered, email: "archiv@example.org" }]);
    expect(r.body).toMatchObject({ stored: 0, ignored: 1 });
  });

  it("keeps a workspace's SendGrid settings between requests, and a changed key counts at once: the old key is refused, the new one accepted", async () => {
    const admin = api(env.app, env.other.admin);
    const first = sendgridSigner();
    const second = sendgridSigner();
    const config = (key: string) => ({ api_key: "SG.other", webhook: { public_key: key } });
    const t = await admin.post("/v1/transports", {
      name: `sg-rotation-${serial++}`,
      kind: "sendgrid",
      config: config(first.publicKey),
    });
    expect(t.status, t.text).toBe(201);
    const to = fresh("kunde");
    const id = await newMessage(to, null, env.other.admin);
    const [delivered] = sendgridBatch(id, to).slice(2, 3);
    const bodyOf = (n: number) => JSON.stringify([{ ...delivered, sg_event_id: `${id}-rotation-${n}` }]);
    const postWith = (signer: ReturnType<typeof sendgridSigner>, n: number) => {
      const body = bodyOf(n);
      return post("sendgrid", body, signer.headers(body), env.other.id);
    };
    expect((await postWith(first, 1)).status).toBe(200);
    // Request after request of a provider: the transports are read once (the runtime's first request), and
    // their stamp checked in the lock read of each.
    const { db: logged, ran, close } = recordingDb(env);
    const rt = { ...env.rt, db: logged };
    try {
      for (const n of [2, 3]) {
        const body = bodyOf(n);
        const r = await receiveWebhook(rt, "sendgrid", env.other.id, {
          raw: Buffer.from(body),
          headers: first.headers(body),
        });
        expect(r).toMatchObject({ stored: 1 });
      }
    } finally {
      await close();
    }
    expect(ran.filter((q) => q.sql.includes("config"))).toHaveLength(1);
    expect(ran.filter((q) => q.sql.includes("as transports_stamp"))).toHaveLength(2);
    // The key changed through the API: the old one is refused at once, the new one accepted.
    const changed = await admin.patch(`/v1/transports/${t.body.id}`, { config: config(second.publicKey) });
    expect(changed.status, changed.text).toBe(200);
    const old = await postWith(first, 4);
    expect(old.status).toBe(401);
    expect((await postWith(second, 5)).status).toBe(200);
    // Changed behind this process's back (another process, or SQL): the same.
    await sql`update transports set config = ${JSON.stringify(config(first.publicKey))}::jsonb
               where id = ${t.body.id}`.execute(env.rt.db);
    expect((await postWith(second, 6)).status).toBe(401);
    expect((await postWith(first, 7)).status).toBe(200);
    // A second SendGrid transport of the workspace with its own key: accepted at once as well.
    const third = sendgridSigner();
    const more = await admin.post("/v1/transports", {
      name: `sg-rotation-${serial++}`,
      kind: "sendgrid",
      config: config(third.publicKey),
    });
    expect(more.status, more.text).toBe(201);
    expect((await postWith(third, 8)).status).toBe(200);
    expect((await postWith(first, 9)).status).toBe(200);
    // ... and refused at once when it is deleted.
    expect((await admin.delete(`/v1/transports/${more.body.id}`)).status).toBeLessThan(300);
    expect((await postWith(third, 10)).status).toBe(401);
    const stored = (await eventsOf(id)).map((e) => e.dedupe_key).sort();
    expect(stored).toEqual([1, 2, 3, 5, 7, 8, 9].map((n) => `sendgrid:${id}-rotation-${n}`).sort());
  });
});

// ---------------------------------------------------------------- Mailgun

type MgBody = { signature: unknown; "event-data": Record<string, unknown> };
function mailgunBody(
  file: string,
  messageId: string,
  to: string,
  signature = mailgunSignature(MAILGUN_KEY),
): MgBody {
  const b = about(fixture<MgBody>(file), "alice@example.com", to);
  const d = b["event-data"];
  return {
    signature,
    "event-data": {
      ...d,
      id: `${d.id}-${messageId}`,
      "user-variables": { ...(d["user-variables"] as object), [MESSAGE_ID_ARG]: messageId },
    },
  };
}
const postMailgun = (body: MgBody, workspace?: string) =>
  post("mailgun", JSON.stringify(body), {}, workspace);

describe("Mailgun webhooks", () => {
  it("stores the documented delivered event and derives delivered", async () => {
    const to = fresh("alice");
    const id = await newMessage(to);
    const r = await postMailgun(mailgunBody("mailgun-delivered.json", id, to));
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ provider: "mailgun", received: 1, stored: 1 });
    expect((await message(id)).status).toBe("delivered");
    const [e] = await eventsOf(id);
    expect(e.detail).toContain("250 OK");
    expect(e.evidence).toMatchObject({ event: { id: expect.stringContaining("CPgfbmQMTCKtHW6uIWtuVe") } });
  });

  it("flags the documented Apple MPP open (client-info.bot) as a machine's; a person's open moves the status", async () => {
    const to = fresh("alice");
    const id = await newMessage(to);
    await postMailgun(mailgunBody("mailgun-delivered.json", id, to));
    const bot = mailgunBody("mailgun-opened-bot.json", id, to);
    bot["event-data"].recipient = to;
    expect((await postMailgun(bot)).body).toMatchObject({ stored: 1 });
    const machine = (await eventsOf(id)).find((e) => e.type === "opened");
    expect(machine?.evidence).toMatchObject({
      machine: true,
      machine_reason: "apple_mail_privacy_protection",
    });
    expect(machine?.detail).toContain("by a machine");
    expect((await message(id)).status).toBe("delivered");
    expect((await postMailgun(mailgunBody("mailgun-opened.json", id, to))).body).toMatchObject({ stored: 1 });
    const human = (await eventsOf(id)).filter((e) => e.type === "opened").at(-1);
    expect(human?.evidence).toMatchObject({ machine: false, machine_reason: null });
    expect((await message(id)).status).toBe("opened");
  });

  it("judges an open without Mailgun's bot verdict by its user agent (Google's image proxy)", async () => {
    const to = fresh("alice");
    const id = await newMessage(to);
    const b = mailgunBody("mailgun-opened.json", id, to);
    b["event-data"]["client-info"] = {
      "client-name": "unknown",
      "user-agent":
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    };
    await postMailgun(b);
    const [e] = await eventsOf(id);
    expect(e.evidence).toMatchObject({ machine: true, machine_reason: "google_image_proxy" });
    expect((await message(id)).status).not.toBe("opened");
  });

  it("maps the documented permanent failure (suppress-bounce) to dropped and a real 550 5.1.1 to a hard bounce", async () => {
    const to = fresh("alice");
    const dropped = await newMessage(to);
    await postMailgun(mailgunBody("mailgun-permanent-failure.json", dropped, to));
    expect(await message(dropped)).toMatchObject({
      status: "dropped",
      error_code: "mailgun:suppress-bounce",
    });
    const bounced = await newMessage(to);
    await postMailgun(mailgunBody("mailgun-bounce.json", bounced, to));
    expect(await message(bounced)).toMatchObject({ status: "hard_bounced", error_code: "userunknown" });
  });

  it("finds the message by Mailgun's message id when no user variable came back", async () => {
    const to = fresh("alice");
    const id = await newMessage(to, "20130503182626.18666.16540@sandbox.mailgun.org");
    const b = about(fixture<MgBody>("mailgun-delivered.json"), "alice@example.com", to);
    const r = await postMailgun({
      ...b,
      signature: mailgunSignature(MAILGUN_KEY),
      "event-data": { ...b["event-data"], id: `q-${id}` },
    });
    expect(r.body).toMatchObject({ stored: 1 });
    expect((await message(id)).status).toBe("delivered");
  });

  it("refuses the documented signature (another key), a stale one and a malformed body; a replay adds nothing", async () => {
    const to = fresh("alice");
    const id = await newMessage(to);
    const before = await footprint();
    const documented = about(fixture<MgBody>("mailgun-delivered.json"), "alice@example.com", to);
    expect(
      (await postMailgun({ ...documented, "event-data": { ...documented["event-data"], id: `d-${id}` } }))
        .status,
    ).toBe(401);
    const stale = await postMailgun(
      mailgunBody("mailgun-delivered.json", id, to, mailgunSignature(MAILGUN_KEY, nowSeconds() - 600)),
    );
    expect(stale.status).toBe(401);
    expect((await post("mailgun", '{"signature":', {})).status).toBe(400);
    expect(
      (await post("mailgun", JSON.stringify({ signature: mailgunSignature(MAILGUN_KEY) }), {})).status,
    ).toBe(400);
    expect(await footprint()).toEqual(before);
    const body = mailgunBody("mailgun-delivered.json", id, to);
    expect((await postMailgun(body)).body).toMatchObject({ stored: 1 });
    const mid = await footprint();
    // Mailgun retries sign again with a new timestamp and token: still the same event.
    const retry = await postMailgun({ ...body, signature: mailgunSignature(MAILGUN_KEY) });
    expect(retry.body).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await footprint()).toEqual(mid);
  });
});

// ---------------------------------------------------------------- Postmark

function postmarkRecord(
  file: string,
  messageId: string | null,
  to: string,
  extra: Record<string, unknown> = {},
) {
  const r = about(
    about(fixture<Record<string, unknown>>(file), "john@example.com", to),
    "bounced-address@wildbit.com",
    to,
  );
  return {
    ...r,
    ...(messageId ? { Metadata: { ...(r.Metadata as object), [MESSAGE_ID_ARG]: messageId } } : {}),
    ...extra,
  };
}
const auth = basicAuth(POSTMARK.username, POSTMARK.password);
const postPostmark = (body: unknown, headers = auth) => post("postmark", JSON.stringify(body), headers);

describe("Postmark webhooks", () => {
  it("stores the documented Delivery, Open, Click and SpamComplaint records, singly and as a batch", async () => {
    const to = fresh("john");
    const id = await newMessage(to);
    const single = await postPostmark(postmarkRecord("postmark-delivery.json", id, to));
    expect(single.status, single.text).toBe(200);
    expect((await message(id)).status).toBe("delivered");
    const batch = await postPostmark([
      postmarkRecord("postmark-open.json", id, to),
      postmarkRecord("postmark-click.json", id, to),
      postmarkRecord("postmark-spam-complaint.json", id, to),
    ]);
    expect(batch.body).toMatchObject({ received: 3, stored: 3 });
    expect((await eventsOf(id)).map((e) => e.type).sort()).toEqual([
      "clicked",
      "complained",
      "delivered",
      "opened",
    ]);
    expect(await message(id)).toMatchObject({ status: "blocked", error_code: "feedback" });
  });

  it("judges Open and Click records by the client Postmark saw: Apple's proxy and a link scanner are machines", async () => {
    const to = fresh("john");
    const id = await newMessage(to);
    await postPostmark(postmarkRecord("postmark-delivery.json", id, to));
    const documented = await postPostmark(postmarkRecord("postmark-open.json", id, to));
    expect(documented.body).toMatchObject({ stored: 1 });
    expect((await eventsOf(id)).find((e) => e.type === "opened")?.evidence).toMatchObject({ machine: false });
    const other = await newMessage(to);
    await postPostmark(postmarkRecord("postmark-delivery.json", other, to));
    const apple = { UserAgent: "Mozilla/5.0", Geo: { IP: "17.58.101.12", Country: "United States" } };
    const r = await postPostmark([
      postmarkRecord("postmark-open.json", other, to, apple),
      {
        ...postmarkRecord("postmark-click.json", other, to),
        UserAgent: "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))",
      },
    ]);
    expect(r.body).toMatchObject({ stored: 2 });
    const evs = await eventsOf(other);
    expect(evs.find((e) => e.type === "opened")?.evidence).toMatchObject({
      machine: true,
      machine_reason: "apple_mail_privacy_protection",
    });
    expect(evs.find((e) => e.type === "clicked")?.evidence).toMatchObject({
      machine: true,
      machine_reason: "link_scanner",
    });
    expect((await message(other)).status).toBe("delivered");
    expect((await message(id)).status).toBe("opened");
  });

  it("maps the documented HardBounce by Postmark's MessageID and blocks the address", async () => {
    const to = fresh("john");
    const id = await newMessage(to, "883953f4-6105-42a2-a16a-77a8eac79483");
    const r = await postPostmark(postmarkRecord("postmark-bounce.json", null, to));
    expect(r.body).toMatchObject({ stored: 1, blocked: 1 });
    expect(await message(id)).toMatchObject({ status: "hard_bounced", error_code: "userunknown" });
    const [e] = await eventsOf(id);
    expect(e.evidence).toMatchObject({
      provider_code: "postmark:HardBounce",
      bounce: { decided_by: "provider" },
    });
  });

  it("treats a SubscriptionChange after a hard bounce as a note, not an unsubscribe", async () => {
    const to = fresh("bounced");
    const id = await newMessage(to);
    await postPostmark(postmarkRecord("postmark-subscription-change.json", id, to));
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(["note"]);
    const manual = await newMessage(to);
    await postPostmark(
      postmarkRecord("postmark-subscription-change.json", manual, to, {
        SuppressionReason: "ManualSuppression",
      }),
    );
    expect((await eventsOf(manual)).map((e) => e.type)).toEqual(["unsubscribed"]);
  });

  it("refuses missing or wrong credentials and malformed bodies; a replay adds nothing", async () => {
    const to = fresh("john");
    const id = await newMessage(to);
    const before = await footprint();
    const record = postmarkRecord("postmark-delivery.json", id, to);
    expect((await postPostmark(record, {})).status).toBe(401);
    expect((await postPostmark(record, basicAuth(POSTMARK.username, "falsch"))).status).toBe(401);
    expect((await post("postmark", '{"RecordType":', auth)).status).toBe(400);
    expect((await postPostmark({ Record: "Delivery" })).status).toBe(400);
    expect(await footprint()).toEqual(before);
    expect((await postPostmark(record)).body).toMatchObject({ stored: 1 });
    const mid = await footprint();
    expect((await postPostmark(record)).body).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await footprint()).toEqual(mid);
  });
});

// ---------------------------------------------------------------- Amazon SES through SNS

const sesEvents = fixture<Record<string, Record<string, unknown>>>("ses-events.json");
const snsSample = fixture<Record<string, unknown>>("sns-notification.json");

function sesNotification(
  eventType: string,
  messageId: string,
  to: string,
  version: "1" | "2" = "1",
  timestamp = new Date(),
) {
  const e = about(sesEvents[eventType], "recipient@example.com", to);
  const mail = e.mail as Record<string, unknown>;
  const message = {
    ...e,
    mail: { ...mail, tags: { ...(mail.tags as object), [MESSAGE_ID_ARG]: [messageId] } },
  };
  const { Signature: _s, SigningCertURL: _c, SignatureVersion: _v, Subject: _subject, ...rest } = snsSample;
  return sns.sign(
    {
      ...(rest as Record<string, unknown>),
      Type: "Notification",
      MessageId: `${eventType}-${messageId}`,
      TopicArn: TOPIC,
      Message: JSON.stringify(message),
      Timestamp: timestamp.toISOString(),
    } as never,
    version,
  );
}
const postSns = (body: unknown, workspace?: string) =>
  post(
    "ses",
    JSON.stringify(body),
    { "content-type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification" },
    workspace,
  );

describe("Amazon SES event publishing through SNS", () => {
  it("stores the documented events, signed with SignatureVersion 1 and 2", async () => {
    const to = fresh("recipient");
    const id = await newMessage(to);
    const types = ["Send", "Delivery", "Open", "Click", "DeliveryDelay"];
    for (const [i, t] of types.entries()) {
      const r = await postSns(sesNotification(t, id, to, i % 2 ? "2" : "1"));
      expect(r.status, `${t}: ${r.text}`).toBe(200);
      expect(r.body).toMatchObject({ provider: "ses", stored: 1 });
    }
    expect((await eventsOf(id)).map((e) => e.type).sort()).toEqual([
      "clicked",
      "deferred",
      "delivered",
      "opened",
      "processed",
    ]);
    expect((await message(id)).status).toBe("clicked");
  });

  it("maps the documented Permanent bounce to a hard bounce, the Complaint and the Reject", async () => {
    const to = fresh("recipient");
    const bounced = await newMessage(to);
    await postSns(sesNotification("Bounce", bounced, to, "2"));
    expect(await message(bounced)).toMatchObject({ status: "hard_bounced", error_code: "userunknown" });
    const other = fresh("recipient");
    const admin = api(env.app, env.ws.admin);
    const contact = await admin.post("/v1/contacts", { first_name: "Jana", emails: [other] });
    const list = await admin.post("/v1/lists", { name: `Praxisnews ${other}` });
    const sub = await admin.post(`/v1/lists/${list.body.id}/subscriptions`, { contact_id: contact.body.id });
    const complained = await newMessage(other);
    await postSns(sesNotification("Complaint", complained, other));
    expect((await message(complained)).status).toBe("blocked");
    // The same rule as for an ARF report that arrives by mail: a complaint unsubscribes the address.
    const after = await admin.get(`/v1/lists/${list.body.id}/subscriptions/${sub.body.id}`);
    expect(after.body.status).toBe("unsubscribed");
    const rejected = await newMessage(other);
    await postSns(sesNotification("Reject", rejected, other));
    expect(await message(rejected)).toMatchObject({ status: "dropped", error_code: "ses:Reject" });
  });

  it("refuses a forged signature, a foreign topic, a certificate off SNS hosts and a stale message", async () => {
    const to = fresh("recipient");
    const id = await newMessage(to);
    const before = await footprint();
    const good = sesNotification("Delivery", id, to);
    expect((await postSns({ ...good, Message: good.Message.replace("250 2.6.0", "250 2.6.1") })).status).toBe(
      401,
    );
    expect((await postSns({ ...good, SigningCertURL: "https://evil.example/cert.pem" })).status).toBe(401);
    const foreignTopic = sns.sign({
      ...(good as object),
      TopicArn: "arn:aws:sns:eu-central-1:999999999999:other",
    } as never);
    expect((await postSns(foreignTopic)).status).toBe(401);
    const stale = sesNotification("Delivery", id, to, "1", new Date(Date.now() - 10 * 60_000));
    expect((await postSns(stale)).status).toBe(401);
    expect((await post("ses", '{"Type":', { "content-type": "text/plain" })).status).toBe(400);
    expect((await postSns({ ...good, Type: "Something" })).status).toBe(400);
    expect(await footprint()).toEqual(before);
    expect((await postSns(good)).body).toMatchObject({ stored: 1 });
    const mid = await footprint();
    expect((await postSns(good)).body).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await footprint()).toEqual(mid);
  });

  it("records a SubscriptionConfirmation, confirms it once through SubscribeURL, and lists it for admins", async () => {
    const sample = fixture<Record<string, unknown>>("sns-subscription-confirmation.json");
    const subscribeUrl = String(sample.SubscribeURL).replace("us-west-2", "eu-central-1");
    const { Signature: _s, SigningCertURL: _c, ...rest } = sample;
    const m = sns.sign({
      ...(rest as object),
      TopicArn: TOPIC,
      SubscribeURL: subscribeUrl,
      Timestamp: new Date().toISOString(),
    } as never);
    const r = await postSns(m);
    expect(r.status, r.text).toBe(200);
    expect(r.body.subscription).toMatchObject({ topic_arn: TOPIC, status: "confirmed" });
    expect(confirmed).toEqual([subscribeUrl]);
    const again = await postSns(m);
    expect(again.body.subscription.status).toBe("confirmed");
    expect(confirmed).toHaveLength(1);
    const list = await api(env.app, env.ws.admin).get("/v1/provider-subscriptions");
    expect(list.body.items[0]).toMatchObject({ topic_arn: TOPIC, status: "confirmed" });
    expect((await api(env.app, env.ws.viewer).get("/v1/provider-subscriptions")).status).toBe(403);
  });
});
