// A contract fake of listmonk's REST API (listmonk.app/docs/apis), served over HTTP on loopback so the
// adapter talks to it exactly as to the real thing. What it models, from the documentation and the
// project's queries.sql:
// - auth: BasicAuth "api_user:token" or the header "Authorization: token api_user:token"; else 403
//   {"message": …} (listmonk answers 403 for a missing or wrong session).
// - the envelope {"data": …}; paginated listings {"data": {results, query, total, per_page, page}}
//   with `page` (from 1) and `per_page` (a number or "all"); errors {"message": "…"} with 400/404/409/422/429/5xx.
// - subscribers: status enabled | disabled | blocklisted; per list `subscription_status` unconfirmed |
//   confirmed | unsubscribed, with the subscription's own created/updated time (subscription_created_at,
//   subscription_updated_at, as listmonk ≥ 2.x returns them beside the list's fields).
// - blocklisting a subscriber unsubscribes all its subscriptions (queries.sql blocklist-subscribers).
// - PUT /api/subscribers/lists {ids, action add|remove|unsubscribe, target_list_ids, status}.
// - GET /api/subscribers?query=… accepts the few SQL expressions the adapter sends (by e-mail, and
//   "subscribers.id IN (SELECT subscriber_id FROM campaign_views|link_clicks WHERE campaign_id=N)");
//   anything else is a 400 as a real SQL error would be.
// - campaigns with views/clicks/bounces/sent/to_send; bounces with type hard | soft | complaint.
// Faults on demand: 429 with Retry-After, a 5xx, or a connection dropped mid-response.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Kysely } from "kysely";
import type { DB } from "../../src/db/schema.js";
import type { ToolCredentials } from "../../src/sync/adapter.js";
import { encryptCredentials } from "../../src/sync/credentials.js";
import { newId } from "../../src/util/ids.js";

export type LmSubscriberStatus = "enabled" | "disabled" | "blocklisted";
export type LmSubscriptionStatus = "unconfirmed" | "confirmed" | "unsubscribed";

export interface LmList {
  id: number;
  uuid: string;
  name: string;
  type: "public" | "private";
  optin: "single" | "double";
  tags: string[];
  description: string;
  created_at: string;
  updated_at: string;
}

export interface LmSubscription {
  status: LmSubscriptionStatus;
  created_at: string;
  updated_at: string;
}

export interface LmSubscriber {
  id: number;
  uuid: string;
  email: string;
  name: string;
  attribs: Record<string, unknown>;
  status: LmSubscriberStatus;
  created_at: string;
  updated_at: string;
  lists: Map<number, LmSubscription>;
}

export interface LmCampaign {
  id: number;
  uuid: string;
  name: string;
  subject: string;
  status: "draft" | "scheduled" | "running" | "paused" | "cancelled" | "finished";
  list_ids: number[];
  to_send: number;
  sent: number;
  started_at: string | null;
  created_at: string;
  updated_at: string;
  /** Subscriber ids that opened (campaign_views) and clicked (link_clicks). */
  views: number[];
  clicks: number[];
}

export interface LmBounce {
  id: number;
  type: "hard" | "soft" | "complaint";
  source: string;
  subscriber_id: number;
  campaign_id: number | null;
  created_at: string;
  meta: Record<string, unknown>;
}

/** A fault served instead of the next matching request (after `skip` matching requests went through). */
export interface LmFault {
  /** stall: the status line and part of the body, then nothing (a tool that hangs mid-answer). */
  kind: "rate_limited" | "server_error" | "drop" | "stall";
  /** Only requests whose "METHOD /path" contains this text; all requests if absent. */
  match?: string;
  skip?: number;
  status?: number;
  retryAfter?: number;
}

export interface FakeListmonkOptions {
  user?: string;
  token?: string;
}

