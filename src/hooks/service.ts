// Webhook endpoints of the host application (issue 5, item 8): create (the secret is shown once), list,
// change, delete; their deliveries with the responses; replay.
import { activityCtx, recordActivity } from "../audit/service.js";
import type { Ctx } from "../runtime.js";
import { NotFound } from "../util/errors.js";
import { newId, randomToken } from "../util/ids.js";
import type { HookEventType } from "./events.js";
import {
  type DeliveryRow,
  deleteEndpoint,
  type EndpointRow,
  insertEndpoint,
  requeueDelivery,
  selectDelivery,
  selectEndpoint,
  updateEndpoint,
} from "./store.js";

/** The API's view of an endpoint: never the secret (it is shown once, by createEndpoint). */
export function endpointOut(e: EndpointRow) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    enabled: e.enabled,
    description: e.description,
    created_at: e.created_at,
    updated_at: e.updated_at,
  };
}

export function deliveryOut(d: DeliveryRow) {
  return {
    id: d.id,
    endpoint_id: d.endpoint_id,
    event_type: d.event_type,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === "pending" ? d.next_attempt_at : null,
    last_attempt_at: d.last_attempt_at,
    last_response: {
      status: d.last_response_status,
      body: d.last_response_body,
      error: d.last_error,
      duration_ms: d.last_duration_ms,
    },
    created_at: d.created_at,
  };
}

export interface EndpointInput {
  url: string;
  events: HookEventType[];
  enabled?: boolean;
  description?: string | null;
}

/** The secret signs every delivery, so it is stored as it is (a hash could not sign); it leaves the API only
 * in this response. */
export async function createEndpoint(ctx: Ctx, input: EndpointInput) {
  const now = ctx.rt.now();
  const secret = `whsec_${randomToken(32)}`;
  const row = await ctx.rt.db.transaction().execute(async (tx) => {
    const e = await insertEndpoint(tx, {
      id: newId("whe", now.getTime()),
      workspace_id: ctx.workspaceId,
      url: input.url,
      events: [...new Set(input.events)],
      enabled: input.enabled ?? true,
      description: input.description ?? null,
      secret,
      created_at: now,
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "created",
      kind: "webhook_endpoint",
      recordId: e.id,
      after: endpointOut(e),
      summary: `Webhook endpoint ${e.url} created`,
    });
    return e;
  });
  return { ...endpointOut(row), secret };
}

export async function mustGetEndpoint(ctx: Ctx, id: string) {
  const e = await selectEndpoint(ctx.rt.db, ctx.workspaceId, id);
  if (!e) throw NotFound("webhook endpoint", id);
  return e;
}

export async function changeEndpoint(ctx: Ctx, id: string, patch: Partial<EndpointInput>) {
  const before = await mustGetEndpoint(ctx, id);
  const now = ctx.rt.now();
  const row = await ctx.rt.db.transaction().execute(async (tx) => {
    const e = await updateEndpoint(tx, id, {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      updated_at: now,
    });
    await recordActivity(tx, activityCtx(ctx), {
      action: "updated",
      kind: "webhook_endpoint",
      recordId: id,
      before: endpointOut(before),
      after: endpointOut(e),
    });
    return e;
  });
  return endpointOut(row);
}

export async function removeEndpoint(ctx: Ctx, id: string) {
  const before = await mustGetEndpoint(ctx, id);
  await ctx.rt.db.transaction().execute(async (tx) => {
    await deleteEndpoint(tx, id);
    await recordActivity(tx, activityCtx(ctx), {
      action: "deleted",
      kind: "webhook_endpoint",
      recordId: id,
      before: endpointOut(before),
      summary: `Webhook endpoint ${before.url} deleted with its deliveries`,
    });
  });
}

/** Sends one delivery again as soon as the worker gets to it (one more attempt; a failed one counts on). */
export async function replayDelivery(ctx: Ctx, id: string) {
  const d = await selectDelivery(ctx.rt.db, ctx.workspaceId, id);
  if (!d) throw NotFound("webhook delivery", id);
  const row = await ctx.rt.db.transaction().execute(async (tx) => {
    const r = await requeueDelivery(tx, id, ctx.rt.now());
    await recordActivity(tx, activityCtx(ctx), {
      action: "replayed",
      kind: "webhook_delivery",
      recordId: id,
      before: { status: d.status },
      after: { status: r.status },
      summary: `Webhook delivery ${d.event_type} re-queued`,
    });
    return r;
  });
  return deliveryOut(row);
}
