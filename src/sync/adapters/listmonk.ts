// listmonk (listmonk.app/docs/apis): a self-hosted newsletter manager with a REST API.
//
// How listmonk's words map onto the engine's RemoteStatus. listmonk keeps two statuses: one per
// subscriber (enabled / disabled / blocklisted, across all lists) and one per subscription
// (unconfirmed / confirmed / unsubscribed, per list):
// - subscriber blocklisted → "blocklisted", whatever the subscription says (listmonk unsubscribes every
//   subscription when it blocklists, and never mails the address again). This is the same promise as
//   Poststelle's blocklist (Sperrliste): the engine proposes no re-subscribe and never transmits one.
// - subscriber disabled → "archived": an administrator switched the person off in the tool; it is no decision
//   of the person's, and no mail goes out, as with Mailchimp's archived members.
// - subscription unsubscribed → "unsubscribed".
// - subscription confirmed → "subscribed".
// - subscription unconfirmed → "pending" on a double opt-in list (the person has not clicked the
//   confirmation link; listmonk sends nothing else to them), but "subscribed" on a single opt-in list,
//   where listmonk mails unconfirmed subscriptions like confirmed ones.
// The status time is the subscription's updated time (subscription_updated_at), falling back to the
// subscriber's updated_at on versions that do not return it.
//
// Names: listmonk has one `name`. Poststelle writes first name, last name and salutation into attribs
// (first_name, last_name, salutation) as well, and reads them back from there; a member created in the tool
// itself has only `name`, which is split at its last space.
//
// "Delete": removing a subscriber from one list (PUT /api/subscribers/lists, action remove) can be undone
// by adding it again — that is the "delete" task. DELETE /api/subscribers/{id} erases the subscriber from
// ALL lists with its bounce and view history, and cannot be undone (like the seed's Inxmail note).
//
// Webhooks: listmonk's documented API sends no webhooks about subscribers (its "webhooks" are incoming
// bounce notifications from mail services), so changes made in listmonk reach Poststelle with the next fetch.
import {
  type AdapterOptions,
  brokeOffAfter,
  type DeleteBehaviour,
  type EmailToolAdapter,
  type ListSettings,
  type MemberOp,
  type MemberOpResult,
  type MembersPageOptions,
  type RemoteList,
  type RemoteMember,
  type RemoteStatus,
  registerAdapter,
  type ToolConnection,
  ToolError,
} from "../adapter.js";
import type {
  MailingTool,
  RemoteBounce,
  RemoteMailing,
  RemoteMailingReport,
  RemoteReaction,
} from "../mailings/tool.js";
import { type HttpClient, type HttpMethod, httpClient } from "./http.js";

interface LmListOut {
  id: number;
  name: string;
  description?: string;
  optin: "single" | "double";
  subscriber_count?: number;
}

interface LmSubscriptionOut {
  id: number;
  subscription_status: "unconfirmed" | "confirmed" | "unsubscribed";
  subscription_updated_at?: string;
  optin?: "single" | "double";
}

export interface LmSubscriberOut {
  id: number;
  email: string;
  name: string;
  attribs: Record<string, unknown> | null;
  status: "enabled" | "disabled" | "blocklisted";
  updated_at: string;
  lists: LmSubscriptionOut[];
}

interface LmPage<T> {
  results: T[];
  total: number;
  per_page: number;
  page: number;
}

interface LmCampaignOut {
  id: number;
  name: string;
  subject: string;
  status: string;
  lists: { id: number; name: string }[];
  to_send: number;
  sent: number;
  views: number;
  clicks: number;
  bounces?: number;
  started_at: string | null;
  created_at: string;
}

interface LmBounceOut {
  type: "hard" | "soft" | "complaint";
  email: string;
  created_at: string;
  source: string;
}

// listmonk pages with knadh/paginator and AllowAll on, under which MaxPerPage does not apply: any per_page is
// served. 5,000 members a page (a few MB of JSON) keeps the number of offset queries on its side small.
const DEFAULT_PAGE_SIZE = 5000;
/** Addresses per lookup query (the SQL expression stays well under URL limits). */
const LOOKUP_CHUNK = 100;

const deleteBehaviour: DeleteBehaviour = {
  op: "archive",
  warning:
    "In listmonk, 'delete' removes the subscriber from this list only; the subscriber, its other lists and its history stay, and it can be added again. Erasing the subscriber itself (DELETE /api/subscribers/{id}) would remove it from ALL lists with its bounce and view history and cannot be undone; Poststelle does that only for an explicit permanent delete.",
};

