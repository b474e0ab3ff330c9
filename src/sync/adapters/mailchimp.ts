// Mailchimp Marketing API v3 (https://<dc>.api.mailchimp.com/3.0). Audiences are "lists"; a member is
// addressed by its subscriber hash (MD5 of the lower-cased address); names live in the merge fields
// FNAME / LNAME, the letter salutation in a SALUTATION merge field that Poststelle creates with the list.
// Pages are count/offset (at most 1,000 per page). Errors are application/problem+json
// { type, title, status, detail, instance }. DELETE on a member archives it (it can come back);
// actions/delete-permanent cannot be undone and Mailchimp refuses to re-import the address afterwards,
// so the "delete" task archives.
import { createHash } from "node:crypto";
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
import type { WebhookRegistration, WebhookTool } from "../webhooks/registration.js";
import { type HttpClient, httpClient } from "./http.js";

/** Mailchimp's documented limits: 1,000 records per page, 500 members per batch-subscribe call. */
export const MAILCHIMP_MAX_PAGE = 1000;
export const MAILCHIMP_MAX_BATCH = 500;

export const SALUTATION_TAG = "SALUTATION";

export function subscriberHash(email: string): string {
  return createHash("md5").update(email.trim().toLowerCase()).digest("hex");
}

/** The data centre is the part after the last "-" of the API key (…-us21 → us21). */
export function mailchimpBaseUrl(apiKey: string): string {
  const dc = apiKey.slice(apiKey.lastIndexOf("-") + 1);
  if (!/^[a-z]+[0-9]+$/.test(dc)) {
    throw new ToolError("auth", "A Mailchimp API key ends in its data centre, e.g. …-us21");
  }
  return `https://${dc}.api.mailchimp.com/3.0`;
}

interface McList {
  id: string;
  name: string;
  campaign_defaults?: { from_name?: string; from_email?: string };
  stats?: { member_count?: number };
}

interface McMember {
  id: string;
  email_address: string;
  unique_email_id?: string;
  contact_id?: string;
  status: string;
  merge_fields?: Record<string, unknown>;
  last_changed?: string;
  timestamp_opt?: string;
}

interface McBatchResult {
  new_members?: McMember[];
  updated_members?: McMember[];
  errors?: { email_address: string; error: string; error_code?: string }[];
}

const STATUSES: Record<string, RemoteStatus> = {
  subscribed: "subscribed",
  unsubscribed: "unsubscribed",
  pending: "pending",
  cleaned: "cleaned",
  transactional: "transactional",
  archived: "archived",
};

