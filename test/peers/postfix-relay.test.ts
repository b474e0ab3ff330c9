// Issue 3's peer test: a transactional message goes out through a real Postfix on loopback, Postfix
// accepts it, and the message's timeline carries Postfix's queue id as evidence; Postfix's own log shows
// the same queue id for the same Message-ID and relays it on to smtp-sink.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorkers, type WorkerHandle } from "../../src/workers.js";
import { type ApiResponse, api, createTestEnv, type TestEnv } from "../harness.js";
import { type PostfixInstance, queueIdOf, type SmtpSink, startPostfix, startSmtpSink } from "./postfix.js";
import { requirePeer } from "./require.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

requirePeer("postfix")("sending through a real Postfix relay", () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let postfix: PostfixInstance;
  let workers: WorkerHandle | undefined;

  beforeAll(async () => {
    sink = await startSmtpSink();
    postfix = await startPostfix({ transports: { "sink.test": `smtp:[127.0.0.1]:${sink.port}` } });
    env = await createTestEnv({ workerPollMs: 50 });
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.close();
    await postfix?.stop();
    await sink?.stop();
  });

  async function waitForStatus(c: ReturnType<typeof api>, id: string, want: string): Promise<ApiResponse> {
    let last: ApiResponse | undefined;
    for (let i = 0; i < 300; i++) {
      last = await c.get(`/v1/messages/${id}`);
      if (last.body.status === want) return last;
      await sleep(100);
    }
    throw new Error(`message ${id} did not become ${want}: ${JSON.stringify(last?.body)}`);
  }

  it("sees the message accepted, with Postfix's queue id in the timeline", async () => {
    const c = api(env.app, env.ws.admin);
    const t = await c.post("/v1/transports", {
      name: "postfix",
      kind: "smtp",
      config: { host: "127.0.0.1", port: postfix.port, starttls: "off" },
      is_default: true,
    });
    expect(t.status, t.text).toBe(201);
    workers = startWorkers(env.rt);

    const m = await c.post("/v1/messages", {
      to: "patientin@sink.test",
      from: "praxis@example.test",
      subject: "Ihr Termin am Montag",
      text: "Guten Tag, wir bestätigen Ihren Termin am Montag um 9 Uhr.",
    });
    expect(m.status, m.text).toBe(202);

    const sent = await waitForStatus(c, m.body.id, "sent");
    const sentEvent = sent.body.timeline.find((e: { type: string }) => e.type === "sent");
    expect(sentEvent, JSON.stringify(sent.body.timeline)).toBeDefined();
    // The relay's reply line and the queue id read from it are the evidence.
    const queueId: string = sentEvent.evidence.queue_id;
    expect(queueId, JSON.stringify(sentEvent.evidence)).toMatch(/^[0-9A-Za-z]{6,}$/);
    expect(sentEvent.evidence.response).toMatch(new RegExp(`^250 .*queued as ${queueId}$`));

    // Postfix logged the same queue id for the Message-ID that left Poststelle …
    const raw = await c.get(`/v1/messages/${m.body.id}/raw`);
    expect(raw.status).toBe(200);
    const messageId = raw.text.match(/^Message-ID:\s*(<[^>]+>)/im);
    expect(messageId, raw.text.slice(0, 500)).not.toBeNull();
    await postfix.waitForLog(new RegExp(`${queueId}: message-id=`));
    expect(queueIdOf(postfix.log(), messageId![1])).toBe(queueId);
    // … and delivered it onwards to the sink.
    await postfix.waitForLog(new RegExp(`${queueId}: to=<patientin@sink\\.test>.*status=sent`));
  });
});
