import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createTestEnv, type TestEnv } from "../../test/harness.js";
import { buildApp } from "../http/app.js";
import { sha256 } from "../util/crypto.js";
import { newId } from "../util/ids.js";
import { LOGIN_MAX_FAILURES, purgeLoginState } from "./sessions.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const PASSWORD = "Pfötchen-geben-2026";
const uniqueEmail = (who: string) => `${who}.${newId("x").slice(2).toLowerCase()}@hundeschule.example`;
/** A distinct client address per test, so the per-address login limit of one test does not touch another. */
let ipSeq = 10;
const nextIp = () => `192.0.2.${ipSeq++}`;

async function createUser(
  workspaceId: string,
  role: "admin" | "editor" | "viewer",
  email = uniqueEmail(role),
) {
  const r = await api(env.app, env.operatorKey).post(`/v1/workspaces/${workspaceId}/users`, {
    email,
    role,
    name: `Test ${role}`,
    password: PASSWORD,
  });
  expect(r.status).toBe(201);
  return { id: r.body.id as string, email };
}

interface Session {
  cookie: string;
  token: string;
  csrf: string;
  body: Record<string, unknown> & { user: Record<string, unknown> };
  setCookie: string;
}

function loginRaw(email: string, password: string, headers: Record<string, string> = {}, app = env.app) {
  return api(app).post("/v1/auth/login", { email, password }, { "x-forwarded-for": nextIp(), ...headers });
}

async function login(email: string, password = PASSWORD): Promise<Session> {
  const r = await loginRaw(email, password);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const setCookie = String(r.headers["set-cookie"]);
  const token = /poststelle_session=([^;]+)/.exec(setCookie)?.[1] as string;
  return { cookie: `poststelle_session=${token}`, token, csrf: r.body.csrf_token, body: r.body, setCookie };
}

/** A client that sends the session cookie (and the CSRF token unless told not to). */
function asUser(s: Session, withCsrf = true) {
  const h = { cookie: s.cookie, ...(withCsrf ? { "x-csrf-token": s.csrf } : {}) };
  const c = api(env.app);
  return {
    get: (url: string) => c.get(url, h),
    post: (url: string, body?: unknown) => c.post(url, body, h),
    patch: (url: string, body?: unknown) => c.patch(url, body, h),
    delete: (url: string) => c.delete(url, h),
  };
}

