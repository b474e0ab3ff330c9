// Dashboard login sessions (issue 7 item 1). The cookie holds an opaque random token; the database holds
// only its SHA-256, with a CSRF token, and the session ends after an idle time and at an absolute limit.
// Failed logins are counted per e-mail and per client address in the database, so the limit holds across
// every API process.
import { logEvent } from "../audit/service.js";
import type { Runtime } from "../runtime.js";
import { safeEqual, sha256 } from "../util/crypto.js";
import { AppError, Forbidden, Unauthorized } from "../util/errors.js";
import { newId, randomToken } from "../util/ids.js";
import { startPeriodic } from "../util/periodic.js";
import { verifyAgainstDummy, verifyPassword } from "./password.js";
import {
  clearLoginFailures,
  countLoginFailures,
  deleteExpiredSessions,
  deleteOldLoginFailures,
  deleteSessionByHash,
  insertLoginFailures,
  insertSession,
  selectLiveSession,
  selectUserByEmail,
  touchSession,
  type UserRow,
  updateUserRow,
} from "./store.js";

export const SESSION_COOKIE = "poststelle_session";
export const CSRF_HEADER = "x-csrf-token";

/** Failed logins allowed per e-mail and per client address within the window. */
export const LOGIN_MAX_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** last_seen_at is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;

const WRONG_CREDENTIALS = "The e-mail address or the password is wrong.";

/** 429 with the seconds until the next attempt may succeed (the route sets Retry-After). */
export class LoginThrottled extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      "rate_limited",
      `Too many failed logins. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`,
    );
  }
}

export interface SessionUser {
  sessionId: string;
  csrfToken: string;
  id: string;
  workspaceId: string;
  workspaceName: string;
  email: string;
  name: string;
  role: "admin" | "editor" | "viewer";
  language: "de" | "en";
}

/** The body of login and GET /v1/auth/session. */
export function sessionOut(s: SessionUser) {
  return {
    user: {
      id: s.id,
      email: s.email,
      name: s.name,
      role: s.role,
      language: s.language,
      workspace_id: s.workspaceId,
      workspace_name: s.workspaceName,
    },
    csrf_token: s.csrfToken,
  };
}

const idleSince = (rt: Runtime, now: Date) => new Date(now.getTime() - rt.config.sessionIdleMinutes * 60_000);

async function throttleCheck(rt: Runtime, email: string, ip: string, now: Date) {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const counts = await Promise.all([
    countLoginFailures(rt.db, "email", email, since),
    countLoginFailures(rt.db, "ip", ip, since),
  ]);
  const over = counts.filter((c) => c.count >= LOGIN_MAX_FAILURES && c.oldest);
  if (over.length === 0) return;
  const lifts = Math.max(...over.map((c) => (c.oldest as Date).getTime() + LOGIN_WINDOW_MS));
  throw new LoginThrottled(Math.max(1, Math.ceil((lifts - now.getTime()) / 1000)));
}

async function recordFailure(rt: Runtime, email: string, ip: string, now: Date) {
  await insertLoginFailures(rt.db, [
    { id: newId("lgf", now.getTime()), scope: "email", subject: email, at: now },
    { id: newId("lgf", now.getTime()), scope: "ip", subject: ip, at: now },
  ]);
}

/** The failure that reaches the limit is reported in the user's workspace event log (seed 000: Meldungen),
 * so admins see that someone is guessing a colleague's password. */
async function reportLockout(rt: Runtime, user: UserRow, now: Date) {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const { count } = await countLoginFailures(rt.db, "email", user.email.toLowerCase(), since);
  if (count !== LOGIN_MAX_FAILURES) return;
  await logEvent(
    rt.db,
    {
      workspaceId: user.workspace_id,
      severity: "warning",
      process: "login",
      trigger: "user",
      recordKind: "user",
      recordId: user.id,
      detail: `${LOGIN_MAX_FAILURES} failed logins for ${user.email} within ${LOGIN_WINDOW_MS / 60_000} minutes; further attempts are refused for up to ${LOGIN_WINDOW_MS / 60_000} minutes.`,
    },
    now,
  );
}

export interface LoginResult {
  token: string;
  session: SessionUser;
}

