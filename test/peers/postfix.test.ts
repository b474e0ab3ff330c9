// The peer helpers themselves: a private Postfix on loopback relays to smtp-sink and logs what it did,
// and smtp-source's messages are counted by the sink. Other peer tests build on these.
import nodemailer from "nodemailer";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type PostfixInstance,
  queueIdOf,
  runSmtpSource,
  type SmtpSink,
  startPostfix,
  startSmtpSink,
} from "./postfix.js";
import { requirePeer } from "./require.js";

requirePeer("postfix")("a private Postfix instance on loopback", () => {
  let sink: SmtpSink;
  let postfix: PostfixInstance;
  beforeAll(async () => {
    sink = await startSmtpSink();
    postfix = await startPostfix({ transports: { "sink.test": `smtp:[127.0.0.1]:${sink.port}` } });
  });
  afterAll(async () => {
    await postfix?.stop();
    await sink?.stop();
  });

  it("accepts a message, answers with its queue id and relays it to smtp-sink", async () => {
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: postfix.port, secure: false });
    const info = await transport.sendMail({
      from: "praxis@example.test",
      to: "patientin@sink.test",
      subject: "Terminerinnerung",
      text: "Ihr Termin ist morgen um 9 Uhr.",
    });
    transport.close();
    const queued = info.response.match(/queued as ([0-9A-Za-z]+)/);
    expect(queued, info.response).not.toBeNull();
    const qid = queued![1];
    await postfix.waitForLog(new RegExp(`${qid}: to=<patientin@sink\\.test>.*status=sent`));
    expect(queueIdOf(postfix.log(), info.messageId)).toBe(qid);
  });

  it("stops and leaves nothing behind", async () => {
    const other = await startPostfix();
    await other.stop();
    const { existsSync } = await import("node:fs");
    expect(existsSync(other.dir)).toBe(false);
  });

  it("counts smtp-source's messages at the sink", async () => {
    const before = sink.received();
    const r = await runSmtpSource({ port: sink.port, sessions: 2, messages: 50, size: 1024 });
    expect(r.messages).toBe(50);
    // The sink counts after its reply; give the last counter line a moment to arrive.
    for (let i = 0; i < 40 && sink.received() < before + 50; i++) await new Promise((r) => setTimeout(r, 25));
    expect(sink.received()).toBe(before + 50);
  });
});
