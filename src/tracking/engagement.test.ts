import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { appendEvents } from "../events/service.js";
import { linksOfMessage } from "./engagement-store.js";
import { clickTokenFor, openTokenFor, readClickToken, readOpenToken } from "./engagement-token.js";
import { unsubscribeUrl } from "./unsubscribe.js";

let env: TestEnv;
let editor: ReturnType<typeof api>;
let anonymous: ReturnType<typeof api>;

const BROWSER =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

beforeAll(async () => {
  env = await createTestEnv();
  editor = api(env.app, env.ws.editor);
  anonymous = api(env.app);
  for (const key of [env.ws.admin, env.other.admin]) {
    const r = await api(env.app, key).patch("/v1/workspace", {
      settings: { default_from: "newsletter@hundeschule.example", tracking: true },
    });
    expect(r.status).toBe(200);
  }
});
afterAll(() => env?.close());

const HTML = (unsubscribe: string) =>
  `<html><body><p>Hallo Erika,</p>
<a href="https://hundeschule.example/kurse?a=1&amp;b=2">Kurse</a>
<a href='mailto:info@hundeschule.example'>Schreiben</a>
<a href="#oben">Nach oben</a>
<a href="${unsubscribe}">Abmelden</a>
<a class="x" href=https://hundeschule.example/termine>Termine</a>
</body></html>`;

