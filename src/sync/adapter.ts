// The contract between the sync engine and one external e-mail tool (Mailchimp, listmonk, …). One file per
// tool under adapters/; the engine only ever talks to this interface, so reconciliation rules (seed 003 §5)
// are written once. Adapters translate the tool's own words (statuses, errors, pagination) into these.

/** A member's status as the tool reports it, in the tool-neutral words the engine reconciles. */
export type RemoteStatus =
  | "subscribed"
  | "unsubscribed"
  | "pending"
  | "cleaned"
  | "blocklisted"
  | "archived"
  | "transactional";

export const REMOTE_STATUSES: readonly RemoteStatus[] = [
  "subscribed",
  "unsubscribed",
  "pending",
  "cleaned",
  "blocklisted",
  "archived",
  "transactional",
];

export type ToolName = "mailchimp" | "listmonk";

/** What the tool needs to create a list (seed 003 §4.2): taken from the Poststelle list's settings. */
export interface ListSettings {
  name: string;
  description?: string | null;
  from_name: string;
  from_email: string;
  reply_to?: string | null;
  /** "record per-recipient reactions" (Empfängerspezifische Reaktionen erfassen) */
  track_reactions: boolean;
  /** Mailchimp demands a postal address per list (CAN-SPAM); others ignore it. */
  contact?: { company: string; address1: string; city: string; zip: string; country: string; state?: string };
  permission_reminder?: string;
  double_opt_in?: boolean;
}

export interface RemoteList {
  id: string;
  name: string;
  description?: string | null;
  from_name?: string | null;
  from_email?: string | null;
  reply_to?: string | null;
  track_reactions?: boolean;
  member_count?: number;
}

export interface RemoteMember {
  /** The tool's stable id for the member (survives an address change where the tool allows one). */
  remote_id: string;
  email: string;
  status: RemoteStatus;
  /** When the status last changed in the tool; null when the tool does not say. */
  status_changed_at: Date | null;
  first_name: string | null;
  last_name: string | null;
  salutation: string | null;
  fields: Record<string, unknown>;
}

export type MemberOpKind =
  /** "transmit member": add or re-add as subscribed without a confirmation mail (hard subscribe) */
  | "upsert"
  /** "update name": first name, last name, salutation overwritten from Poststelle */
  | "update_name"
  /** "start subscription process": double opt-in, the member becomes pending until confirmed */
  | "subscribe_double_opt_in"
  | "unsubscribe"
  /** "delete" where the tool can undo it (Mailchimp archives) */
  | "archive"
  /** "delete" for good: cannot be undone (Mailchimp blocks re-import afterwards) */
  | "delete_permanently"
  /** the contact's address changed in Poststelle: follow it in the tool instead of creating a duplicate */
  | "change_email";

export interface MemberOp {
  op: MemberOpKind;
  /** The engine's reference (a subscription id); results carry it back. */
  ref: string;
  /** The address the tool knows the member by. */
  email: string;
  /** change_email only: the new address. */
  new_email?: string;
  first_name?: string | null;
  last_name?: string | null;
  salutation?: string | null;
}

export interface MemberOpResult {
  ref: string;
  ok: boolean;
  remote_id?: string;
  /** The status the member has in the tool after the op, when the tool says. */
  status?: RemoteStatus;
  error?: { code: string; message: string };
}

export interface MembersPageOptions {
  pageSize?: number;
  signal?: AbortSignal;
}

export interface DeleteBehaviour {
  op: "archive" | "delete_permanently";
  /** Shown before a delete task is chosen and with its review (seed 003 §8.1 "Besonderheit"). */
  warning: string;
}

