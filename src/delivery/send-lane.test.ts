// The send thread (send-lane.ts, send-thread.ts) on its own: what it builds from a recipe is byte for byte
// what the main thread's builder makes and what the relay receives, bytes handed over arrive unchanged,
// each step's failure comes back as that step's, and a batch in flight when the thread ends is rejected —
// never answered as sent — so its messages stay `sending` for the reaper (DESIGN §3.4).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api, createTestEnv } from "../../test/harness.js";
import { startScriptedSmtp } from "../../test/scripted-smtp.js";
import type { Row } from "../db/schema.js";
import { buildMime, type MimeInput, mimeDigest } from "./mime.js";
import { type LaneSend, SendLane } from "./send-lane.js";
import { SendingWorker } from "./worker.js";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "send-lane-"));
let lane: SendLane | null = null;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await lane?.close();
  lane = null;
  for (const c of closers.splice(0)) await c();
});

function transport(id: string, port: number, config: Record<string, unknown> = {}): Row<"transports"> {
  const at = new Date("2026-11-24T00:00:00Z");
  return {
    id,
    workspace_id: "ws_1",
    name: id,
    kind: "smtp",
    config: { host: "127.0.0.1", port, starttls: "off", dsn: false, pool_size: 2, ...config },
    is_default: true,
    rate_limit: null,
    rate_window_seconds: null,
    max_concurrency: null,
    created_at: at,
    updated_at: at,
  };
}

function input(n: number): MimeInput {
  return {
    message_id_header: `<m${n}@example.org>`,
    from_address: "praxis@example.org",
    from_name: "Praxis Dr. Scholz",
    to_address: `patient${n}@example.org`,
    reply_to: null,
    subject: `Terminbestätigung ${n}`,
    text_body: `Guten Tag, wir bestätigen Ihren Termin.\n.Punkt am Zeilenanfang ${n}\n`,
    html_body: n % 2 ? `<p>Termin ${n}</p>` : null,
    attachments: [],
    read_receipt: false,
  };
}

const mailOf = (n: number): LaneSend["mail"] => ({
  messageId: `msg_${n}`,
  workspaceId: "ws_1",
  returnPath: `b+${n}@bounce.example.org`,
  to: `patient${n}@example.org`,
  archiveBcc: null,
});

describe("send thread", () => {
  it("builds recipes as the main thread does, sends given bytes unchanged, one outcome per item in order", async () => {
    const relay = await startScriptedSmtp();
    closers.push(() => relay.close());
    lane = new SendLane(dataDir);
    const date = new Date("2026-11-24T00:30:00Z");
    const signed = Buffer.from("DKIM-Signature: v=1\r\nSubject: given\r\n\r\nHallo\r\n");
    const items: LaneSend[] = [
      ...[1, 2, 3].map((n) => ({ transportId: "tr_1", mail: mailOf(n), recipe: { input: input(n), date } })),
      { transportId: "tr_1", mail: mailOf(4), raw: new Uint8Array(signed) },
    ];
    const outcomes = await lane.send([transport("tr_1", relay.port)], items, 10);
    expect(outcomes).toHaveLength(4);
    for (const [i, n] of [1, 2, 3].entries()) {
      const o = outcomes[i];
      if (!("kind" in o)) throw new Error(`item ${n} failed: ${o.message}`);
      expect(o.kind).toBe("smtp");
      expect(o.result.outcome).toBe("sent");
      const local = buildMime(input(n), date);
      expect(o.digest).toBe(mimeDigest(local));
      const got = relay.received.find((r) => r.to.includes(`patient${n}@example.org`));
      expect(got?.raw.equals(local)).toBe(true);
    }
    const last = outcomes[3];
    expect("kind" in last && last.result.outcome).toBe("sent");
    expect("kind" in last && last.digest).toBeUndefined();
    expect(relay.received.find((r) => r.to.includes("patient4@example.org"))?.raw.equals(signed)).toBe(true);
  });

  it("tells an unusable transport and a failed build apart from a send, and reports a refusal as such", async () => {
    const relay = await startScriptedSmtp({
      rcpt: (address) => (address.startsWith("patient3@") ? { code: 550, message: "No such user" } : null),
    });
    closers.push(() => relay.close());
    lane = new SendLane(dataDir);
    const date = new Date("2026-11-24T00:30:00Z");
    const broken = {
      ...input(2),
      attachments: [{ filename: "a.pdf", content_base64: 42 }],
    } as unknown as MimeInput;
    const outcomes = await lane.send(
      [transport("tr_bad", relay.port, { port: "nope" }), transport("tr_1", relay.port)],
      [
        { transportId: "tr_bad", mail: mailOf(1), recipe: { input: input(1), date } },
        { transportId: "tr_1", mail: mailOf(2), recipe: { input: broken, date } },
        { transportId: "tr_1", mail: mailOf(3), recipe: { input: input(3), date } },
      ],
      10,
    );
    expect(outcomes[0]).toMatchObject({ failed: "transport_invalid" });
    expect(outcomes[1]).toMatchObject({ failed: "mime_build_failed" });
    expect(outcomes[2]).toMatchObject({ kind: "smtp", result: { outcome: "permanent" } });
    expect(relay.received).toHaveLength(0);
  });

  it("rejects a batch in flight when the thread ends, and a new batch starts a new thread", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const relay = await startScriptedSmtp({
      data: async () => {
        await held;
        return null;
      },
    });
    closers.push(async () => {
      release();
      await relay.close();
    });
    lane = new SendLane(dataDir);
    const date = new Date("2026-11-24T00:30:00Z");
    const inFlight = lane.send(
      [transport("tr_1", relay.port)],
      [{ transportId: "tr_1", mail: mailOf(1), recipe: { input: input(1), date } }],
      10,
    );
    while (relay.mailFroms.length === 0) await new Promise((r) => setTimeout(r, 10));
    await lane.close(100);
    await expect(inFlight).rejects.toThrow(/send thread ended/);
    release();
    const again = await lane.send(
      [transport("tr_1", relay.port)],
      [{ transportId: "tr_1", mail: mailOf(2), recipe: { input: input(2), date } }],
      10,
    );
    expect(again[0]).toMatchObject({ kind: "smtp", result: { outcome: "sent" } });
  });
});

