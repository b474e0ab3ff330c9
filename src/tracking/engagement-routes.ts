// Public tracking routes (issue 5 item 5): the open pixel and the click redirect. Both are reached from mail
// clients without credentials; the signed token is the only authority, and a token that does not verify
// gets a plain 404 with nothing recorded. Fastify answers HEAD on these GET routes too: a HEAD is a
// scanner's probe and is recorded as a machine event.
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { defineRoute } from "../http/route.js";
import type { Runtime } from "../runtime.js";
import { recordClick } from "./clicks.js";
import type { Hit } from "./machine.js";
import { PIXEL_GIF, recordOpen } from "./opens.js";

const tag = "tracking";

const NO_CACHE = {
  // Every fetch must reach us: a cached pixel or redirect would hide the next open or click.
  "cache-control": "no-store, no-cache, must-revalidate, private, max-age=0",
  pragma: "no-cache",
  expires: "0",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

function hitOf(rt: Runtime, req: FastifyRequest): Hit {
  return {
    method: req.method,
    userAgent: String(req.headers["user-agent"] ?? ""),
    ip: req.ip ?? "",
    at: rt.now(),
  };
}

function notFound(reply: FastifyReply) {
  return reply
    .status(404)
    .headers({ ...NO_CACHE, "content-type": "text/plain; charset=utf-8" })
    .send("Not found: this tracking link is not valid.");
}

export const engagementRoutes = [
  defineRoute({
    method: "GET",
    url: "/o/:file",
    auth: "public",
    tag,
    summary:
      "Open pixel of a tracked message (/o/<token>.gif): a 1×1 transparent GIF; records an `opened` event " +
      "(privacy-proxy opens flagged machine). A forged token answers 404 and records nothing.",
    params: z.strictObject({ file: z.string() }),
    handler: async ({ params, ctx, req, reply }) => {
      const token = params.file.endsWith(".gif") ? params.file.slice(0, -4) : params.file;
      if (!(await recordOpen(ctx.rt, token, hitOf(ctx.rt, req)))) return notFound(reply);
      return reply
        .status(200)
        .headers({ ...NO_CACHE, "content-type": "image/gif" })
        .send(PIXEL_GIF);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/c/:token",
    auth: "public",
    tag,
    summary:
      "Click redirect of a tracked message: 302 to the URL recorded for that message and link, never to a " +
      "URL in the request; records a `clicked` event (link scanners flagged machine). A forged token answers 404.",
    params: z.strictObject({ token: z.string() }),
    handler: async ({ params, ctx, req, reply }) => {
      const url = await recordClick(ctx.rt, params.token, hitOf(ctx.rt, req));
      if (url === null) return notFound(reply);
      return reply
        .status(302)
        .headers({ ...NO_CACHE, location: url })
        .send();
    },
  }),
];