/** Maps listmonk's two statuses onto the engine's one (see the file comment). */
export function listmonkStatus(
  subscriber: LmSubscriberOut["status"],
  subscription: LmSubscriptionOut["subscription_status"],
  optin: "single" | "double",
): RemoteStatus {
  if (subscriber === "blocklisted") return "blocklisted";
  if (subscriber === "disabled") return "archived";
  if (subscription === "unsubscribed") return "unsubscribed";
  if (subscription === "confirmed") return "subscribed";
  return optin === "double" ? "pending" : "subscribed";
}

/** Splits listmonk's one name into first and last name (attribs win where Poststelle wrote them). */
export function listmonkNames(s: Pick<LmSubscriberOut, "name" | "attribs">) {
  const a = s.attribs ?? {};
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  if (str(a.first_name) !== null || str(a.last_name) !== null) {
    return { first_name: str(a.first_name), last_name: str(a.last_name), salutation: str(a.salutation) };
  }
  const name = (s.name ?? "").trim();
  const cut = name.lastIndexOf(" ");
  if (cut < 0) return { first_name: null, last_name: name || null, salutation: str(a.salutation) };
  return { first_name: name.slice(0, cut), last_name: name.slice(cut + 1), salutation: str(a.salutation) };
}

/** SQL string literal for listmonk's query expressions (quotes doubled). */
function sqlString(v: string): string {
  return `'${v.replaceAll("'", "''")}'`;
}

function displayName(op: MemberOp): string {
  const n = [op.first_name, op.last_name].filter(Boolean).join(" ");
  return n || op.email.split("@")[0];
}

function nameAttribs(op: MemberOp) {
  return { first_name: op.first_name ?? "", last_name: op.last_name ?? "", salutation: op.salutation ?? "" };
}

function failure(ref: string, err: unknown): MemberOpResult {
  if (err instanceof ToolError) return { ref, ok: false, error: { code: err.kind, message: err.message } };
  return { ref, ok: false, error: { code: "error", message: String(err) } };
}

export class ListmonkAdapter implements EmailToolAdapter, MailingTool {
  readonly tool = "listmonk" as const;
  readonly deleteBehaviour = deleteBehaviour;
  private readonly http: HttpClient;

  constructor(connection: ToolConnection, opts: AdapterOptions = {}) {
    const base = opts.baseUrl ?? connection.base_url;
    if (!base)
      throw new ToolError("invalid", "A listmonk connection needs the base URL of the listmonk installation");
    if (connection.credentials.kind !== "listmonk") {
      throw new ToolError("invalid", "listmonk needs an API user and its token");
    }
    const { username, token } = connection.credentials;
    this.http = httpClient({
      tool: "listmonk",
      baseUrl: base,
      headers: { authorization: `token ${username}:${token}` },
      readError: (body) =>
        typeof body === "object" && body !== null && "message" in body ? String(body.message) : undefined,
      opts,
    });
  }

  private async data<T>(method: HttpMethod, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const out = await this.http.request<{ data: T }>({ method, path, body, signal });
    if (typeof out !== "object" || out === null || !("data" in out)) {
      throw new ToolError("invalid", `listmonk answered ${method} ${path} without a data envelope`);
    }
    return out.data;
  }

  async verify(signal?: AbortSignal) {
    await this.data<LmPage<LmListOut>>("GET", "/api/lists?page=1&per_page=1", undefined, signal);
    return { account: `listmonk at ${this.http.baseUrl}` };
  }

  private toRemoteList(l: LmListOut): RemoteList {
    return {
      id: String(l.id),
      name: l.name,
      description: l.description ?? null,
      member_count: l.subscriber_count,
      // listmonk records views and clicks per subscriber when "individual subscriber tracking" is on; that is
      // an installation setting, not a list setting, so it is not known here.
    };
  }

  async lists(signal?: AbortSignal): Promise<RemoteList[]> {
    const out: RemoteList[] = [];
    for await (const page of this.pages<LmListOut>("/api/lists?", 100, signal)) {
      out.push(...page.map((l) => this.toRemoteList(l)));
    }
    return out;
  }

  async getList(id: string, signal?: AbortSignal): Promise<RemoteList> {
    return this.toRemoteList(await this.listById(id, signal));
  }

  private async listById(id: string, signal?: AbortSignal): Promise<LmListOut> {
    if (!/^\d+$/.test(id)) throw new ToolError("not_found", `listmonk list ids are numbers, not "${id}"`);
    return this.data<LmListOut>("GET", `/api/lists/${id}`, undefined, signal);
  }

