// /openapi.json generated from the same zod schemas that validate the requests.
import { z } from "zod";
import type { AnyRoute } from "./route.js";

function jsonSchema(s: z.ZodType | undefined, io: "input" | "output" = "input") {
  if (!s) return undefined;
  try {
    return z.toJSONSchema(s, { io, unrepresentable: "any" });
  } catch {
    return {};
  }
}

export function buildOpenApi(routes: AnyRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.url.replace(/:([A-Za-z_]+)/g, "{$1}");
    const params: unknown[] = [];
    for (const m of r.url.matchAll(/:([A-Za-z_]+)/g)) {
      params.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    }
    const q = jsonSchema(r.query) as
      | { properties?: Record<string, unknown>; required?: string[] }
      | undefined;
    for (const [name, schema] of Object.entries(q?.properties ?? {})) {
      params.push({ name, in: "query", required: q?.required?.includes(name) ?? false, schema });
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: params,
      // Workspace routes also take the dashboard's session cookie (writes then need X-CSRF-Token).
      security:
        r.auth === "public"
          ? []
          : r.auth === "workspace"
            ? [{ bearer: [] }, { session: [] }]
            : [{ bearer: [] }],
      responses: {
        [String(r.status ?? 200)]: { description: "Success" },
        "4XX": {
          description: "Error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
    if (r.body)
      op.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(r.body) } } };
    if (r.rawBody)
      op.requestBody = { required: true, content: { "multipart/form-data": { schema: { type: "object" } } } };
    if (r.auth === "workspace") op["x-least-role"] = r.role ?? (r.method === "GET" ? "viewer" : "editor");
    paths[p] ??= {};
    paths[p][r.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info: { title: "Poststelle API", version: "1" },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        session: { type: "apiKey", in: "cookie", name: "poststelle_session" },
      },
      schemas: {
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
              required: ["code", "message"],
            },
          },
        },
      },
    },
    paths,
  };
}
