// Double opt-in routes (issue 4 item 5): the API for the host application's own forms, the hosted sign-up
// page per list, and the public confirmation link. Public POSTs are rate-limited per IP (in memory, per
// process: see src/tracking/rate-limit.ts).
import type { FastifyReply, FastifyRequest } from "fastify";
import { defineRoute } from "../http/route.js";
import type { Runtime } from "../runtime.js";
import { type Lang, langOf, sendPage } from "../tracking/html.js";
import { RateLimiter } from "../tracking/rate-limit.js";
import { showSignupForm, submitSignupForm } from "./hosted.js";
import { confirmQuestionPage, signupOutcomePage, signupStatus, tooManyRequestsPage } from "./pages.js";
import { hostedListParam, hostedQuery, listParam, signupBody, tokenParam } from "./schema.js";
import { confirmSignup, lookupSignup, requestSignup } from "./service.js";

const tag = "signups";

/** Ten at once, then one every 30 seconds per IP: plenty for a person, a wall for a script. */
const publicPosts = new RateLimiter({ capacity: 10, refillPerSecond: 1 / 30 });

/** Takes a token from the caller's bucket; when empty, answers 429 with a page and returns false. */
export function withinRate(rt: Runtime, req: FastifyRequest, reply: FastifyReply, lang: Lang): boolean {
  const r = publicPosts.take(req.ip, rt.now().getTime());
  if (r.ok) return true;
  reply.header("retry-after", String(r.retryAfterSeconds));
  sendPage(reply, 429, tooManyRequestsPage(lang));
  return false;
}

export const signupRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/lists/:id/signups",
    auth: "workspace",
    tag,
    summary:
      "Double opt-in sign-up from the host application's form: finds or creates the contact by e-mail, makes " +
      "the subscription pending and sends the confirmation mail (list sender or workspace default_from). A " +
      "contact already subscribed stays subscribed (status already_subscribed, no mail).",
    status: 202,
    params: listParam,
    body: signupBody,
    handler: ({ params, body, ctx }) => requestSignup(ctx, params.id, body),
  }),
  defineRoute({
    method: "GET",
    url: "/s/:token",
    auth: "public",
    tag,
    summary: "Confirmation link of a sign-up: asks for confirmation and changes nothing (HTML)",
    params: tokenParam,
    handler: async ({ params, ctx, reply }) => {
      const v = await lookupSignup(ctx.rt, params.token);
      return sendPage(reply, signupStatus(v), confirmQuestionPage(v, params.token));
    },
  }),
  defineRoute({
    method: "POST",
    url: "/s/:token",
    auth: "public",
    tag,
    summary:
      "Confirms a sign-up: the subscription becomes subscribed and the e-mail marketing consent is recorded " +
      "with time, IP and wording. Expired or unknown links change nothing.",
    params: tokenParam,
    rawBody: true,
    handler: async ({ params, ctx, req, reply }) => {
      if (!withinRate(ctx.rt, req, reply, "de")) return reply;
      const v = await confirmSignup(ctx.rt, params.token, req.ip ?? null);
      return sendPage(reply, signupStatus(v), signupOutcomePage(v));
    },
  }),
  defineRoute({
    method: "GET",
    url: "/signup/:list_id",
    auth: "public",
    tag,
    summary: "Hosted sign-up form of a running list (HTML; ?lang=en for English, German otherwise)",
    params: hostedListParam,
    query: hostedQuery,
    handler: async ({ params, query, ctx, reply }) =>
      showSignupForm(ctx.rt, reply, params.list_id, langOf(query.lang)),
  }),
  defineRoute({
    method: "POST",
    url: "/signup/:list_id",
    auth: "public",
    tag,
    summary: "Submits the hosted sign-up form (application/x-www-form-urlencoded); same effect as the API",
    params: hostedListParam,
    rawBody: true,
    handler: async ({ params, ctx, req, reply }) => {
      const lang = langOf((req.body as { lang?: unknown } | null)?.lang?.toString());
      if (!withinRate(ctx.rt, req, reply, lang)) return reply;
      return submitSignupForm(ctx.rt, req, reply, params.list_id);
    },
  }),
];