  async createList(s: ListSettings, signal?: AbortSignal): Promise<RemoteList> {
    // listmonk takes sender and reply-to per campaign, not per list; Poststelle keeps them with the link.
    const l = await this.data<LmListOut>(
      "POST",
      "/api/lists",
      {
        name: s.name,
        type: "private",
        optin: s.double_opt_in ? "double" : "single",
        tags: ["poststelle"],
        description: s.description ?? "",
      },
      signal,
    );
    return this.toRemoteList(l);
  }

  /** Offset pages (page from 1) until a short page or the total is reached. */
  private async *pages<T>(pathWithQuery: string, perPage: number, signal?: AbortSignal): AsyncIterable<T[]> {
    for (let page = 1; ; page++) {
      const sep = pathWithQuery.endsWith("?") ? "" : "&";
      const p = await this.data<LmPage<T>>(
        "GET",
        `${pathWithQuery}${sep}page=${page}&per_page=${perPage}`,
        undefined,
        signal,
      );
      if (p.results.length) yield p.results;
      if (p.results.length < perPage || page * perPage >= p.total) return;
    }
  }

  async *members(listId: string, opts: MembersPageOptions = {}): AsyncIterable<RemoteMember[]> {
    const list = await this.listById(listId, opts.signal);
    const id = list.id;
    const size = opts.pageSize ?? DEFAULT_PAGE_SIZE;
    // Oldest first, so members added while the run pages through land at the end instead of shifting pages.
    const path = `/api/subscribers?list_id=${id}&order_by=created_at&order=asc`;
    for await (const page of this.pages<LmSubscriberOut>(path, size, opts.signal)) {
      const out: RemoteMember[] = [];
      for (const s of page) {
        const sub = s.lists.find((l) => l.id === id);
        if (sub) out.push(this.toMember(s, sub, list.optin));
      }
      yield out;
    }
  }

  private toMember(s: LmSubscriberOut, sub: LmSubscriptionOut, optin: "single" | "double"): RemoteMember {
    const at = sub.subscription_updated_at ?? s.updated_at;
    return {
      remote_id: String(s.id),
      email: s.email,
      status: listmonkStatus(s.status, sub.subscription_status, sub.optin ?? optin),
      status_changed_at: at ? new Date(at) : null,
      ...listmonkNames(s),
      fields: s.attribs ?? {},
    };
  }

