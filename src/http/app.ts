// The Fastify application: every route of every domain registered from its definition (route.ts),
// with auth, zod validation, the error shape of DESIGN §9, /openapi.json, /health and /metrics.
import { Readable } from "node:stream";
import cookie from "@fastify/cookie";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { ZodType } from "zod";
import { trustProxyOption } from "../config/index.js";
import type { Runtime } from "../runtime.js";
import { Invalid } from "../util/errors.js";
import { authenticate } from "./auth.js";
import { errorHandler, receivedKind, sendError, zodDetails, zodMessage } from "./errors.js";
import { parseJsonFromBytes } from "./json-body.js";
import { httpMetrics, metricsText } from "./metrics.js";
import { buildOpenApi } from "./openapi.js";
import type { AnyRoute } from "./route.js";
import { allRoutes } from "./routes.js";
import { refuseUnstorableInput } from "./storable-text.js";

function parseWith<T>(schema: ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  // reportInput: the details name the kind of value received (never the value: zodDetails drops it).
  let r: ReturnType<ZodType<T>["safeParse"]>;
  try {
    r = schema.safeParse(value ?? (where === "request body" ? undefined : {}), { reportInput: true });
  } catch (e) {
    // zod checks a nested value by recursion: JSON nested some thousands deep (valid JSON, and JSON.parse
    // takes it) runs out of stack there. That is the input's shape, not the server's fault.
    if (e instanceof RangeError) throw Invalid(`Invalid ${where}: it is nested too deeply; flatten it.`);
    throw e;
  }
  if (!r.success) throw Invalid(zodMessage(where, r.error), zodDetails(r.error));
  return r.data;
}

/** A workspace or operator route that declares no body takes none. Whatever else a client sends there it
 * believes means something — `POST /v1/contacts/:id/erase` with a body meant for another route would erase
 * all the same — so it is refused before anything happens. Nothing, `null` and `{}` are no body. */
function refuseUndeclaredBody(value: unknown) {
  if (value === undefined || value === null) return;
  if (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) return;
  const details =
    typeof value === "object" && !Array.isArray(value)
      ? [
          {
            path: "",
            message: "this route takes no body",
            code: "unrecognized_keys",
            keys: Object.keys(value),
          },
        ]
      : [
          {
            path: "",
            message: "this route takes no body",
            code: "invalid_type",
            expected: "undefined",
            received: receivedKind(value),
          },
        ];
  throw Invalid("This route takes no request body: send none, or {}.", details);
}

/** Likewise a route that declares no query string: `DELETE …?confirm=true` or `POST …/erase?dry_run=true`
 * would act all the same while the caller believes the parameter counts, and `GET /v1/transports?limit=5`
 * would answer every transport while the caller believes it got five. Routes that declare a query refuse an
 * unknown parameter through their strict schema, in the same words (unrecognized_keys). */
function refuseUndeclaredQuery(query: unknown) {
  const names = query && typeof query === "object" ? Object.keys(query) : [];
  if (names.length === 0) return;
  throw Invalid(
    `This route takes no query parameters (got ${names.map((n) => `'${n}'`).join(", ")}): leave them out.`,
    names.map((n) => ({
      path: n,
      message: "unknown query parameter",
      code: "unrecognized_keys",
      keys: [n],
    })),
  );
}

declare module "fastify" {
  interface FastifyRequest {
    /** The request body as received, for routes under WEBHOOK_PREFIX. */
    rawBody?: Buffer;
  }
}

const WEBHOOK_PREFIX = "/v1/webhooks/";

