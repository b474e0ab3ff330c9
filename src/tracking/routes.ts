// Public unsubscribe routes (issue 4 item 6). GET only shows a page with a button: mail scanners and link
// previews fetch every URL in a mail, so a GET must never change anything. POST performs it — from that
// button, or as the RFC 8058 one-click POST a mailbox provider sends (body List-Unsubscribe=One-Click).
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { defineRoute } from "../http/route.js";
import { langFromHeader, sendPage, sendText } from "./html.js";
import { confirmPage, donePage, invalidLinkPage, oneClickText } from "./pages.js";
import { describeUnsubscribe, unsubscribe } from "./service.js";
import { readUnsubscribeToken } from "./unsubscribe.js";

const tag = "tracking";
/** Any string: a malformed token gets the plain "invalid link" page, not a JSON error. */
const tokenParam = z.strictObject({ token: z.string() });

/** RFC 8058 §3.1: the provider POSTs `List-Unsubscribe=One-Click` as a form (urlencoded or multipart). */
function isOneClick(req: FastifyRequest): boolean {
  if (String(req.headers["content-type"] ?? "").startsWith("multipart/form-data")) return true;
  const body = req.body as Record<string, unknown> | null | undefined;
  return typeof body === "object" && body !== null && body["List-Unsubscribe"] === "One-Click";
}

export const trackingRoutes = [
  defineRoute({
    method: "GET",
    url: "/u/:token",
    auth: "public",
    tag,
    summary: "Unsubscribe page of a signed link in a mail: asks for confirmation and changes nothing (HTML)",
    params: tokenParam,
    handler: async ({ params, ctx, req, reply }) => {
      const t = readUnsubscribeToken(ctx.rt.secret, params.token);
      if (!t) return sendPage(reply, 400, invalidLinkPage(langFromHeader(req.headers["accept-language"])));
      const view = await describeUnsubscribe(ctx.rt, t);
      return sendPage(reply, 200, confirmPage(view, params.token, t.withdrawConsent));
    },
  }),
  defineRoute({
    method: "POST",
    url: "/u/:token",
    auth: "public",
    tag,
    summary:
      "Unsubscribe through a signed link: the confirmation button, or the RFC 8058 one-click POST " +
      "(List-Unsubscribe=One-Click). Idempotent; a forged or altered token changes nothing (400).",
    params: tokenParam,
    rawBody: true,
    handler: async ({ params, ctx, req, reply }) => {
      const oneClick = isOneClick(req);
      const t = readUnsubscribeToken(ctx.rt.secret, params.token);
      if (!t) {
        const lang = langFromHeader(req.headers["accept-language"]);
        return oneClick
          ? sendText(reply, 400, "Invalid unsubscribe link; nothing was changed.")
          : sendPage(reply, 400, invalidLinkPage(lang));
      }
      const outcome = await unsubscribe(ctx.rt, t, { ip: req.ip ?? null, oneClick });
      return oneClick
        ? sendText(reply, 200, oneClickText(outcome.lang))
        : sendPage(reply, 200, donePage(outcome, outcome.consentWithdrawn));
    },
  }),
];