export interface EmailToolAdapter {
  readonly tool: ToolName;
  /** What the "delete" task does in this tool, and the warning to show with it. */
  readonly deleteBehaviour: DeleteBehaviour;
  /** Checks the credentials; the account name is shown with the connection. */
  verify(signal?: AbortSignal): Promise<{ account: string }>;
  lists(signal?: AbortSignal): Promise<RemoteList[]>;
  getList(id: string, signal?: AbortSignal): Promise<RemoteList>;
  createList(settings: ListSettings, signal?: AbortSignal): Promise<RemoteList>;
  /** Every member of the list, page by page (archived ones included where the tool lists them). */
  members(listId: string, opts?: MembersPageOptions): AsyncIterable<RemoteMember[]>;
  /** Applies a batch of ops; one result per op, in any order, matched by ref. Throws ToolError when the
   *  tool broke off (outage, broken connection); the results of the ops it had carried out by then travel
   *  with the error in `done` (see brokeOffAfter) — the ops not in it may or may not have been made. */
  apply(listId: string, ops: MemberOp[], signal?: AbortSignal): Promise<MemberOpResult[]>;
}

export type ToolErrorKind =
  /** 429: wait retry_after_s and try again */
  | "rate_limited"
  /** 5xx or maintenance */
  | "unavailable"
  /** 401/403: credentials wrong or revoked */
  | "auth"
  | "not_found"
  /** 400/422: the tool refused the request as such */
  | "invalid"
  /** the connection broke (reset, timeout, DNS, a body cut short) */
  | "connection";

/** Any failure talking to a tool. The engine aborts a fetch on any ToolError (nothing half-applied). */
export class ToolError extends Error {
  readonly kind: ToolErrorKind;
  readonly status?: number;
  readonly retry_after_s?: number;
  readonly detail?: unknown;
  constructor(
    kind: ToolErrorKind,
    message: string,
    extra: { status?: number; retry_after_s?: number; detail?: unknown; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "ToolError";
    this.kind = kind;
    this.status = extra.status;
    this.retry_after_s = extra.retry_after_s;
    this.detail = extra.detail;
  }

  /** Set when apply broke off after the tool had carried out some ops: their results (see brokeOffAfter). */
  done: MemberOpResult[] = [];

  /** Worth trying again later without changing anything. */
  get transient(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable" || this.kind === "connection";
  }
}

/** Connection settings as stored (credentials decrypted only when an adapter is built). */
export interface ToolConnection {
  id: string;
  tool: ToolName;
  /** The API base URL; for Mailchimp derived from the key's data-centre suffix when absent. */
  base_url: string | null;
  credentials: ToolCredentials;
}

export type ToolCredentials =
  | { kind: "mailchimp"; api_key: string }
  | { kind: "listmonk"; username: string; token: string };

export interface AdapterOptions {
  /** Tests and the bench point adapters at a fake on loopback. */
  fetch?: typeof fetch;
  baseUrl?: string;
  /** How often a 429 (any request) or 5xx (GET only) is retried before it becomes a ToolError (default 3). */
  maxRetries?: number;
  /** Upper bound for one wait on Retry-After, in seconds (default 30); a longer one is not waited out. */
  maxRetryWaitS?: number;
  /** Seconds one request may spend waiting on retries in all (default 60). */
  retryBudgetS?: number;
  /** Time limit for one request, answer included, in milliseconds (default 60,000). */
  requestTimeoutMs?: number;
  /** Injected for tests: how to wait (default setTimeout). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type AdapterFactory = (connection: ToolConnection, opts: AdapterOptions) => EmailToolAdapter;

const registry = new Map<ToolName, AdapterFactory>();

/** Each adapter file registers itself (adapters/index.ts imports them all). */
export function registerAdapter(tool: ToolName, factory: AdapterFactory): void {
  registry.set(tool, factory);
}

export function adapterFor(connection: ToolConnection, opts: AdapterOptions = {}): EmailToolAdapter {
  const factory = registry.get(connection.tool);
  if (!factory) throw new ToolError("invalid", `No adapter for the tool "${connection.tool}"`);
  return factory(connection, opts);
}

/**
 * apply broke off after some ops were carried out: their results go with the error, so the caller records
 * them — a member deleted or subscribed in the tool must not stay "not yet done" here, to be done again or
 * lost (a delete carried out there would leave the subscription here, shown as "not in tool").
 */
export function brokeOffAfter(e: unknown, done: MemberOpResult[]): unknown {
  if (e instanceof ToolError) e.done = [...done];
  return e;
}