  /** Existing subscribers by address (lower-cased), looked up in chunks. */
  private async lookup(emails: string[], signal?: AbortSignal): Promise<Map<string, LmSubscriberOut>> {
    const found = new Map<string, LmSubscriberOut>();
    const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
    for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
      const chunk = unique.slice(i, i + LOOKUP_CHUNK);
      const query = `subscribers.email IN (${chunk.map(sqlString).join(", ")})`;
      const p = await this.data<LmPage<LmSubscriberOut>>(
        "GET",
        `/api/subscribers?per_page=all&query=${encodeURIComponent(query)}`,
        undefined,
        signal,
      );
      for (const s of p.results) found.set(s.email.toLowerCase(), s);
    }
    return found;
  }

  async apply(listId: string, ops: MemberOp[], signal?: AbortSignal): Promise<MemberOpResult[]> {
    const list = await this.listById(listId, signal);
    const existing = await this.lookup(
      ops.map((o) => o.email),
      signal,
    );
    const results: MemberOpResult[] = [];
    // Ops on known subscribers that listmonk can do in one bulk call, grouped by what they do to the list.
    const bulk = new Map<string, { ops: MemberOp[]; ids: number[] }>();
    const addBulk = (key: string, op: MemberOp, id: number) => {
      const g = bulk.get(key) ?? { ops: [], ids: [] };
      g.ops.push(op);
      g.ids.push(id);
      bulk.set(key, g);
    };
    try {
      for (const op of ops) {
        const s = existing.get(op.email.toLowerCase());
        try {
          const r = await this.applyOne(list, op, s, addBulk, signal);
          if (r) results.push(r);
        } catch (err) {
          if (err instanceof ToolError && err.kind === "connection") throw err;
          results.push(failure(op.ref, err));
        }
      }
      for (const [key, g] of bulk) results.push(...(await this.applyBulk(list, key, g, existing, signal)));
    } catch (e) {
      throw brokeOffAfter(e, results);
    }
    return results;
  }

  /** One op: done at once (and its result returned) or queued for a bulk call (undefined). */
  private async applyOne(
    list: LmListOut,
    op: MemberOp,
    s: LmSubscriberOut | undefined,
    addBulk: (key: string, op: MemberOp, id: number) => void,
    signal?: AbortSignal,
  ): Promise<MemberOpResult | undefined> {
    const ok = (sub: LmSubscriberOut, status?: RemoteStatus): MemberOpResult => ({
      ref: op.ref,
      ok: true,
      remote_id: String(sub.id),
      status,
    });
    if (op.op === "upsert" || op.op === "subscribe_double_opt_in") {
      const confirm = op.op === "upsert";
      if (!s) {
        const created = await this.data<LmSubscriberOut>(
          "POST",
          "/api/subscribers",
          {
            email: op.email,
            name: displayName(op),
            status: "enabled",
            lists: [list.id],
            attribs: nameAttribs(op),
            preconfirm_subscriptions: confirm,
          },
          signal,
        );
        return ok(created, confirm ? "subscribed" : listmonkStatus("enabled", "unconfirmed", list.optin));
      }
      if (s.status === "blocklisted") {
        return {
          ref: op.ref,
          ok: false,
          remote_id: String(s.id),
          status: "blocklisted",
          error: {
            code: "blocklisted",
            message: `${op.email} is blocklisted in listmonk; it cannot be subscribed again there`,
          },
        };
      }
      addBulk(confirm ? "add_confirmed" : "add_unconfirmed", op, s.id);
      return undefined;
    }
    if (!s)
      return {
        ref: op.ref,
        ok: false,
        error: { code: "not_found", message: `${op.email} is not in listmonk` },
      };
    if (op.op === "update_name") {
      const updated = await this.data<LmSubscriberOut>(
        "PATCH",
        `/api/subscribers/${s.id}`,
        { name: displayName(op), attribs: nameAttribs(op) },
        signal,
      );
      return ok(updated);
    }
    if (op.op === "change_email") {
      if (!op.new_email)
        return {
          ref: op.ref,
          ok: false,
          error: { code: "invalid", message: "change_email needs the new address" },
        };
      const updated = await this.data<LmSubscriberOut>(
        "PATCH",
        `/api/subscribers/${s.id}`,
        { email: op.new_email },
        signal,
      );
      return ok(updated);
    }
    if (op.op === "delete_permanently") {
      await this.data<boolean>("DELETE", `/api/subscribers/${s.id}`, undefined, signal);
      return { ref: op.ref, ok: true, remote_id: String(s.id) };
    }
    addBulk(op.op === "unsubscribe" ? "unsubscribe" : "remove", op, s.id);
    return undefined;
  }

  private async applyBulk(
    list: LmListOut,
    key: string,
    g: { ops: MemberOp[]; ids: number[] },
    existing: Map<string, LmSubscriberOut>,
    signal?: AbortSignal,
  ): Promise<MemberOpResult[]> {
    const body =
      key === "add_confirmed"
        ? { ids: g.ids, action: "add", target_list_ids: [list.id], status: "confirmed" }
        : key === "add_unconfirmed"
          ? { ids: g.ids, action: "add", target_list_ids: [list.id], status: "unconfirmed" }
          : { ids: g.ids, action: key, target_list_ids: [list.id] };
    try {
      await this.data<boolean>("PUT", "/api/subscribers/lists", body, signal);
      if (key === "add_unconfirmed" && list.optin === "double") {
        // A re-added unconfirmed subscription gets no confirmation mail by itself: ask for one per subscriber.
        for (const id of g.ids) await this.data<boolean>("POST", `/api/subscribers/${id}/optin`, {}, signal);
      }
      if (key === "add_confirmed") await this.renameAll(g.ops, existing, signal);
    } catch (err) {
      if (err instanceof ToolError && err.kind === "connection") throw err;
      return g.ops.map((op) => failure(op.ref, err));
    }
    const status: RemoteStatus | undefined =
      key === "add_confirmed"
        ? "subscribed"
        : key === "add_unconfirmed"
          ? listmonkStatus("enabled", "unconfirmed", list.optin)
          : key === "unsubscribe"
            ? "unsubscribed"
            : undefined;
    return g.ops.map((op, i) => ({ ref: op.ref, ok: true, remote_id: String(g.ids[i]), status }));
  }

  /** "Transmit member" also brings the name in line where it differs. */
  private async renameAll(ops: MemberOp[], existing: Map<string, LmSubscriberOut>, signal?: AbortSignal) {
    for (const op of ops) {
      const s = existing.get(op.email.toLowerCase());
      if (!s || op.first_name === undefined) continue;
      const now = listmonkNames(s);
      if (now.first_name === (op.first_name ?? null) && now.last_name === (op.last_name ?? null)) continue;
      await this.data(
        "PATCH",
        `/api/subscribers/${s.id}`,
        { name: displayName(op), attribs: nameAttribs(op) },
        signal,
      );
    }
  }

  // ---- mailings (campaigns), their bounces, statistics and reactions ----

  private toMailing(c: LmCampaignOut): RemoteMailing {
    return {
      id: String(c.id),
      name: c.name,
      subject: c.subject,
      status: c.status,
      list_ids: c.lists.map((l) => String(l.id)),
      sent_at: c.started_at ? new Date(c.started_at) : null,
      recipients: c.sent || c.to_send || null,
    };
  }

  async mailings(listId: string, signal?: AbortSignal): Promise<RemoteMailing[]> {
    const out: RemoteMailing[] = [];
    for await (const page of this.pages<LmCampaignOut>("/api/campaigns?", 100, signal)) {
      for (const c of page) if (c.lists.some((l) => String(l.id) === listId)) out.push(this.toMailing(c));
    }
    return out;
  }

  async mailing(id: string, signal?: AbortSignal): Promise<RemoteMailing> {
    if (!/^\d+$/.test(id)) throw new ToolError("not_found", `listmonk campaign ids are numbers, not "${id}"`);
    return this.toMailing(await this.data<LmCampaignOut>("GET", `/api/campaigns/${id}`, undefined, signal));
  }

  async mailingReport(id: string, signal?: AbortSignal): Promise<RemoteMailingReport> {
    if (!/^\d+$/.test(id)) throw new ToolError("not_found", `listmonk campaign ids are numbers, not "${id}"`);
    const c = await this.data<LmCampaignOut>("GET", `/api/campaigns/${id}`, undefined, signal);
    // listmonk counts views and clicks as events, and keeps no per-campaign unsubscribe count.
    const bounces = c.bounces ?? (await this.countBounces(id, signal));
    return {
      recipients: c.sent,
      bounces,
      opens: c.views,
      clicks: c.clicks,
      unsubscribes: null,
      counts_events: true,
    };
  }

  private async countBounces(id: string, signal?: AbortSignal): Promise<number> {
    const p = await this.data<LmPage<LmBounceOut>>(
      "GET",
      `/api/bounces?campaign_id=${id}&page=1&per_page=1`,
      undefined,
      signal,
    );
    return p.total;
  }

  async *mailingBounces(id: string, signal?: AbortSignal): AsyncIterable<RemoteBounce[]> {
    if (!/^\d+$/.test(id)) throw new ToolError("not_found", `listmonk campaign ids are numbers, not "${id}"`);
    for await (const page of this.pages<LmBounceOut>(`/api/bounces?campaign_id=${id}`, 500, signal)) {
      yield page.map((b) => ({
        email: b.email,
        // hard = the address does not exist (permanent), soft = a full mailbox or an absence (temporary);
        // a complaint is no bounce in the seed's sense and counts as a general one.
        kind: b.type === "hard" ? "permanent" : b.type === "soft" ? "temporary" : "general",
        at: new Date(b.created_at),
        reason: `${b.type} (${b.source})`,
      }));
    }
  }

  async *mailingReactions(id: string, signal?: AbortSignal): AsyncIterable<RemoteReaction[]> {
    if (!/^\d+$/.test(id)) throw new ToolError("not_found", `listmonk campaign ids are numbers, not "${id}"`);
    // Individual views and clicks are only recorded with listmonk's "individual subscriber tracking" on;
    // they are read through the documented SQL query on campaign_views / link_clicks.
    for (const [table, reaction] of [
      ["campaign_views", "opened"],
      ["link_clicks", "clicked"],
    ] as const) {
      const query = `subscribers.id IN (SELECT subscriber_id FROM ${table} WHERE campaign_id=${Number(id)})`;
      const path = `/api/subscribers?query=${encodeURIComponent(query)}`;
      for await (const page of this.pages<LmSubscriberOut>(path, DEFAULT_PAGE_SIZE, signal)) {
        yield page.map((s) => ({ email: s.email, reaction }));
      }
    }
  }
}

registerAdapter("listmonk", (connection, opts) => new ListmonkAdapter(connection, opts));