// The worker's two paths on whichever database the run uses: in-process (PostgreSQL's default) and through
// the thread (PGlite's default) give the same timeline and the same stored recipe of the same bytes.
describe.each([false, true])("sending worker, send thread %s", (sendThread) => {
  it("defers a 451 and sends the same bytes again, which /raw rebuilds from the stored recipe", async () => {
    const env = await createTestEnv({ retryBaseSeconds: 0, maxAttempts: 3 });
    let refused: Buffer | null = null;
    const relay = await startScriptedSmtp({
      data: (raw) => {
        if (refused) return null;
        refused = raw;
        return { code: 451, message: "4.3.0 Try again later" };
      },
    });
    const worker = new SendingWorker(env.rt, { batchSize: 10, sendThread });
    closers.push(async () => {
      await worker.stop();
      await relay.close();
      await env.close();
    });
    const admin = api(env.app, env.ws.admin);
    const t = await admin.post("/v1/transports", {
      name: "relay",
      kind: "smtp",
      config: { host: "127.0.0.1", port: relay.port, starttls: "off", pool_size: 2 },
      is_default: true,
    });
    expect(t.status, t.text).toBe(201);
    const r = await admin.post("/v1/messages", {
      to: "kundin@example.org",
      from: "praxis@scholz.example",
      subject: "Ihr Termin",
      text: "Guten Tag,\n.wir bestätigen Ihren Termin am Montag um 9 Uhr.\n",
      html: "<p>Grüße</p>",
    });
    expect(r.status, r.text).toBe(202);
    await worker.drain();
    const m = (await admin.get(`/v1/messages/${r.body.id}`)).body;
    expect(m.timeline.map((e: { type: string }) => e.type)).toEqual(["queued", "deferred", "sent"]);
    expect(relay.received).toHaveLength(1);
    expect(relay.received[0].raw.equals(refused!)).toBe(true);
    const raw = await admin.get(`/v1/messages/${r.body.id}/raw`);
    const trim = (b: Buffer) => b.toString("latin1").replace(/(\r\n)+$/, "");
    expect(raw.text.replace(/(\r\n)+$/, "")).toBe(trim(relay.received[0].raw));
    const row = await env.rt.db
      .selectFrom("messages")
      .select(["raw_mime", "mime_sha256"])
      .where("id", "=", r.body.id)
      .executeTakeFirstOrThrow();
    expect(row.raw_mime).toBeNull();
    expect(row.mime_sha256).toBe(mimeDigest(Buffer.from(raw.text, "latin1")));
  });
});
