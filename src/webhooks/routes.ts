// /v1/webhooks/{provider}/{workspace}: where SendGrid, Mailgun, Postmark and Amazon SNS (for SES) post their
// events. Public (the provider's signature is the authentication), the raw body kept for verification.
import { z } from "zod";
import { defineRoute } from "../http/route.js";
import { listSubscriptionConfirmations, receiveWebhook } from "./service.js";

const tag = "webhooks";

const webhookParams = z.strictObject({
  provider: z.string().min(1).max(50),
  workspace: z.string().min(1).max(100),
});

export const webhookRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/webhooks/:provider/:workspace",
    auth: "public",
    tag,
    summary:
      "Provider event webhook (sendgrid: signed Event Webhook; mailgun: signed webhooks; postmark: basic auth; ses: SNS notifications). Verified against the webhook settings of the workspace's transports",
    params: webhookParams,
    rawBody: true,
    handler: ({ params, req, ctx }) =>
      receiveWebhook(ctx.rt, params.provider, params.workspace, {
        raw: req.rawBody ?? Buffer.alloc(0),
        headers: req.headers,
        parsed: req.body,
      }),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/provider-subscriptions",
    auth: "workspace",
    role: "admin",
    tag,
    summary:
      "Amazon SNS subscription confirmations received for the workspace's SES webhook, newest first (admins)",
    handler: ({ ctx }) => listSubscriptionConfirmations(ctx),
  }),
];
