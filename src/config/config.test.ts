import { describe, expect, it } from "vitest";
import { loadConfig } from "./index.js";

/** The message loadConfig refuses `env` with ("" when it does not). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("configuration", () => {
  it("names the environment variable of each refused value, and never repeats a secret", () => {
    const env = {
      PORT: "abc",
      POSTSTELLE_WORKER_BATCH: "0",
      POSTSTELLE_BOOTSTRAP_KEY: "geheim-kurz",
      DATABASE_URL: "kein url mit passwort",
      POSTSTELLE_SESSION_MAX_HOURS: "-3",
    };
    const message = refusal(env);
    expect(message).toMatch(/^Invalid configuration:/);
    for (const name of Object.keys(env)) expect(message).toMatch(new RegExp(`^  ${name}: `, "m"));
    expect(message).not.toMatch(/port:|workerBatchSize|bootstrapKey|databaseUrl|sessionMaxHours/);
    expect(message).not.toContain("geheim-kurz");
    expect(message).not.toContain("passwort");
  });

  it("takes the README's defaults when nothing is set", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8025,
      host: "127.0.0.1",
      bounceDomain: "bounces.localhost",
      inboundPort: 2526,
      inboundMaxBytes: 52428800,
      workerBatchSize: 200,
      workerLeaseSeconds: 120,
      workerPollMs: 250,
      maxAttempts: 8,
      retryBaseSeconds: 30,
      maxBodyBytes: 8388608,
      signupExpiryHours: 168,
      trustProxy: "loopback",
      sessionIdleMinutes: 720,
      sessionMaxHours: 168,
      publicUrl: "http://127.0.0.1:8025",
    });
    expect(c.dataDir.endsWith("/data")).toBe(true);
    expect(c.databaseUrl).toBeUndefined();
  });

  it("refuses worker settings beyond their upper bounds, naming each", () => {
    const env = {
      POSTSTELLE_WORKER_LEASE_SECONDS: "864000",
      POSTSTELLE_WORKER_POLL_MS: "3600000",
      POSTSTELLE_MAX_ATTEMPTS: "1000000",
      POSTSTELLE_RETRY_BASE_SECONDS: "999999",
    };
    const message = refusal(env);
    expect(message).toMatch(/POSTSTELLE_WORKER_LEASE_SECONDS: .*86400/);
    for (const name of Object.keys(env)) expect(message).toMatch(new RegExp(`^  ${name}: `, "m"));
    expect(
      loadConfig({ POSTSTELLE_WORKER_LEASE_SECONDS: "86400", POSTSTELLE_MAX_ATTEMPTS: "100" }),
    ).toMatchObject({
      workerLeaseSeconds: 86_400,
      maxAttempts: 100,
    });
  });
});
