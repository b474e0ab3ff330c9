// The one place configuration is read: environment variables, validated with zod.
// Everything else receives a Config object; nothing reads process.env deep in the code.
import path from "node:path";
import { z } from "zod";

const roles = ["api", "worker", "inbound", "all"] as const;
export type ServeRole = (typeof roles)[number];

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8025),
  host: z.string().default("127.0.0.1"),
  dataDir: z.string().default("./data"),
  databaseUrl: z.string().url().optional(),
  bootstrapKey: z.string().min(16, "POSTSTELLE_BOOTSTRAP_KEY must be at least 16 characters").optional(),
  publicUrl: z.string().url().optional(),
  bounceDomain: z.string().min(1).default("bounces.localhost"),
  /** Inbound SMTP listener (bounces, DSNs, MDNs, complaints): loopback by default, behind the MTA. */
  inboundPort: z.coerce.number().int().min(0).max(65535).default(2526),
  inboundHost: z.string().default("127.0.0.1"),
  /** Largest inbound message the listener accepts; larger ones get 552. */
  inboundMaxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(50 * 1024 * 1024),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Sending worker: messages claimed per batch and lease length. */
  workerBatchSize: z.coerce.number().int().min(1).max(5000).default(200),
  workerLeaseSeconds: z.coerce.number().int().min(5).max(86_400).default(120),
  workerPollMs: z.coerce.number().int().min(10).max(60_000).default(250),
  /** SMTP retries: attempts before a temporary failure becomes final, and the first backoff. */
  maxAttempts: z.coerce.number().int().min(1).max(100).default(8),
  retryBaseSeconds: z.coerce.number().min(0).max(21_600).default(30),
  maxBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  /** Double opt-in: hours a confirmation link stays valid (default 7 days). */
  signupExpiryHours: z.coerce.number().min(1).max(8760).default(168),
  /** Which proxies may set X-Forwarded-For/-Proto (Fastify trustProxy): "true", "false", or addresses/CIDRs/
   * "loopback" comma-separated. The login rate limit and the Secure cookie flag rely on it. */
  trustProxy: z.string().default("loopback"),
  /** Dashboard login sessions end after this long without a request, and at the latest after sessionMaxHours. */
  sessionIdleMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .default(12 * 60),
  sessionMaxHours: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24),
});

export type Config = z.infer<typeof schema> & { publicUrl: string };

/** The environment variable each setting is read from, to name it when its value is refused. */
const envNames: Record<keyof z.infer<typeof schema>, string> = {
  port: "PORT",
  host: "HOST",
  dataDir: "POSTSTELLE_DATA_DIR",
  databaseUrl: "DATABASE_URL",
  bootstrapKey: "POSTSTELLE_BOOTSTRAP_KEY",
  publicUrl: "POSTSTELLE_PUBLIC_URL",
  bounceDomain: "POSTSTELLE_BOUNCE_DOMAIN",
  inboundPort: "POSTSTELLE_INBOUND_PORT",
  inboundHost: "POSTSTELLE_INBOUND_HOST",
  inboundMaxBytes: "POSTSTELLE_INBOUND_MAX_BYTES",
  logLevel: "LOG_LEVEL",
  workerBatchSize: "POSTSTELLE_WORKER_BATCH",
  workerLeaseSeconds: "POSTSTELLE_WORKER_LEASE_SECONDS",
  workerPollMs: "POSTSTELLE_WORKER_POLL_MS",
  maxAttempts: "POSTSTELLE_MAX_ATTEMPTS",
  retryBaseSeconds: "POSTSTELLE_RETRY_BASE_SECONDS",
  maxBodyBytes: "POSTSTELLE_MAX_BODY_BYTES",
  signupExpiryHours: "POSTSTELLE_SIGNUP_EXPIRY_HOURS",
  trustProxy: "POSTSTELLE_TRUST_PROXY",
  sessionIdleMinutes: "POSTSTELLE_SESSION_IDLE_MINUTES",
  sessionMaxHours: "POSTSTELLE_SESSION_MAX_HOURS",
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = schema.safeParse({
    port: env.PORT,
    host: env.HOST,
    dataDir: env.POSTSTELLE_DATA_DIR,
    databaseUrl: env.DATABASE_URL || undefined,
    bootstrapKey: env.POSTSTELLE_BOOTSTRAP_KEY || undefined,
    publicUrl: env.POSTSTELLE_PUBLIC_URL || undefined,
    bounceDomain: env.POSTSTELLE_BOUNCE_DOMAIN || undefined,
    inboundPort: env.POSTSTELLE_INBOUND_PORT || undefined,
    inboundHost: env.POSTSTELLE_INBOUND_HOST || undefined,
    inboundMaxBytes: env.POSTSTELLE_INBOUND_MAX_BYTES || undefined,
    logLevel: env.LOG_LEVEL || undefined,
    workerBatchSize: env.POSTSTELLE_WORKER_BATCH || undefined,
    workerLeaseSeconds: env.POSTSTELLE_WORKER_LEASE_SECONDS || undefined,
    workerPollMs: env.POSTSTELLE_WORKER_POLL_MS || undefined,
    maxAttempts: env.POSTSTELLE_MAX_ATTEMPTS || undefined,
    retryBaseSeconds: env.POSTSTELLE_RETRY_BASE_SECONDS || undefined,
    maxBodyBytes: env.POSTSTELLE_MAX_BODY_BYTES || undefined,
    signupExpiryHours: env.POSTSTELLE_SIGNUP_EXPIRY_HOURS || undefined,
    trustProxy: env.POSTSTELLE_TRUST_PROXY || undefined,
    sessionIdleMinutes: env.POSTSTELLE_SESSION_IDLE_MINUTES || undefined,
    sessionMaxHours: env.POSTSTELLE_SESSION_MAX_HOURS || undefined,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      // Named as the user set it (the value itself is not repeated: it may be a key or a password).
      const name = envNames[String(i.path[0]) as keyof typeof envNames] ?? i.path.join(".");
      return `  ${name}: ${i.message}`;
    });
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const c = { ...parsed.data, ...overrides };
  return {
    ...c,
    dataDir: path.resolve(c.dataDir),
    publicUrl: c.publicUrl ?? `http://${c.host === "0.0.0.0" ? "127.0.0.1" : c.host}:${c.port}`,
  };
}

export const serveRoles = roles;

/** POSTSTELLE_TRUST_PROXY as Fastify's trustProxy option. */
export function trustProxyOption(value: string): boolean | string {
  const v = value.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false" || v === "") return false;
  return value;
}
