// What the webhook handlers fetch from the outside world, behind functions a test can replace: the SNS
// signing certificate (SigningCertURL) and the confirmation of an SNS subscription (SubscribeURL). Both go
// only to https URLs on amazonaws.com hosts, which sns.ts checks before calling them.
import type { Runtime } from "../runtime.js";

export interface WebhookDeps {
  /** The PEM certificate at an SNS SigningCertURL. */
  fetchCertificate(url: string): Promise<string>;
  /** Visits an SNS SubscribeURL; resolves when SNS answered 2xx. */
  confirmSubscription(url: string): Promise<void>;
}

const TIMEOUT_MS = 10_000;
const MAX_CERT_BYTES = 64 * 1024;

async function get(url: string): Promise<string> {
  const res = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${new URL(url).host} answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_CERT_BYTES) throw new Error("the answer is too large");
  return text;
}

export const defaultWebhookDeps: WebhookDeps = {
  fetchCertificate: get,
  confirmSubscription: async (url) => {
    await get(url);
  },
};

const injected = new WeakMap<Runtime, WebhookDeps>();

/** Replaces the outside world for one runtime (tests: a generated certificate, a recorded confirmation). */
export function provideWebhookDeps(rt: Runtime, deps: Partial<WebhookDeps>): void {
  injected.set(rt, { ...defaultWebhookDeps, ...deps });
}

export function webhookDeps(rt: Runtime): WebhookDeps {
  return injected.get(rt) ?? defaultWebhookDeps;
}