/** Submits a tracked message; returns its id, stored HTML and links. */
async function trackedMessage(key = env.ws.editor, unsubscribe = `${env.config.publicUrl}/u/abc`) {
  const r = await api(env.app, key).post("/v1/messages", {
    to: "erika@example.org",
    subject: "Neue Kurse",
    html: HTML(unsubscribe),
  });
  expect(r.status).toBe(202);
  const id = r.body.id as string;
  const row = await env.rt.db
    .selectFrom("messages")
    .select(["html_body", "workspace_id"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return { id, html: row.html_body ?? "", links: await linksOfMessage(env.rt.db, row.workspace_id, id) };
}

function pathOf(url: string) {
  expect(url.startsWith(env.config.publicUrl)).toBe(true);
  return url.slice(env.config.publicUrl.length);
}

function clickPaths(html: string): string[] {
  return [...html.matchAll(/href="([^"]*\/c\/[^"]*)"/g)].map((m) => pathOf(m[1]));
}

function pixelPath(html: string): string {
  const m = /<img src="([^"]*\/o\/[^"]*\.gif)"/.exec(html);
  expect(m).not.toBeNull();
  return pathOf(m?.[1] ?? "");
}

async function events(messageId: string, type: string) {
  return env.rt.db
    .selectFrom("message_events")
    .selectAll()
    .where("message_id", "=", messageId)
    .where("type", "=", type)
    .orderBy("id")
    .execute();
}

async function statusOf(messageId: string) {
  const r = await editor.get(`/v1/messages/${messageId}`);
  return r.body.status as string;
}

// biome-ignore lint/suspicious/noExplicitAny: evidence is JSON checked field by field.
const evidenceOf = (e: { evidence: unknown }) => e.evidence as any;

describe("instrumenting at submit", () => {
  it("rewrites http(s) links and adds the pixel when the workspace tracks; keeps mailto, anchors and unsubscribe", async () => {
    const m = await trackedMessage();
    expect(m.links.map((l) => l.url)).toEqual([
      "https://hundeschule.example/kurse?a=1&b=2",
      "https://hundeschule.example/termine",
    ]);
    expect(clickPaths(m.html)).toHaveLength(2);
    expect(m.html).toContain("href='mailto:info@hundeschule.example'");
    expect(m.html).toContain('href="#oben"');
    expect(m.html).toContain(`href="${env.config.publicUrl}/u/abc"`);
    expect(m.html).not.toContain("hundeschule.example/kurse");
    expect(m.html.indexOf("/o/")).toBeLessThan(m.html.indexOf("</body>"));
  });

  it("leaves the HTML alone and stores no links when tracking is off", async () => {
    const admin = api(env.app, env.ws.admin);
    await admin.patch("/v1/workspace", { settings: { tracking: false } });
    try {
      const m = await trackedMessage();
      expect(m.html).toBe(HTML(`${env.config.publicUrl}/u/abc`));
      expect(m.links).toEqual([]);
    } finally {
      await admin.patch("/v1/workspace", { settings: { tracking: true } });
    }
  });
});

describe("open pixel", () => {
  it("answers a transparent GIF without caching and records a human open", async () => {
    const m = await trackedMessage();
    const r = await anonymous.get(pixelPath(m.html), {
      "user-agent": BROWSER,
      "x-forwarded-for": "203.0.113.77",
    });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("image/gif");
    expect(String(r.headers["cache-control"])).toContain("no-store");
    expect(Buffer.from(r.text, "latin1").subarray(0, 6).toString("latin1")).toBe("GIF89a");
    const opens = await events(m.id, "opened");
    expect(opens).toHaveLength(1);
    expect(opens[0].source).toBe("open_pixel");
    expect(evidenceOf(opens[0])).toMatchObject({
      user_agent: BROWSER,
      ip: "203.0.113.0/24",
      machine: false,
      machine_reason: null,
    });
    expect(await statusOf(m.id)).toBe("opened");
  });

  it("flags an Apple Mail Privacy Protection open as machine and does not count it as the recipient's", async () => {
    const m = await trackedMessage();
    const before = await statusOf(m.id);
    const r = await anonymous.get(pixelPath(m.html), {
      "user-agent": "Mozilla/5.0",
      "x-forwarded-for": "17.58.63.9",
    });
    expect(r.status).toBe(200);
    const opens = await events(m.id, "opened");
    expect(opens).toHaveLength(1);
    expect(evidenceOf(opens[0])).toMatchObject({
      machine: true,
      machine_reason: "apple_mail_privacy_protection",
      ip: "17.58.63.0/24",
    });
    expect(await statusOf(m.id)).toBe(before);
    // The same bare agent from elsewhere is a person's client.
    await anonymous.get(pixelPath(m.html), {
      "user-agent": "Mozilla/5.0",
      "x-forwarded-for": "198.51.100.4",
    });
    expect(await statusOf(m.id)).toBe("opened");
  });

  it("records one open per client and minute however often the pixel is fetched", async () => {
    const m = await trackedMessage();
    const t = new Date("2026-06-01T09:00:10Z");
    try {
      env.setNow(t);
      for (let i = 0; i < 3; i++) {
        expect((await anonymous.get(pixelPath(m.html), { "user-agent": BROWSER })).status).toBe(200);
      }
      env.setNow(new Date(t.getTime() + 60_000));
      await anonymous.get(pixelPath(m.html), { "user-agent": BROWSER });
    } finally {
      env.setNow(null);
    }
    expect(await events(m.id, "opened")).toHaveLength(2);
  });

  it("flags Google's image proxy as machine", async () => {
    const m = await trackedMessage();
    const ua = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
    await anonymous.get(pixelPath(m.html), { "user-agent": ua });
    expect(evidenceOf((await events(m.id, "opened"))[0]).machine_reason).toBe("google_image_proxy");
  });
});

describe("click redirect", () => {
  it("redirects to the URL recorded for the message and link and records a human click", async () => {
    const m = await trackedMessage();
    const [first, second] = clickPaths(m.html);
    const r1 = await anonymous.get(`${first}?url=https://evil.example/`, { "user-agent": BROWSER });
    expect(r1.status).toBe(302);
    expect(r1.headers.location).toBe("https://hundeschule.example/kurse?a=1&b=2");
    const r2 = await anonymous.get(second, { "user-agent": BROWSER });
    expect(r2.headers.location).toBe("https://hundeschule.example/termine");
    const clicks = await events(m.id, "clicked");
    expect(clicks.map((c) => evidenceOf(c).url)).toEqual([
      "https://hundeschule.example/kurse?a=1&b=2",
      "https://hundeschule.example/termine",
    ]);
    expect(clicks.every((c) => evidenceOf(c).machine === false)).toBe(true);
    expect(await statusOf(m.id)).toBe("clicked");
  });

  it("flags a HEAD request as a machine click", async () => {
    const m = await trackedMessage();
    const r = await anonymous.raw("HEAD", clickPaths(m.html)[0], undefined, { "user-agent": BROWSER });
    expect(r.status).toBe(302);
    const clicks = await events(m.id, "clicked");
    expect(clicks).toHaveLength(1);
    expect(evidenceOf(clicks[0])).toMatchObject({ machine: true, machine_reason: "head_request" });
    expect(await statusOf(m.id)).not.toBe("clicked");
  });

  it("flags known scanner agents as machine clicks", async () => {
    const m = await trackedMessage();
    for (const ua of [
      "Mozilla/5.0 (compatible; Barracuda Sentinel)",
      "Proofpoint URL Defense",
      "Mimecast-Scanner",
    ]) {
      expect((await anonymous.get(clickPaths(m.html)[1], { "user-agent": ua })).status).toBe(302);
    }
    const clicks = await events(m.id, "clicked");
    expect(clicks.map((c) => evidenceOf(c).machine)).toEqual([true, true, true]);
    expect(await statusOf(m.id)).not.toBe("clicked");
  });

  it("flags a click within seconds of sending as a scanner's, and a later one as human", async () => {
    const m = await trackedMessage();
    const sentAt = new Date("2026-05-04T10:00:00Z");
    await env.rt.db.updateTable("messages").set({ sent_at: sentAt }).where("id", "=", m.id).execute();
    try {
      env.setNow(new Date(sentAt.getTime() + 4000));
      await anonymous.get(clickPaths(m.html)[0], { "user-agent": BROWSER });
      env.setNow(new Date(sentAt.getTime() + 5 * 60_000));
      await anonymous.get(clickPaths(m.html)[0], { "user-agent": BROWSER });
    } finally {
      env.setNow(null);
    }
    const clicks = await events(m.id, "clicked");
    expect(clicks.map((c) => [evidenceOf(c).machine, evidenceOf(c).machine_reason])).toEqual([
      [true, "too_soon_after_sending"],
      [false, null],
    ]);
  });

  it("counts the window from a delivered event too", async () => {
    const m = await trackedMessage();
    const deliveredAt = new Date("2026-05-04T12:00:00Z");
    await appendEvents(env.rt.db, [
      {
        message_id: m.id,
        workspace_id: env.ws.id,
        type: "delivered",
        source: "inbound_dsn",
        at: deliveredAt,
      },
    ]);
    env.setNow(new Date(deliveredAt.getTime() + 2000));
    try {
      await anonymous.get(clickPaths(m.html)[0], { "user-agent": BROWSER });
    } finally {
      env.setNow(null);
    }
    expect(evidenceOf((await events(m.id, "clicked"))[0]).machine).toBe(true);
  });
});

describe("forged and altered tokens", () => {
  it("answer 404 in plain text and record nothing", async () => {
    const m = await trackedMessage();
    const click = clickPaths(m.html)[0];
    const token = click.slice(3);
    const altered = `${token.slice(0, 5)}${token[5] === "A" ? "B" : "A"}${token.slice(6)}`;
    const otherSecret = clickTokenFor("not-the-secret", m.id, 0);
    const wrongIndex = clickTokenFor(env.rt.secret, m.id, 7); // signed, but the message has no link 7
    const openAsClick = openTokenFor(env.rt.secret, m.id);
    for (const path of [
      `/c/${altered}`,
      `/c/${otherSecret}`,
      `/c/${wrongIndex}`,
      `/c/${openAsClick}`,
      "/c/x",
    ]) {
      const r = await anonymous.get(path, { "user-agent": BROWSER });
      expect(r.status, path).toBe(404);
      expect(String(r.headers["content-type"])).toContain("text/plain");
      expect(r.headers.location).toBeUndefined();
    }
    const clickAsOpen = `/o/${clickTokenFor(env.rt.secret, m.id, 0)}.gif`;
    const unknownMessage = `/o/${openTokenFor(env.rt.secret, "msg_0000000000zzzzzzzzzzzzzz")}.gif`;
    for (const path of [clickAsOpen, unknownMessage, `/o/${altered}.gif`, "/o/.gif"]) {
      expect((await anonymous.get(path, { "user-agent": BROWSER })).status, path).toBe(404);
    }
    expect(await events(m.id, "clicked")).toEqual([]);
    expect(await events(m.id, "opened")).toEqual([]);
  });

  it("tokens round-trip and are bound to their purpose", () => {
    const id = "msg_0jh3k2m4n5p6q7r8s9t0v1w2";
    expect(readOpenToken(env.rt.secret, openTokenFor(env.rt.secret, id))).toEqual({ messageId: id });
    expect(readClickToken(env.rt.secret, clickTokenFor(env.rt.secret, id, 300))).toEqual({
      messageId: id,
      idx: 300,
    });
    expect(readOpenToken(env.rt.secret, clickTokenFor(env.rt.secret, id, 0))).toBeNull();
  });
});

describe("unsubscribe link in a tracked message", () => {
  it("keeps the real signed unsubscribe link untouched", async () => {
    const url = unsubscribeUrl(env.rt, { workspaceId: env.ws.id, contactId: "con_0jh3k2m4n5p6q7r8s9t0v1w2" });
    const m = await trackedMessage(env.ws.editor, url);
    expect(m.html).toContain(`href="${url}"`);
    expect(m.links).toHaveLength(2);
  });
});

describe("workspaces", () => {
  it("a click on another workspace's message records the event in that workspace only", async () => {
    const m = await trackedMessage(env.other.admin);
    await anonymous.get(clickPaths(m.html)[0], { "user-agent": BROWSER });
    const clicks = await events(m.id, "clicked");
    expect(clicks.map((c) => c.workspace_id)).toEqual([env.other.id]);
    expect((await editor.get(`/v1/messages/${m.id}`)).status).toBe(404);
  });
});