/** Checks e-mail and password and opens a session. Unknown e-mail and wrong password look the same. */
export async function login(
  rt: Runtime,
  input: { email: string; password: string },
  client: { ip: string; userAgent?: string },
): Promise<LoginResult> {
  const now = rt.now();
  const email = input.email.trim().toLowerCase();
  await throttleCheck(rt, email, client.ip, now);
  const user = await selectUserByEmail(rt.db, email);
  const ok = user
    ? await verifyPassword(user.password_hash, input.password)
    : await verifyAgainstDummy(input.password);
  if (!user || !ok) {
    await recordFailure(rt, email, client.ip, now);
    if (user) await reportLockout(rt, user, now);
    throw Unauthorized(WRONG_CREDENTIALS);
  }
  // Only someone who knows the password learns that the user is disabled.
  if (user.disabled) throw Forbidden("This user is disabled. Ask an admin of your workspace.");
  const workspace = await rt.db
    .selectFrom("workspaces")
    .select("name")
    .where("id", "=", user.workspace_id)
    .executeTakeFirstOrThrow();
  await clearLoginFailures(rt.db, "email", email);
  const token = randomToken(32);
  const session: SessionUser = {
    sessionId: newId("ses", now.getTime()),
    csrfToken: randomToken(24),
    id: user.id,
    workspaceId: user.workspace_id,
    workspaceName: workspace.name,
    email: user.email,
    name: user.name,
    role: user.role,
    language: user.language,
  };
  await insertSession(rt.db, {
    id: session.sessionId,
    token_hash: sha256(token),
    user_id: user.id,
    workspace_id: user.workspace_id,
    csrf_token: session.csrfToken,
    created_at: now,
    last_seen_at: now,
    expires_at: new Date(now.getTime() + rt.config.sessionMaxHours * 3_600_000),
    ip: client.ip || null,
    user_agent: client.userAgent?.slice(0, 500) ?? null,
  });
  await updateUserRow(rt.db, user.id, { last_login_at: now });
  return { token, session };
}

/** The live session of a cookie token, or null (unknown, expired, idle too long, user disabled). */
export async function resolveSession(rt: Runtime, token: string): Promise<SessionUser | null> {
  const now = rt.now();
  const row = await selectLiveSession(rt.db, sha256(token), now, idleSince(rt, now));
  if (!row || row.disabled) return null;
  if (now.getTime() - new Date(row.last_seen_at).getTime() > TOUCH_EVERY_MS) {
    await touchSession(rt.db, row.session_id, now);
  }
  return {
    sessionId: row.session_id,
    csrfToken: row.csrf_token,
    id: row.id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    email: row.email,
    name: row.name,
    role: row.role,
    language: row.language,
  };
}

export async function logout(rt: Runtime, token: string) {
  await deleteSessionByHash(rt.db, sha256(token));
}

/** Housekeeping: expired sessions and failures older than the window. */
export async function purgeLoginState(rt: Runtime) {
  const now = rt.now();
  await deleteExpiredSessions(rt.db, now, idleSince(rt, now));
  await deleteOldLoginFailures(rt.db, new Date(now.getTime() - LOGIN_WINDOW_MS));
}

/** The session token a request carries in its cookie, if any (@fastify/cookie parses it). */
export function sessionToken(req: { cookies?: Record<string, string | undefined> }): string | null {
  const t = req.cookies?.[SESSION_COOKIE];
  return t && t.length <= 200 ? t : null;
}

/** Cookie requests that change something must echo the session's CSRF token in X-CSRF-Token: a page on
 * another site can make the browser send the cookie, but cannot read the token. */
export function checkCsrf(
  session: SessionUser,
  method: string,
  headers: Record<string, string | string[] | undefined>,
) {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
  const sent = headers[CSRF_HEADER];
  if (typeof sent !== "string" || !safeEqual(sent, session.csrfToken)) {
    throw Forbidden(
      "CSRF token missing or wrong: send the csrf_token of the session in the X-CSRF-Token header.",
    );
  }
}

/** The logged-in user of a request (session routes), with the CSRF check for writes; 401 without one. */
export async function requireSession(
  rt: Runtime,
  req: {
    cookies?: Record<string, string | undefined>;
    method: string;
    headers: Record<string, string | string[] | undefined>;
  },
): Promise<SessionUser> {
  const token = sessionToken(req);
  const session = token ? await resolveSession(rt, token) : null;
  if (!session) throw Unauthorized(NO_SESSION);
  checkCsrf(session, req.method, req.headers);
  return session;
}

export const NO_SESSION = "Not logged in, or the session has ended; log in again.";

/** Worker loop: removes ended sessions and old login failures every 15 minutes. */
export function startLoginPurgeWorker(rt: Runtime): { stop(): Promise<void> } {
  return startPeriodic(rt.log, "login-purge", { firstMs: 30_000, intervalMs: 15 * 60_000 }, () =>
    purgeLoginState(rt),
  );
}