describe("login and logout", () => {
  it("logs in, shows the session, and logs out", async () => {
    const u = await createUser(env.ws.id, "editor");
    const s = await login(u.email.toUpperCase());
    expect(s.body.user).toEqual({
      id: u.id,
      email: u.email,
      name: "Test editor",
      role: "editor",
      language: "de",
      workspace_id: env.ws.id,
      workspace_name: "Hundeschule Pfote",
    });
    expect(s.csrf).toMatch(/^[\w-]{20,}$/);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Lax/);
    expect(s.setCookie).toMatch(/Path=\//);
    expect(s.setCookie).not.toMatch(/Secure/);
    const me = await asUser(s).get("/v1/auth/session");
    expect(me.status).toBe(200);
    expect(me.body).toEqual(s.body);
    expect((await asUser(s).post("/v1/auth/logout")).status).toBe(204);
    const after = await asUser(s).get("/v1/auth/session");
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    expect((await asUser(s).get("/v1/contacts")).status).toBe(401);
  });

  it("marks the cookie Secure when a trusted proxy says the request came over TLS", async () => {
    const u = await createUser(env.ws.id, "viewer");
    const r = await loginRaw(u.email, PASSWORD, { "x-forwarded-proto": "https" });
    expect(r.status).toBe(200);
    expect(String(r.headers["set-cookie"])).toMatch(/; Secure/);
  });

  it("answers a wrong password and an unknown e-mail alike with 401", async () => {
    const u = await createUser(env.ws.id, "editor");
    const wrong = await loginRaw(u.email, "falsches-Passwort");
    const unknown = await loginRaw(uniqueEmail("niemand"), PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
    const missing = await api(env.app).post("/v1/auth/login", { email: u.email });
    expect(missing.status).toBe(400);
    // A form post from another site cannot log anyone in.
    const form = await api(env.app).raw(
      "POST",
      "/v1/auth/login",
      `email=${encodeURIComponent(u.email)}&password=${PASSWORD}`,
      { "content-type": "application/x-www-form-urlencoded" },
    );
    expect(form.status).toBe(415);
    expect(form.headers["set-cookie"]).toBeUndefined();
  });

  it("stores the session token only hashed", async () => {
    const u = await createUser(env.ws.id, "viewer");
    const s = await login(u.email);
    const rows = await env.rt.db
      .selectFrom("user_sessions")
      .selectAll()
      .where("user_id", "=", u.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(s.token);
    expect(rows[0].token_hash).toBe(sha256(s.token));
    const user = await env.rt.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", u.id)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(user.password_hash).not.toContain(PASSWORD);
  });

  it("ends a session after the idle time and after the absolute limit", async () => {
    const u = await createUser(env.ws.id, "viewer");
    const t0 = new Date("2026-11-23T08:00:00Z");
    env.setNow(t0);
    try {
      const idle = await login(u.email);
      const busy = await login(u.email);
      const at = (h: number) => new Date(t0.getTime() + h * 3_600_000);
      env.setNow(at(11));
      expect((await asUser(busy).get("/v1/auth/session")).status).toBe(200);
      env.setNow(at(12.5));
      expect((await asUser(idle).get("/v1/auth/session")).status).toBe(401);
      // Used every 11 hours it stays alive, until 7 days after the login.
      for (let h = 22; h < 7 * 24; h += 11) {
        env.setNow(at(h));
        expect((await asUser(busy).get("/v1/contacts")).status, `at ${h} h`).toBe(200);
      }
      env.setNow(at(7 * 24 + 1));
      expect((await asUser(busy).get("/v1/contacts")).status).toBe(401);
    } finally {
      env.setNow(null);
    }
  });
});

describe("login rate limit", () => {
  it("refuses an e-mail after too many failures, even with the right password, until the window passes", async () => {
    const u = await createUser(env.ws.id, "editor");
    const t0 = new Date("2026-11-24T08:00:00Z");
    env.setNow(t0);
    try {
      for (let i = 0; i < LOGIN_MAX_FAILURES; i++)
        expect((await loginRaw(u.email, `falsch-${i}`)).status).toBe(401);
      const r = await loginRaw(u.email, PASSWORD);
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe("too_many_requests");
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(r.headers["retry-after"])).toBeLessThanOrEqual(15 * 60);
      // The workspace's admins see it in the event log.
      const events = await api(env.app, env.ws.admin).get("/v1/event-log?limit=500");
      const lockout = events.body.items.filter((e: { record_id: string }) => e.record_id === u.id);
      expect(lockout).toHaveLength(1);
      expect(lockout[0]).toMatchObject({ severity: "warning", process: "login" });
      expect(lockout[0].detail).toContain(u.email);
      // A second process on the same database sees the same failures.
      const other = await buildApp(env.rt, { logger: false });
      try {
        expect((await loginRaw(u.email, PASSWORD, {}, other)).status).toBe(429);
      } finally {
        await other.close();
      }
      env.setNow(new Date(t0.getTime() + 15 * 60_000 + 1000));
      expect((await loginRaw(u.email, PASSWORD)).status).toBe(200);
    } finally {
      env.setNow(null);
    }
  });

  it("refuses a client address that tries many e-mails", async () => {
    const u = await createUser(env.ws.id, "editor");
    const ip = { "x-forwarded-for": "198.51.100.7" };
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      expect((await loginRaw(uniqueEmail(`rate${i}`), PASSWORD, ip)).status).toBe(401);
    }
    expect((await loginRaw(u.email, PASSWORD, ip)).status).toBe(429);
    // Another address is not affected.
    expect((await loginRaw(u.email, PASSWORD)).status).toBe(200);
  });
});

