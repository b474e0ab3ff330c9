// The dashboard served by the API process (src/http/static.ts): pages fall back to index.html with
// no-cache, hashed assets are immutable, API paths and missing assets stay JSON 404s, no listings.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveDashboard } from "../../src/http/static.js";
import { api, createTestEnv, type TestEnv } from "../harness.js";

let env: TestEnv;
let dir: string;

beforeAll(async () => {
  env = await createTestEnv();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-dist-"));
  fs.mkdirSync(path.join(dir, "assets"));
  fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>Poststelle</title>");
  fs.writeFileSync(path.join(dir, "assets", "index-abc123.js"), "console.log(1)");
  fs.writeFileSync(path.join(dir, ".secret"), "no");
  expect(await serveDashboard(env.app, dir)).toBe(true);
});
afterAll(async () => {
  await env?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard at /", () => {
  it("answers every page path with index.html that is never cached", async () => {
    for (const url of ["/", "/messages", "/messages/msg_123?x=1", "/contacts/import", "/index.html"]) {
      const r = await env.app.inject({ method: "GET", url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/html/);
      expect(r.headers["cache-control"]).toBe("no-cache");
      expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(r.body).toContain("<title>Poststelle</title>");
    }
  });

  it("serves hashed assets as immutable", async () => {
    const r = await env.app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(r.body).toBe("console.log(1)");
  });

  it("keeps API paths, missing assets, directories and dotfiles out of the page fallback", async () => {
    for (const url of ["/v1/nothing-here", "/assets/missing.js", "/health/x"]) {
      const r = await env.app.inject({ method: "GET", url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json().error.code).toBe("not_found");
    }
    // Nothing outside the build, however the path is spelled.
    for (const url of [
      "/assets/../../etc/passwd",
      "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/..%2f..%2fetc%2fpasswd",
    ]) {
      const r = await env.app.inject({ method: "GET", url });
      expect(r.body, url).not.toContain("root:");
    }
    // A directory is refused, not listed; a dotfile is never served.
    const listing = await env.app.inject({ method: "GET", url: "/assets/" });
    expect([403, 404]).toContain(listing.statusCode);
    expect(listing.body).not.toContain("index-abc123.js");
    const dot = await env.app.inject({ method: "GET", url: "/.secret" });
    expect(dot.body).not.toBe("no");
    const ok = await api(env.app, env.ws.viewer).get("/v1/workspace");
    expect(ok.status).toBe(200);
  });

  it("serves a rebuilt bundle without a restart", async () => {
    fs.writeFileSync(path.join(dir, "assets", "index-new456.js"), "console.log(2)");
    const r = await env.app.inject({ method: "GET", url: "/assets/index-new456.js" });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe("console.log(2)");
  });

  it("serves nothing when the dashboard is not built", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "poststelle-nodist-"));
    try {
      expect(await serveDashboard(env.app, empty)).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
