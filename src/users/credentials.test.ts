// Credentials are for admins only (issue 7): with a transport, provider transports, a mailbox, a webhook
// endpoint, a sender domain and an extra API key configured, every GET route of the route table is walked as
// a viewer and an editor — by key and by login — and no credential appears in any answer.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { useDnsResolver } from "../domains/dns.js";
import { allRoutes } from "../http/routes.js";
import { encryptCredentials } from "../sync/credentials.js";
import { newId } from "../util/ids.js";
import { canSeeCredentials, credentialFor, credentialSet, redactCredentials } from "./credentials.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
  useDnsResolver(env.rt, { resolveTxt: async () => [], resolveMx: async () => [] });
});
afterAll(() => env?.close());

const SECRETS = {
  smtp: "smtp-Geheimnis-4711",
  sendgrid: "SG.sendgrid-Geheimnis-4712",
  postmark: "postmark-Token-4713",
  postmarkHook: "postmark-Webhook-4714",
  imap: "imap-Geheimnis-4715",
  dkim: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-Geheimnis-4716",
  mailchimp: "mc-Geheimnis-4717-us21",
};

type Ids = Record<string, string[]>;

async function seed(): Promise<{ ids: Ids; shownOnce: string[] }> {
  const a = api(env.app, env.ws.admin);
  const must = async (p: ReturnType<typeof a.post>, what: string) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`seeding ${what}: ${r.status} ${r.text}`);
    return r.body;
  };
  const smtp = await must(
    a.post("/v1/transports", {
      name: "relay",
      kind: "smtp",
      config: { host: "smtp.example.org", port: 587, auth: { user: "praxis", pass: SECRETS.smtp } },
    }),
    "smtp transport",
  );
  const sendgrid = await must(
    a.post("/v1/transports", { name: "sg", kind: "sendgrid", config: { api_key: SECRETS.sendgrid } }),
    "sendgrid transport",
  );
  const postmark = await must(
    a.post("/v1/transports", {
      name: "pm",
      kind: "postmark",
      config: {
        server_token: SECRETS.postmark,
        webhook: { username: "hook", password: SECRETS.postmarkHook },
      },
    }),
    "postmark transport",
  );
  const mailbox = await must(
    a.post("/v1/inbound-mailboxes", {
      name: "Archiv",
      host: "imap.example.org",
      port: 993,
      tls: true,
      user: "archiv",
      password: SECRETS.imap,
      purpose: "archive",
    }),
    "mailbox",
  );
  const hook = await must(
    a.post("/v1/webhook-endpoints", { url: "https://crm.example/hooks", events: ["message.bounced"] }),
    "webhook endpoint",
  );
  const key = await must(a.post("/v1/api-keys", { role: "editor", name: "CRM" }), "api key");
  const domainId = newId("dom");
  await env.rt.db
    .insertInto("sender_domains")
    .values({
      id: domainId,
      workspace_id: env.ws.id,
      domain: "praxis-scholz.example",
      dkim_selector: "ps202611",
      dkim_private_key: `-----BEGIN PRIVATE KEY-----\n${SECRETS.dkim}\n-----END PRIVATE KEY-----`,
      dkim_public_key: "AAAA",
      created_at: new Date(),
      updated_at: new Date(),
    })
    .execute();
  // An e-mail tool connection (inserted directly: creating one asks the tool). Its key is stored encrypted.
  const toolId = newId("etc");
  await env.rt.db
    .insertInto("email_tool_connections")
    .values({
      id: toolId,
      workspace_id: env.ws.id,
      name: "Mailchimp Praxis",
      tool: "mailchimp",
      base_url: "http://127.0.0.1:9",
      credentials_enc: encryptCredentials(env.rt.secret, { kind: "mailchimp", api_key: SECRETS.mailchimp }),
      credentials_hint: "API key …us21",
      account: "praxis",
      created_at: new Date(),
      created_by: "seed",
      updated_at: new Date(),
    })
    .execute();
  const message = await must(
    a.post("/v1/messages", {
      to: "kunde@example.org",
      from: "info@example.org",
      subject: "Termin",
      text: "Hallo",
    }),
    "message",
  );
  return {
    ids: {
      transports: [smtp.id, sendgrid.id, postmark.id],
      "inbound-mailboxes": [mailbox.id],
      "webhook-endpoints": [hook.id],
      "sender-domains": [domainId],
      messages: [message.id],
      "api-keys": [key.id],
      "email-tools": [toolId],
    },
    // Shown once at creation, never again — not even to admins.
    shownOnce: [hook.secret as string, key.key as string],
  };
}

/** Every GET URL of the workspace routes, with each seeded id in place of a parameter. */
function getUrls(ids: Ids): string[] {
  const urls: string[] = [];
  for (const r of allRoutes()) {
    if (r.method !== "GET" || r.auth !== "workspace") continue;
    let variants = [""];
    const parts = r.url.split("/").slice(1);
    parts.forEach((p, i) => {
      const choices = p.startsWith(":")
        ? p === ":code"
          ? ["userunknown"]
          : (ids[parts[i - 1]] ?? ["unknown"])
        : [p];
      variants = variants.flatMap((v) => choices.map((c) => `${v}/${c}`));
    });
    urls.push(...variants);
  }
  return urls;
}