async function readRawBody(payload: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) {
      throw Object.assign(new Error("The request body is too large."), {
        statusCode: 413,
        code: "FST_ERR_CTP_BODY_TOO_LARGE",
      });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export interface BuildOptions {
  routes?: AnyRoute[];
  logger?: boolean;
}

export async function buildApp(rt: Runtime, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (opts.logger === false ? undefined : rt.log) as FastifyBaseLogger | undefined,
    bodyLimit: rt.config.maxBodyBytes,
    // Which proxies' X-Forwarded-For/-Proto count (POSTSTELLE_TRUST_PROXY): the client address of the login
    // rate limit and the Secure flag of the session cookie come from them.
    trustProxy: trustProxyOption(rt.config.trustProxy),
    // Signed link tokens (/u/:token) pack several ids and run past find-my-way's default of 100 characters.
    routerOptions: { maxParamLength: 1024 },
    // What the router refuses before any route runs still answers in the error shape of DESIGN §9.
    frameworkErrors: (err, _req, reply) => {
      if (err.code === "FST_ERR_MAX_PARAM_LENGTH")
        return sendError(reply, 414, "too_large", "A part of the URL path is longer than 1,024 characters.");
      if (err.code === "FST_ERR_BAD_URL")
        return sendError(reply, 400, "invalid", "The URL is malformed: it has an invalid percent-encoding.");
      return sendError(
        reply,
        err.statusCode && err.statusCode < 500 ? err.statusCode : 400,
        "invalid",
        err.message,
      );
    },
  });
  const routes = opts.routes ?? allRoutes();
  app.setErrorHandler(errorHandler);
  // The dashboard's session cookie (src/users/sessions.ts); unsigned: the token itself is the secret.
  await app.register(cookie);
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, "not_found", `There is no route ${req.method} ${req.url.split("?")[0]}.`),
  );
  // Large JSON bodies (a batch of messages) parsed from their bytes, not from one decoded string.
  parseJsonFromBytes(app);
  // Raw bodies (multipart, message/rfc822 for inbound tests) are streamed by their own handlers.
  app.addContentTypeParser("multipart/form-data", (_req, _payload, done) => done(null));
  // HTML forms and RFC 8058 one-click unsubscribe POSTs: a flat object of strings (the last value of a repeated
  // field wins). Small by nature, so a small limit.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: 64 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  // Provider webhooks are signed over the exact bytes received (SendGrid's ECDSA signature): keep them.
  app.addHook("preParsing", async (req, _reply, payload) => {
    if (!req.url.startsWith(WEBHOOK_PREFIX)) return payload;
    req.rawBody = await readRawBody(payload, rt.config.maxBodyBytes);
    const copy: Readable & { receivedEncodedLength?: number } = Readable.from([req.rawBody], {
      objectMode: false,
    });
    copy.receivedEncodedLength = req.rawBody.length;
    return copy;
  });
  app.addHook("onResponse", async (req, reply) => {
    httpMetrics.observe(
      req.routeOptions.url ?? "unknown",
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      handler: async (req, reply) => {
        const ctx = await authenticate(rt, req, r);
        refuseUnstorableInput(req.params, "path parameter");
        refuseUnstorableInput(req.query, "query string");
        // A JSON body holds NUL or a lone surrogate only through a \u escape: without any, only its depth is
        // checked (its containers walked, not its text).
        if (!r.rawBody) refuseUnstorableInput(req.body, "request body", req.jsonEscapes !== false);
        const params = parseWith(r.params, req.params, "path parameter");
        const query = parseWith(r.query, req.query, "query string");
        if (!r.body && !r.rawBody && r.auth !== "public") refuseUndeclaredBody(req.body);
        if (!r.query && r.auth !== "public") refuseUndeclaredQuery(req.query);
        const body = r.rawBody ? undefined : parseWith(r.body, req.body, "request body");
        const result = await r.handler({
          body,
          query,
          params,
          // Public routes get a context without a workspace; they must not touch workspace data without
          // verifying a signature first.
          ctx: ctx ?? {
            rt,
            workspaceId: "",
            actor: { type: "system", id: null, name: "public", role: "viewer" },
          },
          req,
          reply,
        });
        if (reply.sent) return reply;
        reply.status(r.status ?? 200);
        return result === undefined ? reply.send() : reply.send(result);
      },
    });
  }

  app.get("/health", async () => {
    const t = Date.now();
    await rt.db.selectFrom("workspaces").select("id").limit(1).execute();
    return { status: "ok", db: rt.dbKind, db_latency_ms: Date.now() - t };
  });
  const openapi = buildOpenApi(routes, rt.config.publicUrl);
  app.get("/openapi.json", async () => openapi);
  app.get("/metrics", async (_req, reply) => {
    reply.type("text/plain; version=0.0.4");
    return metricsText(rt);
  });
  return app;
}