interface Page {
  page: number;
  perPage: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const iso = (d: Date) => d.toISOString();

export class FakeListmonk {
  readonly user: string;
  readonly token: string;
  readonly lists = new Map<number, LmList>();
  readonly subscribers = new Map<number, LmSubscriber>();
  readonly campaigns = new Map<number, LmCampaign>();
  readonly bounces: LmBounce[] = [];
  readonly faults: LmFault[] = [];
  /** "METHOD /path?query" of every request, in order (tests check what the adapter asked). */
  readonly requests: string[] = [];
  /** The clock the fake stamps changes with; tests move it. */
  now = new Date("2026-01-01T00:00:00Z");
  private byEmail = new Map<string, number>();
  /** Subscriber ids per list in id order, rebuilt lazily after a change (fast paging at 100,000). */
  private listIndex = new Map<number, number[]>();
  private nextId = { list: 1, subscriber: 1, campaign: 1, bounce: 1 };
  private server?: http.Server;

  constructor(o: FakeListmonkOptions = {}) {
    this.user = o.user ?? "api_poststelle";
    this.token = o.token ?? "lm-token-0001";
  }

  // ---- seeding (what a test or the benchmark puts into the tool) ----

  addList(p: Partial<LmList> & { name: string }): LmList {
    const id = this.nextId.list++;
    const at = iso(this.now);
    const list: LmList = {
      id,
      uuid: randomUUID(),
      type: "private",
      optin: "single",
      tags: [],
      description: "",
      created_at: at,
      updated_at: at,
      ...p,
    };
    list.id = id;
    this.lists.set(id, list);
    return list;
  }

  addSubscriber(p: {
    email: string;
    name?: string;
    status?: LmSubscriberStatus;
    attribs?: Record<string, unknown>;
    lists?: Record<number, LmSubscriptionStatus>;
    at?: Date;
  }): LmSubscriber {
    const email = p.email.trim().toLowerCase();
    if (this.byEmail.has(email)) throw new HttpError(409, "E-mail already exists.");
    const at = iso(p.at ?? this.now);
    const s: LmSubscriber = {
      id: this.nextId.subscriber++,
      uuid: randomUUID(),
      email,
      name: p.name ?? email.split("@")[0],
      attribs: p.attribs ?? {},
      status: p.status ?? "enabled",
      created_at: at,
      updated_at: at,
      lists: new Map(),
    };
    for (const [listId, status] of Object.entries(p.lists ?? {})) {
      s.lists.set(Number(listId), {
        status: s.status === "blocklisted" ? "unsubscribed" : status,
        created_at: at,
        updated_at: at,
      });
      this.listIndex.delete(Number(listId));
    }
    this.subscribers.set(s.id, s);
    this.byEmail.set(email, s.id);
    return s;
  }

  subscriberByEmail(email: string): LmSubscriber | undefined {
    const id = this.byEmail.get(email.trim().toLowerCase());
    return id === undefined ? undefined : this.subscribers.get(id);
  }

  /** Sets a subscription's status as a person or the tool would (stamped with the fake's clock). */
  setSubscription(email: string, listId: number, status: LmSubscriptionStatus, at = this.now): void {
    const s = this.subscriberByEmail(email);
    if (!s) throw new Error(`no subscriber ${email}`);
    const prev = s.lists.get(listId);
    s.lists.set(listId, { status, created_at: prev?.created_at ?? iso(at), updated_at: iso(at) });
    this.listIndex.delete(listId);
  }

  addCampaign(p: Partial<LmCampaign> & { name: string; list_ids: number[] }): LmCampaign {
    const id = this.nextId.campaign++;
    const at = iso(this.now);
    const c: LmCampaign = {
      id,
      uuid: randomUUID(),
      subject: p.name,
      status: "finished",
      to_send: 0,
      sent: 0,
      started_at: at,
      created_at: at,
      updated_at: at,
      views: [],
      clicks: [],
      ...p,
    };
    c.id = id;
    this.campaigns.set(id, c);
    return c;
  }