async function loginAs(role: "viewer" | "editor" | "admin") {
  const email = `${role}.${newId("x").toLowerCase()}@example.org`;
  const password = "Ein-langes-Passwort-1";
  const c = await api(env.app, env.ws.admin).post("/v1/users", { email, role, password });
  expect(c.status).toBe(201);
  const r = await api(env.app).post("/v1/auth/login", { email, password });
  const token = /poststelle_session=([^;]+)/.exec(String(r.headers["set-cookie"]))?.[1];
  return { cookie: `poststelle_session=${token}` };
}

async function walk(urls: string[], auth: { key?: string; cookie?: string }) {
  const texts: string[] = [];
  let ok = 0;
  for (const url of urls) {
    const r = await api(env.app, auth.key).get(url, auth.cookie ? { cookie: auth.cookie } : {});
    if (r.status === 200) ok++;
    texts.push(`${url} → ${r.text}`);
  }
  return { texts, ok };
}

const leaks = (texts: string[], secrets: string[]) =>
  texts.filter((t) => secrets.some((s) => t.includes(s))).map((t) => t.slice(0, 120));

describe("credentials are for admins only", () => {
  it("no GET route shows a credential to a viewer or an editor, by key or by login", {
    timeout: 120_000,
  }, async () => {
    const { ids, shownOnce } = await seed();
    const urls = getUrls(ids);
    expect(urls.length).toBeGreaterThan(30);
    const all = [...Object.values(SECRETS), ...shownOnce];
    const sessions = { viewer: await loginAs("viewer"), editor: await loginAs("editor") };
    for (const [who, auth] of [
      ["viewer key", { key: env.ws.viewer }],
      ["editor key", { key: env.ws.editor }],
      ["viewer login", sessions.viewer],
      ["editor login", sessions.editor],
    ] as const) {
      const { texts, ok } = await walk(urls, auth);
      expect(ok, `${who} read some routes`).toBeGreaterThan(15);
      expect(leaks(texts, all), `${who} saw a credential`).toEqual([]);
    }
    // The walk does reach the credentials: an admin sees the transports' (and nothing shown only once).
    const admin = await walk(urls, await loginAs("admin"));
    expect(admin.texts.some((t) => t.includes(SECRETS.smtp))).toBe(true);
    expect(admin.texts.some((t) => t.includes(SECRETS.sendgrid))).toBe(true);
    expect(admin.texts.some((t) => t.includes(SECRETS.mailchimp))).toBe(true);
    expect(leaks(admin.texts, [...shownOnce, SECRETS.dkim])).toEqual([]);
    // No one ever gets a password hash (the users' routes answer people, not their hashes).
    expect(leaks(admin.texts, ["$argon2"])).toEqual([]);
    expect(admin.texts.some((t) => t.startsWith("/v1/users →"))).toBe(true);
  });
});

describe("the credential helpers", () => {
  const viewer = { role: "viewer" as const };
  const admin = { role: "admin" as const };
  it("give admins the value and everyone else null with a flag", () => {
    expect(canSeeCredentials(admin)).toBe(true);
    expect(canSeeCredentials({ role: "editor" })).toBe(false);
    expect(credentialFor(admin, "geheim")).toBe("geheim");
    expect(credentialFor(viewer, "geheim")).toBeNull();
    expect(credentialSet("geheim")).toBe(true);
    expect(credentialSet("")).toBe(false);
    expect(credentialSet(null)).toBe(false);
  });

  it("redact credential-like keys at any depth for non-admins", () => {
    const config = {
      host: "h",
      auth: { user: "u", pass: "p" },
      list: [{ api_key: "k", name: "n" }],
      token: "",
    };
    expect(redactCredentials(admin, config)).toBe(config);
    expect(redactCredentials(viewer, config)).toEqual({
      host: "h",
      auth: null,
      auth_set: true,
      list: [{ api_key: null, api_key_set: true, name: "n" }],
      token: null,
      token_set: false,
    });
  });

  it("leave no value of a credential-like key in what a non-admin gets (property)", () => {
    const secretKey = fc.constantFrom(
      "password",
      "pass",
      "api_key",
      "apiKey",
      "secret",
      "server_token",
      "private_key",
    );
    const plainKey = fc.constantFrom("host", "name", "port", "region", "user", "url");
    const secretValue = fc.string({ minLength: 8 }).map((v) => `S3CRET:${v}`);
    const leaf = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 5 }));
    const tree = fc.letrec((tie) => ({
      node: fc
        .tuple(
          fc.dictionary(plainKey, fc.oneof(leaf, tie("node")), { maxKeys: 4 }),
          fc.dictionary(secretKey, secretValue, { maxKeys: 3 }),
        )
        .map(([plain, secret]) => ({ ...plain, ...secret })),
      list: fc.array(tie("node"), { maxLength: 3 }),
    })).node;
    fc.assert(
      fc.property(tree, (config) => {
        expect(JSON.stringify(redactCredentials(viewer, config))).not.toContain("S3CRET:");
        expect(redactCredentials(admin, config)).toEqual(config);
      }),
    );
  });
});
