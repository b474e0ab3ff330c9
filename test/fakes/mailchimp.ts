// A contract fake of the Mailchimp Marketing API v3, served over HTTP on loopback. It behaves like the
// documented API where Poststelle depends on it: Basic auth with the API key, audiences, members keyed
// by subscriber hash (MD5 of the lower-cased address), count/offset pages of at most 1,000, batch
// subscribe (POST /lists/{id}, ≤ 500 members, 200 with per-member errors), PATCH/PUT/DELETE (archive) and
// actions/delete-permanent (the address can never be imported again), application/problem+json errors.
// Faults on demand: 429 with Retry-After, 5xx, rejected members in a batch, a connection dropped mid-run.
// Webhooks (POST/GET /lists/{id}/webhooks, GET/DELETE …/{webhook_id}): like Mailchimp, registering sends a GET
// to the URL first and refuses it (400 Invalid Resource, errors[].field "url") unless that answers 200.
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeMember {
  id: string;
  email_address: string;
  unique_email_id: string;
  contact_id: string;
  status: "subscribed" | "unsubscribed" | "pending" | "cleaned" | "transactional" | "archived";
  merge_fields: Record<string, string>;
  last_changed: string;
  timestamp_opt: string;
}

/** A webhook registration as Mailchimp answers it (Lists/Webhooks/Response). */
export interface FakeWebhook {
  id: string;
  url: string;
  events: Record<string, boolean>;
  sources: Record<string, boolean>;
  list_id: string;
}

interface FakeList {
  webhooks: Map<string, FakeWebhook>;
  id: string;
  name: string;
  contact: Record<string, unknown>;
  permission_reminder: string;
  campaign_defaults: Record<string, unknown>;
  merge_tags: Set<string>;
  members: Map<string, FakeMember>;
}

/** A sent campaign with what its reports show (sync-ext: mailings, bounces, statistics, reactions). */
export interface FakeCampaign {
  id: string;
  list_id: string;
  title: string;
  subject_line: string;
  status: "save" | "schedule" | "sending" | "sent";
  send_time: string;
  emails_sent: number;
  opened: string[];
  clicked: string[];
  bounced: { email: string; kind: "hard" | "soft" }[];
  unsubscribed: number;
}

export interface FakeMailchimp {
  url: string;
  campaigns: Map<string, FakeCampaign>;
  addCampaign(c: Partial<FakeCampaign> & { list_id: string }): FakeCampaign;
  apiKey: string;
  lists: Map<string, FakeList>;
  requests: { method: string; path: string }[];
  /** The next n requests answer 429 with Retry-After: retryAfter. */
  throttle(n: number, retryAfter?: number): void;
  /** The next n requests answer this 5xx — after `after` requests that are answered normally. */
  failNext(n: number, status?: number, after?: number): void;
  /** Batch subscribe rejects these addresses (partial failure, the call itself answers 200). */
  reject: Set<string>;
  /** The connection is cut (headers sent, body half written) on the members page at this offset. */
  dropMembersAtOffset: number | null;
  /** The clock the fake stamps last_changed with. */
  now: () => Date;
  addList(name: string, id?: string): FakeList;
  addMember(listId: string, m: Partial<FakeMember> & { email_address: string }): FakeMember;
  member(listId: string, email: string): FakeMember | undefined;
  close(): Promise<void>;
}

export const hashOf = (email: string) => createHash("md5").update(email.trim().toLowerCase()).digest("hex");

const rand = (n: number) =>
  createHash("sha1").update(`${Math.random()}${Date.now()}`).digest("hex").slice(0, n);

