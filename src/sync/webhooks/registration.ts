// Registering the live-changes URL in the tool itself (Mailchimp: POST /lists/{list_id}/webhooks with url,
// events and sources; DELETE …/webhooks/{webhook_id}), so the admin does not have to paste it. Tools without
// subscriber webhooks (listmonk) do not implement this.

/** The tool-neutral part of a webhook registration: the events to send and who may have caused them. */
export interface WebhookRegistration {
  url: string;
  events: readonly string[];
}

export interface WebhookTool {
  /** Registers the URL; the tool checks it can reach it (Mailchimp sends a GET) and answers its id. */
  registerWebhook(listId: string, hook: WebhookRegistration, signal?: AbortSignal): Promise<{ id: string }>;
  /** Removes a registration; one the tool no longer knows counts as removed. */
  unregisterWebhook(listId: string, webhookId: string, signal?: AbortSignal): Promise<void>;
}

export function supportsWebhooks(a: object): a is WebhookTool {
  const w = a as Partial<WebhookTool>;
  return typeof w.registerWebhook === "function" && typeof w.unregisterWebhook === "function";
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** POSTSTELLE_PUBLIC_URL unset leaves Poststelle's own listening address (http://127.0.0.1:8025 by default),
 * which no tool on the internet can call: then registering is not even tried, and the answer says why. */
export function publicUrlUnknown(config: { publicUrl: string; host: string; port: number }): boolean {
  const derived = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}`;
  return config.publicUrl.replace(/\/+$/, "") === derived && LOOPBACK.test(new URL(derived).hostname);
}
