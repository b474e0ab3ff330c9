// Every route of every domain. A domain adds its list here; tests walk this table.
import { auditRoutes } from "../audit/routes.js";
import { blocklistRoutes } from "../blocklist/routes.js";
import { campaignRoutes } from "../campaigns/routes.js";
import { contactRoutes, importRoutes } from "../contacts/routes.js";
import { messageRoutes, transportRoutes } from "../delivery/routes.js";
import { senderDomainRoutes } from "../domains/routes.js";
import { errorRegistryRoutes } from "../errors/routes.js";
import { hookRoutes } from "../hooks/routes.js";
import { inboundRoutes } from "../inbound/routes.js";
import { listRoutes } from "../lists/routes.js";
import { signupRoutes } from "../signups/routes.js";
import { statsRoutes } from "../stats/routes.js";
import { mailingRoutes } from "../sync/mailings/routes.js";
import { syncRoutes } from "../sync/routes.js";
import { toolWebhookRoutes } from "../sync/webhooks/routes.js";
import { templateRoutes } from "../templates/routes.js";
import { engagementRoutes } from "../tracking/engagement-routes.js";
import { trackingRoutes } from "../tracking/routes.js";
import { authRoutes, userRoutes } from "../users/routes.js";
import { webhookRoutes } from "../webhooks/routes.js";
import { workspaceRoutes } from "../workspaces/routes.js";
import type { AnyRoute } from "./route.js";

export function allRoutes(): AnyRoute[] {
  return [
    ...workspaceRoutes,
    ...auditRoutes,
    ...listRoutes,
    ...blocklistRoutes,
    ...templateRoutes,
    ...contactRoutes,
    ...importRoutes,
    ...messageRoutes,
    ...transportRoutes,
    ...campaignRoutes,
    ...errorRegistryRoutes,
    ...webhookRoutes,
    ...senderDomainRoutes,
    ...hookRoutes,
    ...inboundRoutes,
    ...trackingRoutes,
    ...engagementRoutes,
    ...statsRoutes,
    ...signupRoutes,
    ...authRoutes,
    ...userRoutes,
    ...mailingRoutes,
    ...toolWebhookRoutes,
    ...syncRoutes,
  ];
}
