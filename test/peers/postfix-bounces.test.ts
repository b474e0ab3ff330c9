// Issue 5's Postfix peer test: Poststelle sends through a real Postfix on loopback to an unknown local
// user, to a domain that cannot be resolved (transport `error:5.4.4`) and to a deliverable local mailbox.
// Postfix accepts all three and then writes its own DSNs to the VERP return path; its transport map routes
// the bounce domain to Poststelle's inbound listener. The messages end hard_bounced (userunknown,
// hostunknown: both addresses blocklisted) and delivered — the last through the success DSN Postfix sends
// because the SMTP transport asks for NOTIFY=SUCCESS (RFC 3461).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SendingWorker } from "../../src/delivery/worker.js";
import { type InboundListener, startInboundListener } from "../../src/inbound/listener.js";
import { type ApiResponse, api, createTestEnv, type TestEnv } from "../harness.js";
import { type PostfixInstance, startPostfix } from "./postfix.js";
import { requirePeer } from "./require.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

requirePeer("postfix")("bounces and success notifications from a real Postfix", () => {
  let env: TestEnv;
  let listener: InboundListener;
  let postfix: PostfixInstance;
  let spool: string;

  beforeAll(async () => {
    env = await createTestEnv({ bounceDomain: "bounces.test" });
    listener = await startInboundListener(env.rt, { host: "127.0.0.1", port: 0 });
    // local(8) delivers the deliverable mailbox into this spool, not into /var/mail.
    spool = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-spool-"));
    fs.chmodSync(spool, 0o1777);
    postfix = await startPostfix({
      transports: {
        "bounces.test": `smtp:[127.0.0.1]:${listener.port}`,
        "nowhere.test": "error:5.4.4 Host or domain name not found",
      },
      settings: {
        // Accept the error-transport domain at RCPT and bounce it afterwards, as for an unresolvable host.
        smtpd_reject_unlisted_recipient: "no",
        mail_spool_directory: spool,
        smtp_tls_security_level: "none",
      },
    });
  });
  afterAll(async () => {
    await postfix?.stop();
    await listener?.stop();
    await env?.close();
    if (spool) fs.rmSync(spool, { recursive: true, force: true });
  });

  async function waitForStatus(id: string, want: string): Promise<ApiResponse> {
    const c = api(env.app, env.ws.admin);
    let last: ApiResponse | undefined;
    for (let i = 0; i < 300; i++) {
      last = await c.get(`/v1/messages/${id}`);
      if (last.body.status === want) return last;
      await sleep(100);
    }
    throw new Error(`message ${id} did not become ${want}: ${JSON.stringify(last?.body)}\n${postfix.log()}`);
  }

  it("ends hard_bounced (userunknown, hostunknown; blocklisted) and delivered", async () => {
    const c = api(env.app, env.ws.admin);
    const t = await c.post("/v1/transports", {
      name: "postfix",
      kind: "smtp",
      config: { host: "127.0.0.1", port: postfix.port, starttls: "off" },
      is_default: true,
    });
    expect(t.status, t.text).toBe(201);
    const send = async (to: string) => {
      const m = await c.post("/v1/messages", {
        to,
        from: "praxis@example.test",
        subject: "Ihr Termin",
        text: "Guten Tag.",
      });
      expect(m.status, m.text).toBe(202);
      return m.body.id as string;
    };
    const unknownUser = await send("nobody-here@mailhub.localdomain");
    const unknownHost = await send("someone@nowhere.test");
    const deliverable = await send("postfix@mailhub.localdomain");
    await new SendingWorker(env.rt).drain();

    const user = await waitForStatus(unknownUser, "hard_bounced");
    const userEvent = user.body.timeline.find((e: { type: string }) => e.type === "hard_bounced");
    expect(userEvent.evidence).toMatchObject({
      reason: "userunknown",
      status: "5.1.1",
      matched_by: "verp",
      via: "smtp",
    });
    expect(userEvent.evidence.diagnostic).toMatch(/unknown user/);

    const host = await waitForStatus(unknownHost, "hard_bounced");
    const hostEvent = host.body.timeline.find((e: { type: string }) => e.type === "hard_bounced");
    expect(hostEvent.evidence).toMatchObject({ reason: "hostunknown", status: "5.4.4" });

    const ok = await waitForStatus(deliverable, "delivered");
    const okEvent = ok.body.timeline.find((e: { type: string }) => e.type === "delivered");
    expect(okEvent.source).toBe("inbound_dsn");
    expect(okEvent.evidence).toMatchObject({ action: "delivered", status: "2.0.0" });

    for (const address of ["nobody-here@mailhub.localdomain", "someone@nowhere.test"]) {
      const b = await c.get(`/v1/blocklist/check?address=${address}`);
      expect(b.body.blocked, address).toBe(true);
      expect(b.body.entry.source).toBe("hard_bounce");
    }
    expect((await c.get("/v1/blocklist/check?address=postfix@mailhub.localdomain")).body.blocked).toBe(false);
    // The Postfix log shows the DSNs going to the listener.
    expect(postfix.log()).toMatch(
      new RegExp(`relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${listener.port}.*status=sent`),
    );
  });
});
