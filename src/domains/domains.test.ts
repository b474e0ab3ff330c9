import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { requirePeer } from "../../test/peers/require.js";
import { SendingWorker } from "../delivery/worker.js";
import { dkimSign, isRelaxedCanonical, relaxedBody } from "./dkim.js";
import { type DnsResolver, useDnsResolver } from "./dns.js";
import { verifyDkim } from "./test-support.js";

function testKey() {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

const sample = (body: string) =>
  Buffer.from(
    `From: Praxis Dr. Scholz <praxis@scholz.example>\r\nTo: kundin@example.org\r\nSubject: Ihr Termin\r\n  am Montag\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <a@scholz.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
    "latin1",
  );

describe("DKIM signing (RFC 6376 relaxed/relaxed, rsa-sha256)", () => {
  const key = testKey();
  const signer = { domain: "scholz.example", selector: "ps202611", privateKey: key.privateKey };

  it("signs so that an independent verifier accepts it, and names domain and selector", () => {
    const signed = dkimSign(sample("Guten Tag,\r\nbis Montag.\r\n"), signer);
    expect(signed.toString("latin1")).toMatch(/^DKIM-Signature: v=1; ?\r\n? ?a=rsa-sha256/);
    const r = verifyDkim(signed, key.publicKey);
    expect(r.ok).toBe(true);
    expect(r.tags).toMatchObject({
      d: "scholz.example",
      s: "ps202611",
      c: "relaxed/relaxed",
      a: "rsa-sha256",
    });
    expect(r.tags.h.split(":")).toEqual(
      expect.arrayContaining(["from", "to", "subject", "date", "message-id", "content-type"]),
    );
  });

  it("fails verification when the body, a signed header or the key differ", () => {
    const signed = dkimSign(sample("Guten Tag\r\n"), signer).toString("latin1");
    expect(
      verifyDkim(Buffer.from(signed.replace("Guten Tag", "Guten Abend"), "latin1"), key.publicKey).ok,
    ).toBe(false);
    expect(
      verifyDkim(Buffer.from(signed.replace("Ihr Termin", "Ihre Rechnung"), "latin1"), key.publicKey).ok,
    ).toBe(false);
    expect(verifyDkim(Buffer.from(signed, "latin1"), testKey().publicKey).ok).toBe(false);
  });

  it("verifies for any body, and survives what relaxed canonicalisation forgives (trailing blanks, empty lines)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[ -~\t]{0,60}$/), { maxLength: 8 }),
        fc.nat(3),
        (lines, extraEmpty) => {
          const body = lines.join("\r\n") + (lines.length ? "\r\n" : "");
          const signed = dkimSign(sample(body), signer).toString("latin1");
          if (!verifyDkim(Buffer.from(signed, "latin1"), key.publicKey).ok) return false;
          // A relay that pads lines with spaces or appends empty lines does not break a relaxed signature.
          const [head, rest] = [
            signed.slice(0, signed.indexOf("\r\n\r\n") + 4),
            signed.slice(signed.indexOf("\r\n\r\n") + 4),
          ];
          const padded = rest.replace(/\r\n/g, " \r\n") + "\r\n".repeat(extraEmpty);
          return verifyDkim(Buffer.from(head + padded, "latin1"), key.publicKey).ok;
        },
      ),
      { numRuns: 40 },
    );
  });

  it("hashes a body as it is only when relaxed canonicalisation would not change it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "=", " ", "\t", "\r", "\n", "\r\n", "é"), { maxLength: 40 }),
        (bits) => {
          const body = Buffer.from(bits.join(""), "latin1");
          return (
            !isRelaxedCanonical(body) || relaxedBody(body.toString("latin1")) === body.toString("latin1")
          );
        },
      ),
      { numRuns: 2000 },
    );
    // A quoted-printable campaign body is taken as it is.
    expect(isRelaxedCanonical(Buffer.from("Hallo Welt=\r\n =3D\r\n--b--\r\n"))).toBe(true);
    expect(isRelaxedCanonical(Buffer.from("Hallo  Welt\r\n"))).toBe(false);
    expect(isRelaxedCanonical(Buffer.from("\r\n"))).toBe(false);
  });

  requirePeer("dkimpy", () =>
    fs.existsSync("/usr/lib/python3/dist-packages/dkim/__init__.py") ? null : "apt-get install python3-dkim",
  )("checked by dkimpy (python3-dkim), an independent implementation", () => {
    it("dkimpy verifies Poststelle's signature with the published key", () => {
      const signed = dkimSign(sample("Guten Tag,\r\nbis Montag.\r\n"), signer);
      const script = [
        "import sys, dkim",
        `rec = b"v=DKIM1; k=rsa; p=${key.publicKey}"`,
        "def dns(name, timeout=5): return rec if name == b'ps202611._domainkey.scholz.example.' else None",
        "print('PASS' if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dns) else 'FAIL')",
      ].join("\n");
      const r = spawnSync("/usr/bin/python3", ["-c", script], { input: signed });
      expect(r.stderr.toString()).toBe("");
      expect(r.stdout.toString().trim()).toBe("PASS");
      const tampered = Buffer.from(signed.toString("latin1").replace("Montag", "Dienstag"), "latin1");
      expect(
        spawnSync("/usr/bin/python3", ["-c", script], { input: tampered }).stdout.toString().trim(),
      ).toBe("FAIL");
    });
  });
});

// ---------------------------------------------------------------- the API

let env: TestEnv;
const admin = () => api(env.app, env.ws.admin);
const editor = () => api(env.app, env.ws.editor);
const viewer = () => api(env.app, env.ws.viewer);

/** DNS as the test says it is: name → TXT records, name → MX hosts. */
class FakeDns implements DnsResolver {
  txt = new Map<string, string[]>();
  mx = new Map<string, string[]>();
  async resolveTxt(name: string) {
    const r = this.txt.get(name);
    if (!r) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    // Long records arrive in 255-byte chunks.
    return r.map((t) => t.match(/.{1,255}/g) ?? [""]);
  }
  async resolveMx(name: string) {
    const r = this.mx.get(name);
    if (!r) throw Object.assign(new Error(`queryMx ENODATA ${name}`), { code: "ENODATA" });
    return r.map((exchange, i) => ({ exchange, priority: 10 + i }));
  }
}
const dns = new FakeDns();

beforeAll(async () => {
  env = await createTestEnv({
    bounceDomain: "bounces.poststelle.example",
    publicUrl: "https://mail.poststelle.example",
  });
  useDnsResolver(env.rt, dns);
  env.setNow(new Date("2026-11-23T09:00:00Z"));
});
afterAll(async () => {
  await env?.close();
});

const record = (d: { dns_records: Array<{ record: string; name: string; value: string }> }, which: string) =>
  d.dns_records.find((r) => r.record === which)!;
const check = (d: { checks: Array<{ record: string; status: string; found: string[] }> }, which: string) =>
  d.checks.find((c) => c.record === which)!;

function publishAll(d: { dns_records: Array<{ record: string; name: string; value: string }> }) {
  for (const which of ["dkim", "spf", "dmarc"]) dns.txt.set(record(d, which).name, [record(d, which).value]);
  dns.mx.set("bounces.poststelle.example", ["mail.poststelle.example."]);
}

describe("/v1/sender-domains", () => {
  it("registers a domain (IDN as punycode) with a DKIM key and the records to publish, never the private key", async () => {
    const r = await admin().post("/v1/sender-domains", { domain: " Müller-Praxis.DE. " });
    expect(r.status, r.text).toBe(201);
    expect(r.body.domain).toBe("xn--mller-praxis-dlb.de");
    expect(r.body.unicode).toBe("müller-praxis.de");
    expect(r.body.dkim_selector).toBe("ps202611");
    expect(r.body.verified).toBe(false);
    expect(r.text).not.toMatch(/PRIVATE KEY|private_key/);
    const dkim = record(r.body, "dkim");
    expect(dkim).toMatchObject({ type: "TXT", name: "ps202611._domainkey.xn--mller-praxis-dlb.de" });
    expect(dkim.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    expect(record(r.body, "spf")).toMatchObject({
      name: "xn--mller-praxis-dlb.de",
      value: "v=spf1 a mx ~all",
    });
    expect(record(r.body, "dmarc")).toMatchObject({
      name: "_dmarc.xn--mller-praxis-dlb.de",
      value: "v=DMARC1; p=none; rua=mailto:dmarc@xn--mller-praxis-dlb.de",
    });
    expect(record(r.body, "bounce")).toMatchObject({
      type: "MX",
      name: "bounces.poststelle.example",
      value: "mail.poststelle.example",
    });
    const again = await viewer().get(`/v1/sender-domains/${r.body.id}`);
    expect(again.status).toBe(200);
    expect(again.text).not.toMatch(/PRIVATE KEY|private_key/);
    const list = await viewer().get("/v1/sender-domains");
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(r.body.id);
    expect(list.text).not.toMatch(/PRIVATE KEY/);
  });

  it("uses the workspace's SPF policy when one is set", async () => {
    const c = api(env.app, env.other.admin);
    expect(
      (await c.patch("/v1/workspace", { settings: { spf_policy: "v=spf1 include:_spf.relay.example ~all" } }))
        .status,
    ).toBe(200);
    const r = await c.post("/v1/sender-domains", { domain: "scholz.example" });
    expect(record(r.body, "spf").value).toBe("v=spf1 include:_spf.relay.example ~all");
  });

  it("refuses bad input, duplicates, non-admin writes and foreign ids, changing nothing", async () => {
    expect((await admin().post("/v1/sender-domains", { domain: "not a domain" })).status).toBe(400);
    expect((await admin().post("/v1/sender-domains", { domain: "localhost" })).status).toBe(400);
    expect((await admin().post("/v1/sender-domains", { domain: "a.example", dkim: "x" })).status).toBe(400);
    expect((await editor().post("/v1/sender-domains", { domain: "b.example" })).status).toBe(403);
    const first = await admin().post("/v1/sender-domains", { domain: "dup.example" });
    expect(first.status).toBe(201);
    expect((await admin().post("/v1/sender-domains", { domain: "DUP.example" })).status).toBe(409);
    const foreign = api(env.app, env.other.admin);
    expect((await foreign.get(`/v1/sender-domains/${first.body.id}`)).status).toBe(404);
    expect((await foreign.post(`/v1/sender-domains/${first.body.id}/verify`)).status).toBe(404);
    expect((await foreign.delete(`/v1/sender-domains/${first.body.id}`)).status).toBe(404);
    expect((await editor().post(`/v1/sender-domains/${first.body.id}/verify`)).status).toBe(403);
    expect((await viewer().get(`/v1/sender-domains/${first.body.id}`)).status).toBe(200);
    expect((await admin().delete(`/v1/sender-domains/${first.body.id}`)).status).toBe(204);
    expect((await admin().get(`/v1/sender-domains/${first.body.id}`)).status).toBe(404);
  });

  it("checks DNS record by record: missing, mismatch (another key, two SPF records), then ok and verified", async () => {
    const d = (await admin().post("/v1/sender-domains", { domain: "hundeschule-pfote.example" })).body;
    let r = await admin().post(`/v1/sender-domains/${d.id}/verify`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.checks.map((c: { status: string }) => c.status)).toEqual([
      "missing",
      "missing",
      "missing",
      "missing",
    ]);
    expect(r.body.verified).toBe(false);

    dns.txt.set(record(d, "dkim").name, [`v=DKIM1; k=rsa; p=${testKey().publicKey}`]);
    dns.txt.set("hundeschule-pfote.example", [
      "v=spf1 a ~all",
      "v=spf1 mx ~all",
      "google-site-verification=x",
    ]);
    dns.txt.set("_dmarc.hundeschule-pfote.example", ["v=DMARC1; p=none"]);
    dns.mx.set("bounces.poststelle.example", ["mx.elsewhere.example"]);
    r = await admin().post(`/v1/sender-domains/${d.id}/verify`);
    expect(check(r.body, "dkim").status).toBe("mismatch");
    expect(check(r.body, "dkim").found[0]).toMatch(/^v=DKIM1; k=rsa; p=/);
    expect(check(r.body, "spf")).toMatchObject({
      status: "mismatch",
      found: ["v=spf1 a ~all", "v=spf1 mx ~all"],
    });
    expect(check(r.body, "dmarc").status).toBe("ok");
    expect(check(r.body, "bounce")).toMatchObject({ status: "mismatch", found: ["mx.elsewhere.example"] });
    expect(r.body.verified).toBe(false);

    publishAll(d);
    r = await admin().post(`/v1/sender-domains/${d.id}/verify`);
    expect(r.body.checks.map((c: { status: string }) => c.status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(r.body.verified).toBe(true);
    expect(r.body.verified_at).toBe("2026-11-23T09:00:00.000Z");
  });
});

describe("sending from sender domains", () => {
  it("signs outgoing mail with the domain's key; the stored raw MIME is what left and verifies", async () => {
    const d = (await admin().post("/v1/sender-domains", { domain: "praxis-scholz.example" })).body;
    const publicKey = record(d, "dkim").value.replace(/^.*p=/, "");
    const worker = new SendingWorker(env.rt, { batchSize: 10 });
    try {
      const sent = await editor().post("/v1/messages", {
        to: "kundin@example.org",
        from: "termine@praxis-scholz.example",
        subject: "Ihr Termin",
        text: "Guten Tag,\nwir bestätigen Ihren Termin.\n",
      });
      expect(sent.status, sent.text).toBe(202);
      await worker.drain();
      const raw = await editor().get(`/v1/messages/${sent.body.id}/raw`);
      expect(raw.status).toBe(200);
      const v = verifyDkim(Buffer.from(raw.text, "latin1"), publicKey);
      expect(v.tags).toMatchObject({ d: "praxis-scholz.example", s: "ps202611" });
      expect(v.ok).toBe(true);
      // Mail from a domain that is not registered leaves unsigned.
      const other = await editor().post("/v1/messages", {
        to: "kundin@example.org",
        from: "info@not-registered.example",
        subject: "Hallo",
        text: "x",
      });
      await worker.drain();
      expect((await editor().get(`/v1/messages/${other.body.id}/raw`)).text).not.toMatch(/DKIM-Signature/i);
    } finally {
      await worker.stop();
    }
  });

  it("refuses a sender domain that is not verified, saying what to publish, once the workspace requires it", async () => {
    const msg = (from: string) => ({ to: "kundin@example.org", from, subject: "Termin", text: "Hallo" });
    // Default: not required (the capture outbox and existing clients keep working).
    expect((await editor().post("/v1/messages", msg("a@unverified.example"))).status).toBe(202);
    expect(
      (await admin().patch("/v1/workspace", { settings: { require_verified_domain: true } })).status,
    ).toBe(200);
    try {
      const none = await editor().post("/v1/messages", msg("a@unverified.example"));
      expect(none.status).toBe(400);
      expect(none.body.error.message).toMatch(/'unverified\.example' is not a sender domain/);
      expect(none.body.error.message).toContain("POST /v1/sender-domains");

      const d = (await admin().post("/v1/sender-domains", { domain: "tierarzt.example" })).body;
      const pending = await editor().post("/v1/messages", msg("praxis@Tierarzt.example"));
      expect(pending.status).toBe(400);
      expect(pending.body.error.message).toContain(
        `TXT ${record(d, "dkim").name} "${record(d, "dkim").value}"`,
      );
      expect(pending.body.error.message).toContain('TXT tierarzt.example "v=spf1 a mx ~all"');
      expect(pending.body.error.message).toContain("_dmarc.tierarzt.example");
      const batch = await editor().post("/v1/messages/batch", {
        messages: [msg("x@hundeschule-pfote.example"), msg("y@tierarzt.example")],
      });
      expect(batch.status).toBe(400);

      publishAll(d);
      expect((await admin().post(`/v1/sender-domains/${d.id}/verify`)).body.verified).toBe(true);
      expect((await editor().post("/v1/messages", msg("praxis@tierarzt.example"))).status).toBe(202);
    } finally {
      await admin().patch("/v1/workspace", { settings: { require_verified_domain: false } });
    }
  });
});