/** Mailchimp's errors are application/problem+json: title, detail and, for validation, errors per field. */
function problemText(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const p = body as { title?: string; detail?: string; errors?: { field?: string; message?: string }[] };
  if (!p.title && !p.detail) return undefined;
  const fields = (p.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return [p.title, p.detail, fields].filter(Boolean).join(" — ");
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

interface McCampaign {
  id: string;
  status: string;
  send_time?: string | null;
  emails_sent?: number;
  recipients?: { list_id?: string };
  settings?: { subject_line?: string; title?: string };
}

interface McReport {
  emails_sent?: number;
  unsubscribed?: number;
  bounces?: { hard_bounces?: number; soft_bounces?: number; syntax_errors?: number };
  opens?: { unique_opens?: number };
  clicks?: { unique_subscriber_clicks?: number };
}

interface McSentTo {
  email_address: string;
  status: "sent" | "hard" | "soft";
}

interface McActivity {
  email_address: string;
  activity?: { action: string }[];
}

export function memberFromMailchimp(m: McMember): RemoteMember {
  const fields = { ...(m.merge_fields ?? {}) };
  const changed = m.last_changed ?? m.timestamp_opt;
  return {
    // contact_id survives an address change; the subscriber hash (id) does not
    remote_id: m.contact_id ?? m.unique_email_id ?? m.id,
    email: m.email_address,
    status: STATUSES[m.status] ?? "unsubscribed",
    status_changed_at: changed ? new Date(changed) : null,
    first_name: str(fields.FNAME),
    last_name: str(fields.LNAME),
    salutation: str(fields[SALUTATION_TAG]),
    fields,
  };
}

function listFromMailchimp(l: McList): RemoteList {
  return {
    id: l.id,
    name: l.name,
    from_name: l.campaign_defaults?.from_name ?? null,
    from_email: l.campaign_defaults?.from_email ?? null,
    member_count: l.stats?.member_count,
  };
}

function mergeFields(op: MemberOp): Record<string, string> {
  return {
    FNAME: op.first_name ?? "",
    LNAME: op.last_name ?? "",
    ...(op.salutation !== undefined ? { [SALUTATION_TAG]: op.salutation ?? "" } : {}),
  };
}

/** Batch-subscribe statuses for the ops that go through POST /lists/{id}. */
const BATCH_STATUS: Partial<Record<MemberOp["op"], string>> = {
  upsert: "subscribed",
  subscribe_double_opt_in: "pending",
  unsubscribe: "unsubscribed",
};

export class MailchimpAdapter implements EmailToolAdapter, MailingTool, WebhookTool {
  readonly tool = "mailchimp" as const;
  readonly deleteBehaviour: DeleteBehaviour = {
    op: "archive",
    warning:
      "Mailchimp archives the member: it leaves the audience and no longer counts, but its history stays and it can be added again. Permanent deletion is not used because it cannot be undone and Mailchimp then refuses to re-import the address. The subscription is removed here after the transmit.",
  };
  private readonly http: HttpClient;

  constructor(connection: ToolConnection, opts: AdapterOptions) {
    if (connection.credentials.kind !== "mailchimp") throw new ToolError("auth", "Not Mailchimp credentials");
    const key = connection.credentials.api_key;
    const base = opts.baseUrl ?? connection.base_url ?? mailchimpBaseUrl(key);
    const auth = `Basic ${Buffer.from(`poststelle:${key}`).toString("base64")}`;
    this.http = httpClient({
      tool: "Mailchimp",
      baseUrl: base,
      headers: { authorization: auth },
      readError: problemText,
      opts,
    });
  }

  async verify(signal?: AbortSignal) {
    const root = await this.http.request<{ account_name?: string; account_id?: string }>({
      method: "GET",
      path: "/",
      query: { fields: "account_id,account_name" },
      signal,
    });
    return { account: root.account_name ?? root.account_id ?? "Mailchimp" };
  }

  async lists(signal?: AbortSignal) {
    const out: RemoteList[] = [];
    for (let offset = 0; ; offset += MAILCHIMP_MAX_PAGE) {
      const page = await this.http.request<{ lists: McList[]; total_items: number }>({
        method: "GET",
        path: "/lists",
        query: { count: MAILCHIMP_MAX_PAGE, offset },
        signal,
      });
      out.push(...page.lists.map(listFromMailchimp));
      if (page.lists.length === 0 || out.length >= page.total_items) return out;
    }
  }

  async getList(id: string, signal?: AbortSignal) {
    return listFromMailchimp(
      await this.http.request<McList>({ method: "GET", path: `/lists/${encodeURIComponent(id)}`, signal }),
    );
  }

  async createList(s: ListSettings, signal?: AbortSignal) {
    if (!s.contact) {
      throw new ToolError(
        "invalid",
        "Mailchimp needs the sender's postal address (contact) to create an audience",
      );
    }
    const created = await this.http.request<McList>({
      method: "POST",
      path: "/lists",
      body: {
        name: s.name,
        contact: { state: "", ...s.contact },
        permission_reminder:
          s.permission_reminder ?? "You are receiving this because you subscribed to our list.",
        campaign_defaults: { from_name: s.from_name, from_email: s.from_email, subject: "", language: "de" },
        email_type_option: false,
        double_optin: s.double_opt_in ?? false,
      },
      signal,
    });
    await this.http.request({
      method: "POST",
      path: `/lists/${created.id}/merge-fields`,
      body: { tag: SALUTATION_TAG, name: "Salutation", type: "text", required: false, public: false },
      signal,
    });
    return listFromMailchimp(created);
  }

  async *members(listId: string, opts: MembersPageOptions = {}): AsyncIterable<RemoteMember[]> {
    const count = Math.min(opts.pageSize ?? MAILCHIMP_MAX_PAGE, MAILCHIMP_MAX_PAGE);
    let seen = 0;
    for (let offset = 0; ; offset += count) {
      const page = await this.http.request<{ members: McMember[]; total_items: number }>({
        method: "GET",
        path: `/lists/${encodeURIComponent(listId)}/members`,
        query: {
          count,
          offset,
          fields:
            "members.id,members.email_address,members.unique_email_id,members.contact_id,members.status,members.merge_fields,members.last_changed,members.timestamp_opt,total_items",
        },
        signal: opts.signal,
      });
      seen += page.members.length;
      if (page.members.length > 0) yield page.members.map(memberFromMailchimp);
      if (page.members.length < count || seen >= page.total_items) return;
    }
  }

  async apply(listId: string, ops: MemberOp[], signal?: AbortSignal): Promise<MemberOpResult[]> {
    const batched = ops.filter((o) => BATCH_STATUS[o.op]);
    const single = ops.filter((o) => !BATCH_STATUS[o.op]);
    const results: MemberOpResult[] = [];
    try {
      for (let i = 0; i < batched.length; i += MAILCHIMP_MAX_BATCH) {
        results.push(
          ...(await this.batchSubscribe(listId, batched.slice(i, i + MAILCHIMP_MAX_BATCH), signal)),
        );
      }
      for (const op of single) results.push(await this.applyOne(listId, op, signal));
    } catch (e) {
      throw brokeOffAfter(e, results);
    }
    return results;
  }

  /** POST /lists/{id}: up to 500 members; Mailchimp answers 200 and lists the rejected ones in errors. */
  private async batchSubscribe(listId: string, ops: MemberOp[], signal?: AbortSignal) {
    const res = await this.http.request<McBatchResult>({
      method: "POST",
      path: `/lists/${encodeURIComponent(listId)}`,
      body: {
        update_existing: true,
        members: ops.map((op) => ({
          email_address: op.email,
          status: BATCH_STATUS[op.op],
          ...(op.op === "unsubscribe" ? {} : { merge_fields: mergeFields(op) }),
        })),
      },
      signal,
    });
    const done = new Map<string, McMember>();
    for (const m of [...(res.new_members ?? []), ...(res.updated_members ?? [])]) {
      done.set(m.email_address.toLowerCase(), m);
    }
    const failed = new Map((res.errors ?? []).map((e) => [e.email_address.toLowerCase(), e]));
    return ops.map((op): MemberOpResult => {
      const key = op.email.toLowerCase();
      const err = failed.get(key);
      if (err)
        return {
          ref: op.ref,
          ok: false,
          error: { code: err.error_code ?? "ERROR_GENERIC", message: err.error },
        };
      const m = done.get(key);
      if (!m)
        return {
          ref: op.ref,
          ok: false,
          error: { code: "missing", message: "Mailchimp did not report this member" },
        };
      const member = memberFromMailchimp(m);
      return { ref: op.ref, ok: true, remote_id: member.remote_id, status: member.status };
    });
  }

  // ---- webhooks: Mailchimp calls the URL with live changes of the audience ----

  /** POST /lists/{list_id}/webhooks. Mailchimp sends a GET to the URL first and answers 400 when it cannot
   * reach it. Sources: changes by the subscriber, by an account admin and via the API (other integrations). */
  async registerWebhook(listId: string, hook: WebhookRegistration, signal?: AbortSignal) {
    const created = await this.http.request<{ id: string }>({
      method: "POST",
      path: `/lists/${encodeURIComponent(listId)}/webhooks`,
      body: {
        url: hook.url,
        events: Object.fromEntries(hook.events.map((e) => [e, true])),
        sources: { user: true, admin: true, api: true },
      },
      signal,
    });
    return { id: created.id };
  }

  async unregisterWebhook(listId: string, webhookId: string, signal?: AbortSignal) {
    try {
      await this.http.request({
        method: "DELETE",
        path: `/lists/${encodeURIComponent(listId)}/webhooks/${encodeURIComponent(webhookId)}`,
        signal,
      });
    } catch (e) {
      if (!(e instanceof ToolError && e.kind === "not_found")) throw e;
    }
  }

  // ---- mailings (campaigns), their reports, bounces and reactions (sync-ext) ----

  private toMailing(c: McCampaign): RemoteMailing {
    return {
      id: c.id,
      name: c.settings?.title || c.settings?.subject_line || c.id,
      subject: c.settings?.subject_line ?? null,
      status: c.status,
      list_ids: c.recipients?.list_id ? [c.recipients.list_id] : [],
      sent_at: c.send_time ? new Date(c.send_time) : null,
      recipients: c.emails_sent ?? null,
    };
  }

  async mailings(listId: string, signal?: AbortSignal): Promise<RemoteMailing[]> {
    const out: RemoteMailing[] = [];
    for await (const page of this.offsetPages<McCampaign>(
      "/campaigns",
      "campaigns",
      { list_id: listId },
      signal,
    )) {
      out.push(...page.map((c) => this.toMailing(c)));
    }
    return out;
  }

  async mailing(id: string, signal?: AbortSignal): Promise<RemoteMailing> {
    return this.toMailing(
      await this.http.request<McCampaign>({
        method: "GET",
        path: `/campaigns/${encodeURIComponent(id)}`,
        signal,
      }),
    );
  }

  async mailingReport(id: string, signal?: AbortSignal): Promise<RemoteMailingReport> {
    const r = await this.http.request<McReport>({
      method: "GET",
      path: `/reports/${encodeURIComponent(id)}`,
      signal,
    });
    const b = r.bounces ?? {};
    return {
      recipients: r.emails_sent ?? 0,
      bounces: (b.hard_bounces ?? 0) + (b.soft_bounces ?? 0) + (b.syntax_errors ?? 0),
      // Unique people, as the seed's statistics count them.
      opens: r.opens?.unique_opens ?? 0,
      clicks: r.clicks?.unique_subscriber_clicks ?? 0,
      unsubscribes: r.unsubscribed ?? 0,
    };
  }

  /** Bounces per recipient from the sent-to report: status hard → permanent, soft → temporary. */
  async *mailingBounces(id: string, signal?: AbortSignal): AsyncIterable<RemoteBounce[]> {
    const path = `/reports/${encodeURIComponent(id)}/sent-to`;
    for await (const page of this.offsetPages<McSentTo>(path, "sent_to", {}, signal)) {
      const bounced = page.filter((x) => x.status === "hard" || x.status === "soft");
      if (bounced.length) {
        yield bounced.map((x) => ({
          email: x.email_address,
          kind: x.status === "hard" ? "permanent" : "temporary",
          at: null,
          reason: `${x.status} bounce (Mailchimp)`,
        }));
      }
    }
  }

  /** Opens and clicks per recipient from the email-activity report. */
  async *mailingReactions(id: string, signal?: AbortSignal): AsyncIterable<RemoteReaction[]> {
    const path = `/reports/${encodeURIComponent(id)}/email-activity`;
    for await (const page of this.offsetPages<McActivity>(path, "emails", {}, signal)) {
      const out: RemoteReaction[] = [];
      for (const e of page) {
        const actions = new Set((e.activity ?? []).map((a) => a.action));
        if (actions.has("open")) out.push({ email: e.email_address, reaction: "opened" });
        if (actions.has("click")) out.push({ email: e.email_address, reaction: "clicked" });
      }
      if (out.length) yield out;
    }
  }

  private async *offsetPages<T>(
    path: string,
    key: string,
    query: Record<string, string>,
    signal?: AbortSignal,
  ): AsyncIterable<T[]> {
    let seen = 0;
    for (let offset = 0; ; offset += MAILCHIMP_MAX_PAGE) {
      const page = await this.http.request<Record<string, unknown> & { total_items: number }>({
        method: "GET",
        path,
        query: { ...query, count: MAILCHIMP_MAX_PAGE, offset },
        signal,
      });
      const items = (page[key] ?? []) as T[];
      seen += items.length;
      if (items.length) yield items;
      if (items.length < MAILCHIMP_MAX_PAGE || seen >= page.total_items) return;
    }
  }

  private async applyOne(listId: string, op: MemberOp, signal?: AbortSignal): Promise<MemberOpResult> {
    const path = `/lists/${encodeURIComponent(listId)}/members/${subscriberHash(op.email)}`;
    try {
      if (op.op === "archive") {
        await this.http.request({ method: "DELETE", path, signal });
        return { ref: op.ref, ok: true, status: "archived" };
      }
      if (op.op === "delete_permanently") {
        await this.http.request({ method: "POST", path: `${path}/actions/delete-permanent`, signal });
        return { ref: op.ref, ok: true, status: "archived" };
      }
      const body =
        op.op === "change_email"
          ? { email_address: op.new_email }
          : { merge_fields: mergeFields(op) }; /* update_name */
      const m = await this.http.request<McMember>({ method: "PATCH", path, body, signal });
      const member = memberFromMailchimp(m);
      return { ref: op.ref, ok: true, remote_id: member.remote_id, status: member.status };
    } catch (e) {
      // A refusal concerns this member only; a broken connection or an outage concerns the whole run.
      if (e instanceof ToolError && (e.kind === "invalid" || e.kind === "not_found")) {
        return { ref: op.ref, ok: false, error: { code: e.kind, message: e.message } };
      }
      throw e;
    }
  }
}

registerAdapter("mailchimp", (connection, opts) => new MailchimpAdapter(connection, opts));
