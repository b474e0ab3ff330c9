// What every provider's webhook is read into before it becomes Poststelle events: one observation about
// one message, with the provider's own id for it (dedupe), what it means in our vocabulary, and the
// provider's record as evidence.
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { MessageEventType } from "../events/status.js";
import { zodDetails } from "../http/errors.js";
import { Invalid } from "../util/errors.js";
import type { BounceVerdict } from "./bounce.js";

export interface ProviderEvent {
  /** The provider's id of this observation; a repeated delivery of the same event carries the same. */
  eventId: string;
  type: MessageEventType;
  at: Date;
  /** Poststelle's message id, when the provider carried it back (custom args, metadata, tags). */
  messageId: string | null;
  /** The provider's ids of the message (matched against messages.queue_id). */
  providerMessageIds: string[];
  /** The recipient the event is about; events about another recipient (the archive copy) are skipped. */
  recipient: string | null;
  detail: string;
  errorCode: string | null;
  bounce?: BounceVerdict;
  evidence: Record<string, unknown>;
}

/** The request as it arrived: the exact bytes (signatures are over them) and the headers. */
export interface WebhookRequest {
  raw: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The body as the HTTP layer already parsed it from JSON (saves parsing a large batch twice). */
  parsed?: unknown;
}

/** The JSON body: the one the HTTP layer parsed, else parsed from the raw bytes. */
export function jsonBody(req: WebhookRequest): unknown {
  return req.parsed !== undefined && typeof req.parsed === "object" ? req.parsed : parseJson(req.raw);
}

export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw Invalid(`Malformed JSON in the request body: ${(err as Error).message}`);
  }
}

/** Validates a provider's payload, or answers 400 with what is wrong. */
export function readPayload<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
  throw Invalid(`This is not a ${what}: ${issues.join("; ")}`, zodDetails(r.error));
}

/** A single object or an array of them, as SendGrid and Postmark may send. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** A stable id for a record that has none of its own: the hash of its content. */
export function contentId(record: unknown): string {
  return createHash("sha256").update(JSON.stringify(record)).digest("hex").slice(0, 32);
}

export function dateOf(value: string | number | undefined | null, fallback: Date): Date {
  if (value === undefined || value === null || value === "") return fallback;
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? fallback : d;
}

/** A string field of a loosely typed record, or null. */
export function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}
