import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendgridClient } from "../bench/events.js";

/** A stand-in for the webhook: records what each request carried and answers as Poststelle does. */
function recordingServer() {
  const seen: Array<{ body: Buffer; headers: http.IncomingHttpHeaders; url: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ body, headers: req.headers, url: req.url ?? "" });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ stored: (JSON.parse(body.toString("utf8")) as unknown[]).length }));
    });
  });
  return { server, seen };
}

describe("the events benchmark's SendGrid client", () => {
  const { server, seen } = recordingServer();
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("posts the same bytes and headers from its own process as inline, and reports each answer", async () => {
    const requests = [1, 3].map((n) => ({
      url: `${base}/v1/webhooks/sendgrid/ws_${n}`,
      // not ASCII only: the bytes must arrive as they were signed
      body: new TextEncoder().encode(
        JSON.stringify(
          Array.from({ length: n }, (_, i) => ({ event: "delivered", email: `ä${i}@example.com` })),
        ),
      ),
      headers: {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-signature": `sig-${n}`,
        "x-twilio-email-event-webhook-timestamp": "1700000000",
      },
    }));
    const answers: Record<string, number[]> = {};
    const received: Record<string, typeof seen> = {};
    for (const place of ["inline", "process"] as const) {
      seen.length = 0;
      const client = await sendgridClient(place);
      try {
        await client.load(requests);
        answers[place] = await client.post();
      } finally {
        client.close();
      }
      received[place] = [...seen].sort((a, b) => a.url.localeCompare(b.url));
    }
    for (const place of ["inline", "process"] as const) {
      expect(answers[place]).toEqual([1, 3]);
      expect(received[place].map((r) => r.url)).toEqual([
        "/v1/webhooks/sendgrid/ws_1",
        "/v1/webhooks/sendgrid/ws_3",
      ]);
      received[place].forEach((r, i) => {
        expect(r.body.equals(Buffer.from(requests[i].body))).toBe(true);
        for (const [k, v] of Object.entries(requests[i].headers)) expect(r.headers[k]).toBe(v);
      });
    }
  });
});