describe("cookie auth on workspace routes", () => {
  it("needs the CSRF token for writes with the cookie, but not with a Bearer key", async () => {
    const u = await createUser(env.ws.id, "editor");
    const s = await login(u.email);
    const contact = { first_name: "Bello", emails: [uniqueEmail("bello")] };
    const without = await asUser(s, false).post("/v1/contacts", contact);
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe("forbidden");
    expect(without.body.error.message).toMatch(/CSRF token missing or wrong/);
    const wrong = await api(env.app).post("/v1/contacts", contact, {
      cookie: s.cookie,
      "x-csrf-token": "nope",
    });
    expect(wrong.status).toBe(403);
    expect((await asUser(s, false).get("/v1/contacts")).status).toBe(200);
    const ok = await asUser(s).post("/v1/contacts", contact);
    expect(ok.status).toBe(201);
    const bearer = await api(env.app, env.ws.editor).post("/v1/contacts", {
      first_name: "Luna",
      emails: [uniqueEmail("luna")],
    });
    expect(bearer.status).toBe(201);
    // The user is the actor in the activity log.
    const acts = await api(env.app, env.ws.admin).get("/v1/activities?kind=contact");
    const mine = acts.body.items.find((a: { record_id: string }) => a.record_id === ok.body.id);
    expect(mine.actor).toMatchObject({ type: "user", id: u.id });
    expect(mine.actor.name).toContain(u.email);
  });

  it("refuses writes by a viewer and admin routes to an editor", async () => {
    const viewer = await login((await createUser(env.ws.id, "viewer")).email);
    const w = await asUser(viewer).post("/v1/contacts", { first_name: "X", emails: [uniqueEmail("x")] });
    expect(w.status).toBe(403);
    expect(w.body.error.code).toBe("forbidden");
    expect((await asUser(viewer).get("/v1/contacts")).status).toBe(200);
    const editor = await login((await createUser(env.ws.id, "editor")).email);
    expect((await asUser(editor).get("/v1/users")).status).toBe(403);
  });

  it("shows a user nothing of another workspace", async () => {
    const foreign = await api(env.app, env.other.admin).post("/v1/contacts", {
      first_name: "Fremd",
      emails: [uniqueEmail("fremd")],
    });
    const s = await login((await createUser(env.ws.id, "admin")).email);
    const r = await asUser(s).get(`/v1/contacts/${foreign.body.id}`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not_found");
    const otherUser = await createUser(env.other.id, "viewer");
    expect((await asUser(s).get(`/v1/users/${otherUser.id}`)).status).toBe(404);
    expect((await asUser(s).patch(`/v1/users/${otherUser.id}`, { disabled: true })).status).toBe(404);
  });

  it("describes the cookie in /openapi.json for workspace routes only", async () => {
    const o = (await api(env.app).get("/openapi.json")).body;
    expect(o.components.securitySchemes.session).toEqual({
      type: "apiKey",
      in: "cookie",
      name: "poststelle_session",
    });
    expect(o.paths["/v1/contacts"].get.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(o.paths["/v1/workspaces"].post.security).toEqual([{ bearer: [] }]);
  });

  it("never accepts the cookie on operator routes", async () => {
    const s = await login((await createUser(env.ws.id, "admin")).email);
    expect((await asUser(s).get("/v1/workspaces")).status).toBe(401);
    expect((await asUser(s).post("/v1/workspaces", { name: "Übernahme" })).status).toBe(401);
  });
});

describe("disabled users", () => {
  it("cannot log in, and a disabled user's open session ends", async () => {
    const u = await createUser(env.ws.id, "editor");
    const s = await login(u.email);
    const r = await api(env.app, env.ws.admin).patch(`/v1/users/${u.id}`, { disabled: true });
    expect(r.status).toBe(200);
    expect(r.body.disabled).toBe(true);
    expect((await asUser(s).get("/v1/auth/session")).status).toBe(401);
    const again = await loginRaw(u.email, PASSWORD);
    expect(again.status).toBe(403);
    expect(again.headers["set-cookie"]).toBeUndefined();
    await api(env.app, env.ws.admin).patch(`/v1/users/${u.id}`, { disabled: false });
    expect((await loginRaw(u.email, PASSWORD)).status).toBe(200);
  });
});

describe("the user's own settings", () => {
  it("switches the language and keeps it for the next login", async () => {
    const u = await createUser(env.ws.id, "viewer");
    const s = await login(u.email);
    const noCsrf = await asUser(s, false).patch("/v1/auth/me", { language: "en" });
    expect(noCsrf.status).toBe(403);
    const r = await asUser(s).patch("/v1/auth/me", { language: "en", name: "Erika" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: u.id,
      language: "en",
      name: "Erika",
      workspace_name: "Hundeschule Pfote",
    });
    expect((await asUser(s).get("/v1/auth/session")).body.user.language).toBe("en");
    expect((await login(u.email)).body.user.language).toBe("en");
    const bad = await asUser(s).patch("/v1/auth/me", { language: "fr" });
    expect(bad.status).toBe(400);
    expect((await api(env.app, env.ws.admin).patch("/v1/auth/me", { language: "en" })).status).toBe(401);
  });

  it("changes the password only with the current one, and ends the other sessions", async () => {
    const u = await createUser(env.ws.id, "editor");
    const s = await login(u.email);
    const elsewhere = await login(u.email);
    const wrong = await asUser(s).patch("/v1/auth/me", {
      current_password: "falsch",
      new_password: "Neues-Passwort-1",
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual([
      { path: "current_password", message: "the current password is wrong", code: "wrong_password" },
    ]);
    const half = await asUser(s).patch("/v1/auth/me", { new_password: "Neues-Passwort-1" });
    expect(half.status).toBe(400);
    const ok = await asUser(s).patch("/v1/auth/me", {
      current_password: PASSWORD,
      new_password: "Neues-Passwort-1",
    });
    expect(ok.status).toBe(200);
    expect((await asUser(s).get("/v1/auth/session")).status).toBe(200);
    expect((await asUser(elsewhere).get("/v1/auth/session")).status).toBe(401);
    expect((await loginRaw(u.email, PASSWORD)).status).toBe(401);
    expect((await loginRaw(u.email, "Neues-Passwort-1")).status).toBe(200);
  });
});

describe("user administration", () => {
  it("lets an admin create, list, change and delete users, and logs each change", async () => {
    const admin = await login((await createUser(env.ws.id, "admin")).email);
    const email = uniqueEmail("neu");
    const c = await asUser(admin).post("/v1/users", { email, role: "viewer", name: "Neu" });
    expect(c.status).toBe(201);
    expect(c.body.password).toMatch(/^[\w-]{20}$/);
    expect(c.body).not.toHaveProperty("password_hash");
    // The generated password works once shown.
    expect((await loginRaw(email, c.body.password)).status).toBe(200);
    const dup = await asUser(admin).post("/v1/users", { email: email.toUpperCase(), role: "viewer" });
    expect(dup.status).toBe(409);
    const list = await asUser(admin).get("/v1/users?limit=500");
    expect(list.body.items.map((u: { id: string }) => u.id)).toContain(c.body.id);
    expect(JSON.stringify(list.body)).not.toContain("argon2");
    const p = await asUser(admin).patch(`/v1/users/${c.body.id}`, {
      role: "editor",
      password: "Zurueckgesetzt-1",
    });
    expect(p.status).toBe(200);
    expect(p.body.role).toBe("editor");
    expect((await loginRaw(email, "Zurueckgesetzt-1")).status).toBe(200);
    expect((await asUser(admin).delete(`/v1/users/${c.body.id}`)).status).toBe(204);
    expect((await asUser(admin).get(`/v1/users/${c.body.id}`)).status).toBe(404);
    const acts = await api(env.app, env.ws.admin).get("/v1/activities?kind=user&limit=500");
    const forUser = acts.body.items.filter((a: { record_id: string }) => a.record_id === c.body.id);
    expect(forUser.map((a: { action: string }) => a.action).sort()).toEqual([
      "created",
      "deleted",
      "updated",
    ]);
    expect(JSON.stringify(forUser)).not.toContain("Zurueckgesetzt-1");
  });

  it("never removes the last active admin of a workspace", async () => {
    const op = api(env.app, env.operatorKey);
    const w = await op.post("/v1/workspaces", { name: "Tierarztpraxis" });
    const first = await op.post(`/v1/workspaces/${w.body.id}/users`, {
      email: uniqueEmail("chefin"),
      role: "admin",
      password: PASSWORD,
    });
    expect(first.status).toBe(201);
    const s = await login(first.body.email);
    const self = asUser(s);
    for (const change of [{ role: "editor" }, { disabled: true }]) {
      const r = await self.patch(`/v1/users/${first.body.id}`, change);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("conflict");
    }
    expect((await self.delete(`/v1/users/${first.body.id}`)).status).toBe(409);
    const second = await self.post("/v1/users", { email: uniqueEmail("vertretung"), role: "admin" });
    expect(second.status).toBe(201);
    expect((await self.patch(`/v1/users/${first.body.id}`, { role: "editor" })).status).toBe(200);
    // The demoted admin's session ended with the role change.
    expect((await self.get("/v1/auth/session")).status).toBe(401);
  });

  it("rejects unknown fields, bad roles and bad addresses", async () => {
    const a = api(env.app, env.ws.admin);
    expect((await a.post("/v1/users", { email: uniqueEmail("x"), role: "owner" })).status).toBe(400);
    expect((await a.post("/v1/users", { email: "kein-at", role: "viewer" })).status).toBe(400);
    expect(
      (await a.post("/v1/users", { email: uniqueEmail("x"), role: "viewer", colour: "red" })).status,
    ).toBe(400);
    expect(
      (await a.post("/v1/users", { email: uniqueEmail("x"), role: "viewer", password: "kurz" })).status,
    ).toBe(400);
    expect(
      (await api(env.app, env.ws.editor).post("/v1/users", { email: uniqueEmail("x"), role: "viewer" }))
        .status,
    ).toBe(403);
  });
});

describe("housekeeping", () => {
  it("purges ended sessions and old login failures, and keeps live ones", async () => {
    const u = await createUser(env.ws.id, "viewer");
    const live = await login(u.email);
    const t0 = new Date();
    const ended = await login(u.email);
    await loginRaw(u.email, "falsch-für-den-purge");
    await env.rt.db
      .updateTable("user_sessions")
      .set({ expires_at: new Date(t0.getTime() - 1000) })
      .where("token_hash", "=", sha256(ended.token))
      .execute();
    await env.rt.db
      .updateTable("login_failures")
      .set({ at: new Date(t0.getTime() - 16 * 60_000) })
      .where("subject", "=", u.email)
      .execute();
    await purgeLoginState(env.rt);
    const hashes = (
      await env.rt.db.selectFrom("user_sessions").select("token_hash").where("user_id", "=", u.id).execute()
    ).map((r) => r.token_hash);
    expect(hashes).toEqual([sha256(live.token)]);
    const failures = await env.rt.db
      .selectFrom("login_failures")
      .select("id")
      .where("subject", "=", u.email)
      .execute();
    expect(failures).toEqual([]);
  });
});
