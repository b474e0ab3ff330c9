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
      const description = (schema as { description?: unknown }).description;
      params.push({
        name,
        in: "query",
        required: q?.required?.includes(name) ?? false,
        ...(typeof description === "string" ? { description } : {}),
        schema,
      });
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
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                details: {
                  description:
                    "What the error concerns. For a 400 `invalid` about fields, and for any error of one message of a batch (POST /v1/messages/batch; its path starts `messages.N`): an array of FieldIssue, each with a code. For other errors an object whose keys the error's message names (e.g. the existing record's id of a 409).",
                  anyOf: [
                    { type: "array", items: { $ref: "#/components/schemas/FieldIssue" } },
                    { type: "object" },
                  ],
                },
              },
              required: ["code", "message"],
            },
          },
        },
        FieldIssue: {
          type: "object",
          description:
            "One field-level issue of a 400. `code` and its parameters let a client word the issue in its own language; `message` is the English wording. Validation issues keep zod's codes and parameters; the checks beyond the schema use the same vocabulary where it fits and a few codes of their own. The input itself is never repeated.",
          properties: {
            path: {
              type: "string",
              description: "The field, dotted (`emails.1`, `messages.2.to`); empty for the whole body.",
            },
            message: { type: "string", description: "What is wrong, in English." },
            code: {
              type: "string",
              description:
                "invalid_type (expected, received), too_small / too_big (origin, minimum / maximum, inclusive, exact), invalid_format (format: email, url, datetime, regex with pattern, phone, domain …), invalid_value (values), unrecognized_keys (keys), not_multiple_of (divisor), invalid_union, custom (params); beyond the schema: required (when), required_one_of (fields), unknown_reference (kind: contact, transport, column, contact_field, template, list), duplicate (of), together (with), in_future, wrong_password, no_usable_address, sender_domain_not_registered, sender_domain_not_verified, unstorable_text (character: U+0000 or half a surrogate pair, U+D800–U+DFFF), too_deep (maximum nesting), template_not_renderable (part, line, column, field: the merge field without a value), idempotency_key_reused (409). An item of a batch whose error has no finer code carries the error's code (not_found, conflict …).",
            },
            expected: { type: "string" },
            received: {
              type: "string",
              description: "The kind of value received (undefined, null, string, number, array, object …).",
            },
            origin: { type: "string" },
            minimum: { type: "number" },
            maximum: { type: "number" },
            inclusive: { type: "boolean" },
            exact: { type: "boolean" },
            format: { type: "string" },
            pattern: { type: "string" },
            divisor: { type: "number" },
            keys: { type: "array", items: { type: "string" } },
            values: { type: "array", items: {} },
            params: { type: "object" },
            kind: { type: "string" },
            fields: { type: "array", items: { type: "string" } },
            of: { type: "string" },
            with: { type: "string" },
            when: { type: "object" },
            character: { type: "string", description: "unstorable_text: the character, as U+XXXX." },
            part: { type: "string", description: "template_not_renderable: subject, html, text or mjml." },
            line: { type: ["number", "null"] },
            column: { type: ["number", "null"] },
            field: {
              type: "string",
              description: "template_not_renderable: the merge field without a value.",
            },
          },
          required: ["path", "message"],
          additionalProperties: true,
        },
      },
    },
    paths,
  };
}
