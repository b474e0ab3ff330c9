// Prometheus metrics: HTTP latency per route, and on each scrape the messages by status, the queue depth
// and the send rate read from the database (so they hold across processes).

import { sql } from "kysely";
import client from "prom-client";
import type { Runtime } from "../runtime.js";

const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const latency = new client.Histogram({
  name: "poststelle_http_request_duration_seconds",
  help: "HTTP request latency",
  labelNames: ["route", "method", "status"],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

const byStatus = new client.Gauge({
  name: "poststelle_messages",
  help: "Messages by derived delivery status",
  labelNames: ["status"],
  registers: [registry],
});
const queueDepth = new client.Gauge({
  name: "poststelle_queue_depth",
  help: "Messages waiting to be sent (queued or being sent)",
  registers: [registry],
});
const sentLastMinute = new client.Gauge({
  name: "poststelle_send_rate_per_second",
  help: "Messages handed to a transport in the last 60 seconds, per second",
  registers: [registry],
});

export const httpMetrics = {
  observe(route: string, method: string, status: number, seconds: number) {
    latency.labels(route, method, String(status)).observe(seconds);
  },
};

export async function metricsText(rt: Runtime): Promise<string> {
  const rows = await rt.db
    .selectFrom("messages")
    .select(["status", sql<number>`count(*)::int`.as("n")])
    .groupBy("status")
    .execute();
  byStatus.reset();
  for (const r of rows) byStatus.labels(r.status).set(Number(r.n));
  const q = await sql<{
    n: number;
  }>`select count(*)::int as n from messages where send_state in ('queued','sending')`.execute(rt.db);
  queueDepth.set(Number(q.rows[0]?.n ?? 0));
  const s = await sql<{
    n: number;
  }>`select count(*)::int as n from messages where sent_at > now() - interval '60 seconds'`.execute(rt.db);
  sentLastMinute.set(Number(s.rows[0]?.n ?? 0) / 60);
  return registry.metrics();
}