function problem(res: http.ServerResponse, status: number, title: string, detail: string, headers = {}) {
  res.writeHead(status, { "content-type": "application/problem+json", ...headers });
  res.end(
    JSON.stringify({
      type: "https://mailchimp.com/developer/marketing/docs/errors/",
      title,
      status,
      detail,
      instance: rand(8),
    }),
  );
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  if (status === 204) {
    res.writeHead(204);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : null;
}

export async function startFakeMailchimp(
  opts: { apiKey?: string; account?: string } = {},
): Promise<FakeMailchimp> {
  const apiKey = opts.apiKey ?? "0123456789abcdef0123456789abcdef-us21";
  const lists = new Map<string, FakeList>();
  const forgotten = new Set<string>();
  let throttled = 0;
  let throttleAfter = 1;
  let failing = 0;
  let failStatus = 503;
  let failAfter = 0;

  const campaigns = new Map<string, FakeCampaign>();
  const fake: FakeMailchimp = {
    url: "",
    campaigns,
    addCampaign(c) {
      const full: FakeCampaign = {
        id: rand(10),
        title: "Mai-Aussendung",
        subject_line: "Mai-Aussendung",
        status: "sent",
        send_time: new Date().toISOString(),
        emails_sent: 0,
        opened: [],
        clicked: [],
        bounced: [],
        unsubscribed: 0,
        ...c,
      };
      campaigns.set(full.id, full);
      return full;
    },
    apiKey,
    lists,
    requests: [],
    reject: new Set(),
    dropMembersAtOffset: null,
    now: () => new Date(),
    throttle(n, retryAfter = 1) {
      throttled = n;
      throttleAfter = retryAfter;
    },
    failNext(n, status = 503, after = 0) {
      failing = n;
      failStatus = status;
      failAfter = after;
    },
    addList(name, id = rand(10)) {
      const l: FakeList = {
        id,
        name,
        contact: {},
        permission_reminder: "",
        campaign_defaults: { from_name: "", from_email: "" },
        merge_tags: new Set(["FNAME", "LNAME"]),
        members: new Map(),
        webhooks: new Map(),
      };
      lists.set(id, l);
      return l;
    },
    addMember(listId, m) {
      const l = lists.get(listId);
      if (!l) throw new Error(`no list ${listId}`);
      const at = fake.now().toISOString();
      const member: FakeMember = {
        id: hashOf(m.email_address),
        unique_email_id: rand(10),
        contact_id: rand(24),
        status: "subscribed",
        merge_fields: {},
        last_changed: at,
        timestamp_opt: at,
        ...m,
      };
      l.members.set(member.id, member);
      return member;
    },
    member(listId, email) {
      return lists.get(listId)?.members.get(hashOf(email));
    },
    close: async () => {},
  };

  const upsert = (
    l: FakeList,
    email: string,
    status: FakeMember["status"] | undefined,
    merge?: Record<string, string>,
  ) => {
    const hash = hashOf(email);
    const existing = l.members.get(hash);
    const at = fake.now().toISOString();
    if (existing) {
      if (status && existing.status !== status) {
        existing.status = status;
        existing.last_changed = at;
      }
      if (merge) Object.assign(existing.merge_fields, merge);
      return { member: existing, created: false };
    }
    const member = fake.addMember(l.id, {
      email_address: email,
      status: status ?? "subscribed",
      merge_fields: { ...merge },
    });
    return { member, created: true };
  };

  // GET /campaigns?list_id, /campaigns/{id}, /reports/{id}, /reports/{id}/sent-to, /reports/{id}/email-activity
  const campaignsAndReports = (parts: string[], q: URLSearchParams, res: http.ServerResponse) => {
    const count = Math.min(Number(q.get("count") ?? 10), 1000);
    const offset = Number(q.get("offset") ?? 0);
    const page = <T>(all: T[]) => all.slice(offset, offset + count);
    const campaignOut = (c: FakeCampaign) => ({
      id: c.id,
      type: "regular",
      status: c.status,
      send_time: c.send_time,
      emails_sent: c.emails_sent,
      recipients: { list_id: c.list_id },
      settings: { subject_line: c.subject_line, title: c.title },
    });
    if (parts[0] === "campaigns" && parts.length === 1) {
      const all = [...campaigns.values()].filter((c) => !q.get("list_id") || c.list_id === q.get("list_id"));
      return json(res, 200, { campaigns: page(all).map(campaignOut), total_items: all.length });
    }
    const c = campaigns.get(parts[1] ?? "");
    if (!c) return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
    if (parts[0] === "campaigns" && parts.length === 2) return json(res, 200, campaignOut(c));
    const hard = c.bounced.filter((b) => b.kind === "hard").length;
    if (parts.length === 2) {
      return json(res, 200, {
        id: c.id,
        campaign_title: c.title,
        list_id: c.list_id,
        emails_sent: c.emails_sent,
        unsubscribed: c.unsubscribed,
        bounces: { hard_bounces: hard, soft_bounces: c.bounced.length - hard, syntax_errors: 0 },
        opens: { opens_total: c.opened.length * 2, unique_opens: c.opened.length },
        clicks: {
          clicks_total: c.clicked.length * 3,
          unique_clicks: c.clicked.length,
          unique_subscriber_clicks: c.clicked.length,
        },
      });
    }
    const l = lists.get(c.list_id);
    const sent = [...(l?.members.values() ?? [])].map((m) => m.email_address);
    if (parts[2] === "sent-to") {
      const statusOf = (e: string) => c.bounced.find((b) => b.email === e)?.kind ?? "sent";
      return json(res, 200, {
        sent_to: page(sent).map((e) => ({
          email_address: e,
          status: statusOf(e),
          open_count: c.opened.includes(e) ? 1 : 0,
        })),
        total_items: sent.length,
      });
    }
    if (parts[2] === "email-activity") {
      const activity = (e: string) => [
        ...(c.opened.includes(e) ? [{ action: "open", timestamp: c.send_time }] : []),
        ...(c.clicked.includes(e)
          ? [{ action: "click", timestamp: c.send_time, url: "https://example.org" }]
          : []),
      ];
      return json(res, 200, {
        emails: page(sent).map((e) => ({ email_address: e, activity: activity(e) })),
        total_items: sent.length,
      });
    }
    return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\/3\.0/, "");
    const method = req.method ?? "GET";
    fake.requests.push({ method, path });
    const auth = req.headers.authorization ?? "";
    const given = auth.startsWith("Basic ")
      ? Buffer.from(auth.slice(6), "base64").toString().split(":").slice(1).join(":")
      : auth.startsWith("Bearer ")
        ? auth.slice(7)
        : "";
    if (given !== apiKey) {
      return problem(
        res,
        401,
        "API Key Invalid",
        "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
      );
    }
    if (throttled > 0) {
      throttled--;
      return problem(
        res,
        429,
        "Too Many Requests",
        "You have exceeded the limit of 10 simultaneous connections.",
        {
          "retry-after": String(throttleAfter),
        },
      );
    }
    if (failing > 0 && failAfter > 0) failAfter--;
    else if (failing > 0) {
      failing--;
      return problem(res, failStatus, "Service Unavailable", "Mailchimp is down for maintenance.");
    }
    const parts = path.split("/").filter(Boolean);
    const body = (await readBody(req)) as Record<string, unknown> | null;

    if (parts.length === 0 && method === "GET") {
      return json(res, 200, { account_id: "acc123", account_name: opts.account ?? "Hundeschule Pfote" });
    }
    if ((parts[0] === "campaigns" || parts[0] === "reports") && method === "GET") {
      return campaignsAndReports(parts, url.searchParams, res);
    }
    if (parts[0] !== "lists")
      return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
    if (parts.length === 1 && method === "GET") {
      const count = Number(url.searchParams.get("count") ?? 10);
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const all = [...lists.values()];
      return json(res, 200, {
        lists: all.slice(offset, offset + count).map(listOut),
        total_items: all.length,
      });
    }
    if (parts.length === 1 && method === "POST") {
      const missing = ["name", "contact", "permission_reminder", "campaign_defaults"].filter(
        (k) => !body?.[k],
      );
      if (missing.length > 0) {
        return problem(
          res,
          400,
          "Invalid Resource",
          `The resource submitted could not be validated: ${missing.join(", ")} required.`,
        );
      }
      const l = fake.addList(String(body?.name));
      l.contact = body?.contact as Record<string, unknown>;
      l.permission_reminder = String(body?.permission_reminder);
      l.campaign_defaults = body?.campaign_defaults as Record<string, unknown>;
      return json(res, 200, listOut(l));
    }
    const l = lists.get(parts[1]);
    if (!l) return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
    if (parts.length === 2 && method === "GET") return json(res, 200, listOut(l));
    if (parts.length === 2 && method === "POST") return batchSubscribe(l, body, res);
    if (parts[2] === "merge-fields" && method === "POST") {
      l.merge_tags.add(String(body?.tag));
      return json(res, 200, {
        merge_id: l.merge_tags.size,
        tag: body?.tag,
        name: body?.name,
        type: body?.type,
      });
    }
    if (parts[2] === "webhooks") return webhooks(l, method, parts[3], body, res);
    if (parts[2] !== "members")
      return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
    if (parts.length === 3 && method === "GET") return membersPage(l, url, res);
    const m = l.members.get(parts[3]);
    if (parts[4] === "actions" && parts[5] === "delete-permanent" && method === "POST") {
      if (!m) return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
      l.members.delete(m.id);
      forgotten.add(m.email_address.toLowerCase());
      return json(res, 204, null);
    }
    if (!m || (m.status === "archived" && method !== "PUT")) {
      return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
    }
    if (method === "GET") return json(res, 200, m);
    if (method === "DELETE") {
      m.status = "archived";
      m.last_changed = fake.now().toISOString();
      return json(res, 204, null);
    }
    if (method === "PATCH") {
      const newEmail = body?.email_address as string | undefined;
      if (newEmail && newEmail.toLowerCase() !== m.email_address.toLowerCase()) {
        if (l.members.has(hashOf(newEmail))) {
          return problem(res, 400, "Member Exists", `${newEmail} is already a list member.`);
        }
        l.members.delete(m.id);
        m.email_address = newEmail;
        m.id = hashOf(newEmail);
        l.members.set(m.id, m);
      }
      if (body?.merge_fields) Object.assign(m.merge_fields, body.merge_fields);
      if (body?.status && body.status !== m.status) {
        m.status = body.status as FakeMember["status"];
        m.last_changed = fake.now().toISOString();
      }
      return json(res, 200, m);
    }
    return problem(res, 405, "Method Not Allowed", "The requested method and resource are not compatible.");
  };

  /** Mailchimp refuses a webhook whose URL does not answer its GET with 200. */
  async function verifyUrl(url: string): Promise<string | null> {
    const failed = (code: number | string) =>
      `We couldn't verify the URL is working. Please double check and try again. HTTP Code: ${code}`;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await r.text();
      return r.status === 200 ? null : failed(r.status);
    } catch {
      return failed(0);
    }
  }

  function invalidField(res: http.ServerResponse, field: string, message: string) {
    res.writeHead(400, { "content-type": "application/problem+json" });
    res.end(
      JSON.stringify({
        type: "https://mailchimp.com/developer/marketing/docs/errors/",
        title: "Invalid Resource",
        status: 400,
        detail:
          "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
        instance: rand(8),
        errors: [{ field, message }],
      }),
    );
  }

  async function webhooks(
    l: FakeList,
    method: string,
    id: string | undefined,
    body: Record<string, unknown> | null,
    res: http.ServerResponse,
  ) {
    if (id === undefined && method === "GET") {
      const all = [...l.webhooks.values()];
      return json(res, 200, { webhooks: all, list_id: l.id, total_items: all.length });
    }
    if (id === undefined && method === "POST") {
      const url = typeof body?.url === "string" ? body.url : "";
      if (!/^https?:\/\/[^\s]+$/.test(url)) return invalidField(res, "url", "Invalid URL");
      if ([...l.webhooks.values()].some((w) => w.url === url)) {
        return invalidField(res, "url", "A webhook with this URL already exists for this audience.");
      }
      const unreachable = await verifyUrl(url);
      if (unreachable) return invalidField(res, "url", unreachable);
      const flags = (v: unknown, keys: string[]) =>
        Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown> | undefined)?.[k] === true]));
      const hook: FakeWebhook = {
        id: rand(10),
        url,
        events: flags(body?.events, [
          "subscribe",
          "unsubscribe",
          "profile",
          "cleaned",
          "upemail",
          "campaign",
        ]),
        sources: flags(body?.sources, ["user", "admin", "api"]),
        list_id: l.id,
      };
      l.webhooks.set(hook.id, hook);
      return json(res, 200, hook);
    }
    const hook = id === undefined ? undefined : l.webhooks.get(id);
    if (!hook) return problem(res, 404, "Resource Not Found", "The requested resource could not be found.");
    if (method === "GET") return json(res, 200, hook);
    if (method === "DELETE") {
      l.webhooks.delete(hook.id);
      return json(res, 204, null);
    }
    return problem(res, 405, "Method Not Allowed", "The requested method and resource are not compatible.");
  }

  function listOut(l: FakeList) {
    return {
      id: l.id,
      name: l.name,
      contact: l.contact,
      permission_reminder: l.permission_reminder,
      campaign_defaults: l.campaign_defaults,
      stats: { member_count: [...l.members.values()].filter((m) => m.status === "subscribed").length },
    };
  }

  function membersPage(l: FakeList, url: URL, res: http.ServerResponse) {
    const count = Number(url.searchParams.get("count") ?? 10);
    const offset = Number(url.searchParams.get("offset") ?? 0);
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      return problem(res, 400, "Invalid Resource", "count must be between 1 and 1000.");
    }
    const all = [...l.members.values()];
    const text = JSON.stringify({
      members: all.slice(offset, offset + count),
      list_id: l.id,
      total_items: all.length,
    });
    if (fake.dropMembersAtOffset !== null && offset >= fake.dropMembersAtOffset) {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(text.length) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(text);
  }

  function batchSubscribe(l: FakeList, body: Record<string, unknown> | null, res: http.ServerResponse) {
    const members = (body?.members ?? []) as {
      email_address: string;
      status?: string;
      merge_fields?: Record<string, string>;
    }[];
    if (members.length > 500) return problem(res, 400, "Invalid Resource", "At most 500 members per call.");
    const out = {
      new_members: [] as FakeMember[],
      updated_members: [] as FakeMember[],
      errors: [] as unknown[],
    };
    for (const m of members) {
      const key = m.email_address.toLowerCase();
      if (fake.reject.has(key)) {
        out.errors.push({
          email_address: m.email_address,
          error: `${m.email_address} looks fake or invalid, please enter a real email address.`,
          error_code: "ERROR_GENERIC",
        });
        continue;
      }
      if (forgotten.has(key)) {
        out.errors.push({
          email_address: m.email_address,
          error: `${m.email_address} was permanently deleted and cannot be re-imported. The contact must re-subscribe to get back on the list.`,
          error_code: "ERROR_CONTACT_EXISTS",
        });
        continue;
      }
      const existing = l.members.get(hashOf(key));
      if (existing && body?.update_existing !== true) {
        out.errors.push({
          email_address: m.email_address,
          error: `${m.email_address} is already a list member.`,
          error_code: "ERROR_CONTACT_EXISTS",
        });
        continue;
      }
      const { member, created } = upsert(
        l,
        m.email_address,
        m.status as FakeMember["status"] | undefined,
        m.merge_fields,
      );
      (created ? out.new_members : out.updated_members).push(member);
    }
    return json(res, 200, {
      ...out,
      total_created: out.new_members.length,
      total_updated: out.updated_members.length,
      error_count: out.errors.length,
    });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => problem(res, 500, "Internal Server Error", String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/3.0`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
