// /v1/campaigns: serial correspondence (Serienkorrespondenz, seed 004) — serial e-mails and serial letters.
import { defineRoute } from "../http/route.js";
import { completeCampaign, generateLetters, sendCampaign } from "./actions.js";
import { getCampaignMessageRaw, getDocument } from "./documents.js";
import {
  campaignIdParam,
  campaignListQuery,
  completeBody,
  createCampaignBody,
  generateBody,
  messageParams,
  recipientQuery,
  sendCampaignBody,
  updateCampaignBody,
} from "./schema.js";
import {
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  listRecipients,
  updateCampaign,
} from "./service.js";

const tag = "campaigns";

export const campaignRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/campaigns",
    auth: "workspace",
    tag,
    summary: "Create a serial e-mail or serial letter; its recipients load in the background (202)",
    status: 202,
    body: createCampaignBody,
    handler: async ({ body, ctx }) => getCampaign(ctx, (await createCampaign(ctx, body)).id),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns",
    auth: "workspace",
    tag,
    summary: "Campaigns, newest first; filter by state and kind",
    query: campaignListQuery,
    handler: ({ query, ctx }) => listCampaigns(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id",
    auth: "workspace",
    tag,
    summary: "A campaign with its progress: counts per recipient status, rate, expected end, waiting flags",
    params: campaignIdParam,
    handler: ({ params, ctx }) => getCampaign(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/campaigns/:id",
    auth: "workspace",
    tag,
    summary: "Change a campaign (409 while in progress or once completed; lists/filter reload recipients)",
    params: campaignIdParam,
    body: updateCampaignBody,
    handler: async ({ params, body, ctx }) => {
      await updateCampaign(ctx, params.id, body);
      return getCampaign(ctx, params.id);
    },
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/campaigns/:id",
    auth: "workspace",
    tag,
    summary: "Delete a campaign that has not been sent or generated yet",
    params: campaignIdParam,
    handler: ({ params, ctx }) => deleteCampaign(ctx, params.id),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/recipients",
    auth: "workspace",
    tag,
    summary: "The campaign's recipients with their processing status and reason, in load order",
    params: campaignIdParam,
    query: recipientQuery,
    handler: ({ params, query, ctx }) => listRecipients(ctx, params.id, query),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/campaigns/:id/send",
    auth: "workspace",
    tag,
    summary:
      "Save and send a serial e-mail (needs subject, template, sender); again: only recipients not yet sent",
    status: 202,
    params: campaignIdParam,
    body: sendCampaignBody,
    handler: ({ params, body, ctx }) => sendCampaign(ctx, params.id, body),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/campaigns/:id/complete",
    auth: "workspace",
    tag,
    summary: "Complete a campaign by hand; it is frozen afterwards",
    params: campaignIdParam,
    body: completeBody,
    handler: ({ params, ctx }) => completeCampaign(ctx, params.id),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/campaigns/:id/generate",
    auth: "workspace",
    tag,
    summary: "Generate a serial letter's PDF (letters or labels, sorted); again: replaces the document",
    status: 202,
    params: campaignIdParam,
    body: generateBody,
    handler: ({ params, body, ctx }) => generateLetters(ctx, params.id, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/document",
    auth: "workspace",
    tag,
    summary: "The generated serial letter or label sheet (application/pdf)",
    params: campaignIdParam,
    handler: async ({ params, ctx, reply }) => {
      const doc = await getDocument(ctx, params.id);
      reply
        .status(200)
        .type("application/pdf")
        .header("content-disposition", `attachment; filename="${doc.filename}"`)
        .send(doc.pdf);
    },
  }),
  defineRoute({
    method: "GET",
    url: "/v1/campaigns/:id/messages/:message_id/raw",
    auth: "workspace",
    tag,
    summary:
      "The exact MIME of a campaign message, rendered again from what was stored and checked by its SHA-256",
    params: messageParams,
    handler: async ({ params, ctx, reply }) => {
      const raw = await getCampaignMessageRaw(ctx, params.id, params.message_id);
      reply
        .status(200)
        .type("message/rfc822")
        .header("content-disposition", `attachment; filename="${params.message_id}.eml"`)
        .send(raw);
    },
  }),
];
