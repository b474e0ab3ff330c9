// Statistics routes (issue 5 item 9): read-only, so a viewer may use them.
import { defineRoute } from "../http/route.js";
import { recipientsQuery, statsQuery, timeseriesQuery } from "./schema.js";
import { campaignStats, engagementTimeseries, recipientReactions } from "./service.js";

const tag = "stats";

export const statsRoutes = [
  defineRoute({
    method: "GET",
    url: "/v1/stats",
    auth: "workspace",
    tag,
    summary:
      "Statistics of the workspace's messages, optionally of one campaign and messages created in [since, until): " +
      "sent, delivered, bounces, blocked, opens (unique, human, machine), clicks, unsubscribes, complaints, " +
      "no reaction, click-to-open rate and bounce reasons. Counts are of messages.",
    query: statsQuery,
    handler: async ({ query, ctx }) => campaignStats(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/stats/recipients",
    auth: "workspace",
    tag,
    summary:
      "Per recipient (message) its reaction: not_opened, opened or clicked (human only; machine opens and " +
      "clicks are counted apart). Filter with ?reaction=; cursor pagination.",
    query: recipientsQuery,
    handler: async ({ query, ctx }) => recipientReactions(ctx, query),
  }),
  defineRoute({
    method: "GET",
    url: "/v1/stats/timeseries",
    auth: "workspace",
    tag,
    summary: "Opens and clicks per hour or day (UTC), human and machine apart; events in [since, until).",
    query: timeseriesQuery,
    handler: async ({ query, ctx }) => engagementTimeseries(ctx, query),
  }),
];
