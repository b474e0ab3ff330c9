// /v1/templates: CRUD, preview for a contact, and a test send to an address.
import { defineRoute } from "../http/route.js";
import {
  createTemplateBody,
  draftPreviewBody,
  idParam,
  listTemplatesQuery,
  previewBody,
  testSendBody,
  updateTemplateBody,
} from "./schema.js";
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  previewDraft,
  previewTemplate,
  updateTemplate,
} from "./service.js";
import { testSendTemplate } from "./test-send.js";

const tag = "templates";

export const templateRoutes = [
  defineRoute({
    method: "POST",
    url: "/v1/templates",
    auth: "workspace",
    tag,
    summary: "Create a template (merge fields are checked; MJML is compiled to HTML)",
    status: 201,
    body: createTemplateBody,
    handler: ({ body, ctx }) => createTemplate(ctx, body),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/templates",
    auth: "workspace",
    tag,
    summary: "List templates",
    query: listTemplatesQuery,
    handler: ({ query, ctx }) => listTemplates(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/templates/:id",
    auth: "workspace",
    tag,
    summary: "Get a template",
    params: idParam,
    handler: ({ params, ctx }) => getTemplate(ctx, params.id),
  }),
  defineRoute({
    method: "PATCH",
    url: "/v1/templates/:id",
    auth: "workspace",
    tag,
    summary: "Change a template (null removes a part; text null = generated from HTML)",
    params: idParam,
    body: updateTemplateBody,
    handler: ({ params, body, ctx }) => updateTemplate(ctx, params.id, body),
  }),
  defineRoute({
    method: "DELETE",
    url: "/v1/templates/:id",
    auth: "workspace",
    tag,
    summary: "Delete a template",
    params: idParam,
    handler: ({ params, ctx }) => deleteTemplate(ctx, params.id),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/templates/:id/preview",
    auth: "workspace",
    // Rendering changes nothing, so whoever may read templates may preview them.
    role: "viewer",
    tag,
    summary: "Render a template for a contact (or a sample contact) without sending",
    params: idParam,
    body: previewBody,
    handler: ({ params, body, ctx }) => previewTemplate(ctx, params.id, body),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/templates/preview",
    auth: "workspace",
    // Like the preview of a saved template: nothing is stored, so whoever reads templates may use it.
    role: "viewer",
    tag,
    summary:
      "Render a template that is not saved (the editor's live preview): the same checks as saving — 400 with " +
      "part, line and column for each problem — and the same rendering as a preview",
    body: draftPreviewBody,
    handler: ({ body, ctx }) => previewDraft(ctx, body),
  }),
  defineRoute({
    method: "POST",
    url: "/v1/templates/:id/test-send",
    auth: "workspace",
    tag,
    summary: "Send a template to one address as a transactional test message",
    status: 202,
    params: idParam,
    body: testSendBody,
    handler: ({ params, body, ctx }) => testSendTemplate(ctx, params.id, body),
  }),
];