  addBounce(p: Omit<LmBounce, "id" | "created_at" | "meta" | "source"> & Partial<LmBounce>): LmBounce {
    const b: LmBounce = {
      id: this.nextId.bounce++,
      source: "api",
      meta: {},
      created_at: iso(this.now),
      ...p,
    };
    this.bounces.push(b);
    return b;
  }

  /** Adds n members to a list quickly (benchmark): addresses member{i}@{domain}, confirmed. */
  seedMembers(listId: number, n: number, domain = "beispiel.de"): void {
    const at = iso(this.now);
    for (let i = 0; i < n; i++) {
      const id = this.nextId.subscriber++;
      const email = `member${i}@${domain}`;
      const s: LmSubscriber = {
        id,
        uuid: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
        email,
        name: `Vorname${i % 97} Nachname${i}`,
        attribs: {},
        status: "enabled",
        created_at: at,
        updated_at: at,
        lists: new Map([[listId, { status: "confirmed", created_at: at, updated_at: at }]]),
      };
      this.subscribers.set(id, s);
      this.byEmail.set(email, id);
    }
    this.listIndex.delete(listId);
  }

  // ---- server ----

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, 500, { message: String(err) });
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = undefined;
  }

  private send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private authorised(req: http.IncomingMessage): boolean {
    const h = req.headers.authorization ?? "";
    const pair = `${this.user}:${this.token}`;
    if (h.startsWith("token ")) return h.slice(6) === pair;
    if (h.startsWith("Basic ")) return Buffer.from(h.slice(6), "base64").toString() === pair;
    return false;
  }

  /** Serves the first fault that matches this request, if any; true when it did. */
  private serveFault(req: http.IncomingMessage, res: http.ServerResponse, line: string): boolean {
    const i = this.faults.findIndex((f) => !f.match || line.includes(f.match));
    if (i < 0) return false;
    const f = this.faults[i];
    if (f.skip && f.skip > 0) {
      f.skip--;
      return false;
    }
    this.faults.splice(i, 1);
    if (f.kind === "rate_limited") {
      this.send(res, 429, { message: "Too many requests" }, { "retry-after": String(f.retryAfter ?? 1) });
    } else if (f.kind === "server_error") {
      const wait: Record<string, string> =
        f.retryAfter === undefined ? {} : { "retry-after": String(f.retryAfter) };
      this.send(res, f.status ?? 503, { message: "Service unavailable" }, wait);
    } else if (f.kind === "stall") {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
      res.write('{"data":{"results":[');
    } else {
      // The connection breaks after the status line and part of the body: a run cut off mid-transfer.
      res.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
      res.write('{"data":{"results":[{"id":1,');
      setTimeout(() => req.socket.destroy(), 5);
    }
    return true;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const line = `${req.method} ${url.pathname}${url.search}`;
    this.requests.push(line);
    const raw = await readBody(req);
    if (this.serveFault(req, res, line)) return;
    if (!this.authorised(req))
      return this.send(res, 403, { message: "Invalid session. Please log in again." });
    try {
      const body = raw.length ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const out = this.route(req.method ?? "GET", url, body);
      this.send(res, 200, { data: out });
    } catch (err) {
      if (err instanceof HttpError) return this.send(res, err.status, { message: err.message });
      if (err instanceof SyntaxError) return this.send(res, 400, { message: "Invalid JSON in request" });
      throw err;
    }
  }

  private route(method: string, url: URL, body: Record<string, unknown>): unknown {
    const p = url.pathname;
    const q = url.searchParams;
    const idIn = (re: RegExp) => {
      const m = p.match(re);
      return m ? Number(m[1]) : null;
    };
    const listId = idIn(/^\/api\/lists\/(\d+)$/);
    const subscriberId = idIn(/^\/api\/subscribers\/(\d+)$/);
    const optinId = idIn(/^\/api\/subscribers\/(\d+)\/optin$/);
    const campaignId = idIn(/^\/api\/campaigns\/(\d+)$/);
    const key = `${method} ${p}`;
    if (key === "GET /api/health") return true;
    if (key === "GET /api/lists") return this.queryLists(q);
    if (key === "POST /api/lists") return this.createList(body);
    if (listId !== null && method === "GET") return this.listOut(this.requireList(listId));
    if (key === "GET /api/subscribers") return this.querySubscribers(q);
    if (key === "POST /api/subscribers") return this.createSubscriber(body);
    if (key === "PUT /api/subscribers/lists") return this.changeLists(body);
    if (key === "PUT /api/subscribers/blocklist") return this.blocklist(numbers(body.ids, "ids"));
    if (key === "DELETE /api/subscribers") return this.deleteSubscribers(q.getAll("id").map(Number));
    if (subscriberId !== null) {
      const s = this.requireSubscriber(subscriberId);
      if (method === "GET") return this.subscriberOut(s);
      if (method === "PATCH") return this.patchSubscriber(s, body);
      if (method === "DELETE") return this.deleteSubscribers([s.id]);
    }
    if (optinId !== null && method === "POST") {
      this.requireSubscriber(optinId);
      return true;
    }
    if (key === "GET /api/campaigns") return this.queryCampaigns(q);
    if (campaignId !== null && method === "GET") return this.campaignOut(this.requireCampaign(campaignId));
    if (key === "GET /api/bounces") return this.queryBounces(q);
    throw new HttpError(404, "Unknown endpoint");
  }

  // ---- lists ----

  private listOut(l: LmList) {
    const counts: Record<string, number> = {};
    let total = 0;
    for (const s of this.subscribers.values()) {
      const sub = s.lists.get(l.id);
      if (!sub) continue;
      counts[sub.status] = (counts[sub.status] ?? 0) + 1;
      total++;
    }
    return { ...l, subscriber_count: total, subscriber_statuses: counts };
  }

  private queryLists(q: URLSearchParams) {
    const term = (q.get("query") ?? "").toLowerCase();
    const all = [...this.lists.values()].filter((l) => !term || l.name.toLowerCase().includes(term));
    return paginate(all, pageOf(q), (l) => this.listOut(l), q.get("query") ?? "");
  }

  private createList(b: Record<string, unknown>) {
    const name = typeof b.name === "string" ? b.name.trim() : "";
    if (!name) throw new HttpError(400, "Invalid length for name.");
    const type =
      b.type === "public" ? "public" : b.type === "private" || b.type === undefined ? "private" : null;
    if (!type) throw new HttpError(400, "Invalid list type.");
    const optin =
      b.optin === "double" ? "double" : b.optin === "single" || b.optin === undefined ? "single" : null;
    if (!optin) throw new HttpError(400, "Invalid optin type.");
    const list = this.addList({
      name,
      type,
      optin,
      tags: Array.isArray(b.tags) ? b.tags.map(String) : [],
      description: typeof b.description === "string" ? b.description : "",
    });
    return this.listOut(list);
  }

  private requireList(id: number): LmList {
    const l = this.lists.get(id);
    if (!l) throw new HttpError(404, "List not found.");
    return l;
  }

  // ---- subscribers ----

  private subscriberOut(s: LmSubscriber) {
    return {
      id: s.id,
      uuid: s.uuid,
      email: s.email,
      name: s.name,
      attribs: s.attribs,
      status: s.status,
      created_at: s.created_at,
      updated_at: s.updated_at,
      lists: [...s.lists.entries()].map(([listId, sub]) => {
        const l = this.lists.get(listId);
        return {
          subscription_status: sub.status,
          subscription_created_at: sub.created_at,
          subscription_updated_at: sub.updated_at,
          id: listId,
          uuid: l?.uuid,
          name: l?.name,
          type: l?.type,
          optin: l?.optin,
          tags: l?.tags ?? [],
          created_at: l?.created_at,
          updated_at: l?.updated_at,
        };
      }),
    };
  }

  private membersOf(listId: number): number[] {
    let ids = this.listIndex.get(listId);
    if (!ids) {
      ids = [];
      for (const s of this.subscribers.values()) if (s.lists.has(listId)) ids.push(s.id);
      ids.sort((a, b) => a - b);
      this.listIndex.set(listId, ids);
    }
    return ids;
  }

  private querySubscribers(q: URLSearchParams) {
    const listIds = q.getAll("list_id").map(Number);
    const subStatus = q.get("subscription_status");
    const match = this.queryFilter(q.get("query") ?? "");
    let ids: number[];
    if (listIds.length === 1 && !subStatus && !q.get("query")) {
      ids = this.membersOf(listIds[0]);
    } else {
      ids = [];
      for (const s of this.subscribers.values()) {
        if (listIds.length && !listIds.some((l) => s.lists.has(l))) continue;
        if (subStatus && !listIds.some((l) => s.lists.get(l)?.status === subStatus)) continue;
        if (!match(s)) continue;
        ids.push(s.id);
      }
      ids.sort((a, b) => a - b);
    }
    return paginate(
      ids,
      pageOf(q),
      (id) => this.subscriberOut(this.subscribers.get(id) as LmSubscriber),
      q.get("query") ?? "",
    );
  }

  /** The handful of SQL expressions the adapter sends; anything else fails as listmonk's SQL would. */
  private queryFilter(query: string): (s: LmSubscriber) => boolean {
    const sql = query.trim();
    if (!sql) return () => true;
    // SQL string literals: quotes inside are doubled ('o''brien@…').
    const unquote = (lit: string) => lit.slice(1, -1).replaceAll("''", "'").toLowerCase();
    let m = sql.match(/^subscribers\.email\s*=\s*('(?:[^']|'')*')$/i);
    if (m) {
      const e = unquote(m[1]);
      return (s) => s.email === e;
    }
    m = sql.match(/^subscribers\.email\s+IN\s*\(((?:\s*'(?:[^']|'')*'\s*,?)+)\)$/i);
    if (m) {
      const set = new Set([...m[1].matchAll(/'(?:[^']|'')*'/g)].map((x) => unquote(x[0])));
      return (s) => set.has(s.email);
    }
    m = sql.match(
      /^subscribers\.id\s+IN\s*\(SELECT subscriber_id FROM (campaign_views|link_clicks) WHERE campaign_id\s*=\s*(\d+)\)$/i,
    );
    if (m) {
      const c = this.campaigns.get(Number(m[2]));
      const set = new Set(m[1].toLowerCase() === "campaign_views" ? (c?.views ?? []) : (c?.clicks ?? []));
      return (s) => set.has(s.id);
    }
    throw new HttpError(400, `Error querying subscribers: unsupported expression: ${sql}`);
  }

  private requireSubscriber(id: number): LmSubscriber {
    const s = this.subscribers.get(id);
    if (!s) throw new HttpError(404, "Subscriber not found.");
    return s;
  }

  private createSubscriber(b: Record<string, unknown>) {
    const email = typeof b.email === "string" ? b.email.trim() : "";
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new HttpError(400, "Invalid email.");
    const status = (b.status ?? "enabled") as LmSubscriberStatus;
    if (!["enabled", "blocklisted"].includes(status)) throw new HttpError(400, "Invalid status.");
    const listIds = b.lists === undefined ? [] : numbers(b.lists, "lists");
    for (const l of listIds) this.requireList(l);
    const initial: Record<number, LmSubscriptionStatus> = {};
    for (const l of listIds) initial[l] = this.initialStatus(b.preconfirm_subscriptions === true);
    const s = this.addSubscriber({
      email,
      name: typeof b.name === "string" && b.name ? b.name : undefined,
      status,
      attribs: isObject(b.attribs) ? b.attribs : {},
      lists: initial,
    });
    return this.subscriberOut(s);
  }

  /** A new subscription is unconfirmed unless preconfirmed (on a single opt-in list listmonk mails it anyway). */
  private initialStatus(preconfirm: boolean): LmSubscriptionStatus {
    return preconfirm ? "confirmed" : "unconfirmed";
  }

  private patchSubscriber(s: LmSubscriber, b: Record<string, unknown>) {
    const at = iso(this.now);
    if (b.email !== undefined) {
      const email = String(b.email).trim().toLowerCase();
      const other = this.byEmail.get(email);
      if (other !== undefined && other !== s.id) throw new HttpError(409, "E-mail already exists.");
      this.byEmail.delete(s.email);
      s.email = email;
      this.byEmail.set(email, s.id);
    }
    if (typeof b.name === "string" && b.name) s.name = b.name;
    if (b.status !== undefined) {
      if (!["enabled", "disabled", "blocklisted"].includes(String(b.status)))
        throw new HttpError(400, "Invalid status.");
      s.status = b.status as LmSubscriberStatus;
      if (s.status === "blocklisted")
        for (const sub of s.lists.values()) Object.assign(sub, { status: "unsubscribed", updated_at: at });
    }
    if (isObject(b.attribs)) s.attribs = { ...s.attribs, ...b.attribs };
    if (b.lists !== undefined) {
      const keep = new Set(numbers(b.lists, "lists"));
      for (const l of keep) this.requireList(l);
      for (const l of [...s.lists.keys()]) if (!keep.has(l)) s.lists.delete(l);
      for (const l of keep) {
        if (!s.lists.has(l))
          s.lists.set(l, {
            status: this.initialStatus(b.preconfirm_subscriptions === true),
            created_at: at,
            updated_at: at,
          });
      }
      this.listIndex.clear();
    }
    s.updated_at = at;
    return this.subscriberOut(s);
  }

  private changeLists(b: Record<string, unknown>) {
    const ids = numbers(b.ids, "ids");
    const targets = numbers(b.target_list_ids, "target_list_ids");
    const action = b.action;
    if (action !== "add" && action !== "remove" && action !== "unsubscribe")
      throw new HttpError(400, "Invalid action.");
    const status = b.status as LmSubscriptionStatus | undefined;
    if (action === "add" && !["confirmed", "unconfirmed", "unsubscribed"].includes(String(status))) {
      throw new HttpError(400, "Invalid subscription status.");
    }
    for (const t of targets) this.requireList(t);
    const subs = ids.map((id) => this.requireSubscriber(id));
    const at = iso(this.now);
    for (const s of subs) {
      for (const t of targets) {
        const prev = s.lists.get(t);
        if (action === "remove") s.lists.delete(t);
        else if (action === "unsubscribe") {
          if (prev) Object.assign(prev, { status: "unsubscribed", updated_at: at });
        } else {
          const next = s.status === "blocklisted" ? "unsubscribed" : (status as LmSubscriptionStatus);
          s.lists.set(t, { status: next, created_at: prev?.created_at ?? at, updated_at: at });
        }
      }
    }
    for (const t of targets) this.listIndex.delete(t);
    return true;
  }

  private blocklist(ids: number[]) {
    const at = iso(this.now);
    for (const id of ids) {
      const s = this.requireSubscriber(id);
      s.status = "blocklisted";
      s.updated_at = at;
      for (const sub of s.lists.values()) Object.assign(sub, { status: "unsubscribed", updated_at: at });
    }
    return true;
  }

  private deleteSubscribers(ids: number[]) {
    if (!ids.length || ids.some((i) => !Number.isInteger(i))) throw new HttpError(400, "Invalid ID.");
    for (const id of ids) {
      const s = this.subscribers.get(id);
      if (!s) continue;
      this.subscribers.delete(id);
      this.byEmail.delete(s.email);
    }
    this.listIndex.clear();
    return true;
  }

  // ---- campaigns and bounces ----

  private campaignOut(c: LmCampaign) {
    return {
      id: c.id,
      uuid: c.uuid,
      name: c.name,
      subject: c.subject,
      status: c.status,
      type: "regular",
      lists: c.list_ids.map((id) => ({ id, name: this.lists.get(id)?.name ?? "" })),
      to_send: c.to_send,
      sent: c.sent,
      views: c.views.length,
      clicks: c.clicks.length,
      bounces: this.bounces.filter((b) => b.campaign_id === c.id).length,
      started_at: c.started_at,
      created_at: c.created_at,
      updated_at: c.updated_at,
    };
  }

  private requireCampaign(id: number): LmCampaign {
    const c = this.campaigns.get(id);
    if (!c) throw new HttpError(404, "Campaign not found.");
    return c;
  }

  private queryCampaigns(q: URLSearchParams) {
    const all = [...this.campaigns.values()].sort((a, b) => b.id - a.id);
    return paginate(all, pageOf(q), (c) => this.campaignOut(c), q.get("query") ?? "");
  }

  private queryBounces(q: URLSearchParams) {
    const cid = q.get("campaign_id");
    const all = this.bounces.filter((b) => !cid || b.campaign_id === Number(cid));
    return paginate(
      all,
      pageOf(q),
      (b) => {
        const s = this.subscribers.get(b.subscriber_id);
        const c = b.campaign_id === null ? undefined : this.campaigns.get(b.campaign_id);
        return {
          id: b.id,
          type: b.type,
          source: b.source,
          meta: b.meta,
          created_at: b.created_at,
          email: s?.email ?? "",
          subscriber_uuid: s?.uuid ?? "",
          subscriber_id: b.subscriber_id,
          campaign: c ? { id: c.id, name: c.name } : null,
          // listmonk's published Bounce schema also has the campaign's uuid and the query's total row count.
          campaign_uuid: c ? c.uuid : null,
          total: all.length,
        };
      },
      "",
    );
  }
}

function pageOf(q: URLSearchParams): Page {
  const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
  const pp = q.get("per_page");
  const perPage = pp === "all" ? 0 : Math.max(1, Number(pp ?? 20) || 20);
  return { page, perPage };
}

function paginate<T, U>(all: T[], p: Page, out: (t: T) => U, query: string) {
  const slice = p.perPage === 0 ? all : all.slice((p.page - 1) * p.perPage, p.page * p.perPage);
  return { results: slice.map(out), query, total: all.length, per_page: p.perPage, page: p.page };
}

function numbers(v: unknown, field: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isInteger(x))) {
    throw new HttpError(400, `Invalid ${field}.`);
  }
  return v as number[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Links a Poststelle list to a remote list of a fake tool by writing the connection and the link rows
 * directly (what POST /v1/email-tools and POST /v1/lists/{id}/link leave behind), for tests of what builds
 * on a link: mailings, webhooks, the benchmark.
 */
export async function linkListToTool(
  db: Kysely<DB>,
  secret: string,
  v: {
    workspaceId: string;
    listId: string;
    remoteListId: string;
    baseUrl: string;
    credentials: ToolCredentials;
  },
): Promise<{ connectionId: string; linkId: string }> {
  const now = new Date();
  const connectionId = newId("etc");
  const linkId = newId("lnk");
  await db
    .insertInto("email_tool_connections")
    .values({
      id: connectionId,
      workspace_id: v.workspaceId,
      name: `${v.credentials.kind} ${connectionId}`,
      tool: v.credentials.kind,
      base_url: v.baseUrl,
      credentials_enc: encryptCredentials(secret, v.credentials),
      credentials_hint: "test",
      created_at: now,
      created_by: "test",
      updated_at: now,
    })
    .execute();
  await db
    .insertInto("list_links")
    .values({
      id: linkId,
      workspace_id: v.workspaceId,
      list_id: v.listId,
      connection_id: connectionId,
      remote_list_id: v.remoteListId,
      how: "attached",
      settings: "{}",
      created_at: now,
      created_by: "test",
      updated_at: now,
    })
    .execute();
  return { connectionId, linkId };
}
