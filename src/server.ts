// Starting Poststelle: open the database, migrate, create the operator key on first start, then run the
// roles asked for (api, worker, inbound, all) in this process.
import pino from "pino";
import type { Config } from "./config/index.js";
import { type DbHandle, migrate, openDatabase } from "./db/index.js";
import { buildApp } from "./http/app.js";
import { serveDashboard } from "./http/static.js";
import { startInboundListener } from "./inbound/listener.js";
import type { Runtime } from "./runtime.js";
import { startWorkers, type WorkerHandle } from "./workers.js";
import { bootstrap, instanceSecret } from "./workspaces/service.js";

export interface Started {
  rt: Runtime;
  handle: DbHandle;
  url?: string;
  operatorKey: string | null;
  stop(): Promise<void>;
}

export async function openRuntime(config: Config, opts: { log?: pino.Logger; loadDataDir?: Blob } = {}) {
  const log = opts.log ?? pino({ level: config.logLevel, base: { service: "poststelle" } });
  const handle = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    loadDataDir: opts.loadDataDir,
  });
  await migrate(handle.db);
  const secret = await instanceSecret(handle.db);
  const rt: Runtime = { db: handle.db, dbKind: handle.kind, config, secret, log, now: () => new Date() };
  return { rt, handle };
}

export async function serve(
  config: Config,
  role: "api" | "worker" | "inbound" | "all" = "all",
): Promise<Started> {
  const { rt, handle } = await openRuntime(config);
  const boot = await bootstrap(rt);
  let url: string | undefined;
  const closers: Array<() => Promise<void>> = [];
  if (role === "api" || role === "all") {
    const app = await buildApp(rt);
    if (!(await serveDashboard(app))) {
      rt.log.warn(
        "the dashboard is not built (web/dist missing): run `npm run build:web`; the API runs without it",
      );
    }
    url = await app.listen({ port: config.port, host: config.host });
    closers.push(() => app.close());
  }
  if (role === "inbound") {
    const listener = await startInboundListener(rt);
    closers.push(() => listener.stop());
  } else if (role === "all") {
    // On the embedded default a busy inbound port must not keep the API and the outbox from starting:
    // say so loudly and go on; `--role inbound` (a dedicated listener) still fails hard.
    try {
      const listener = await startInboundListener(rt);
      closers.push(() => listener.stop());
    } catch (err) {
      rt.log.warn(
        { err, port: config.inboundPort },
        "inbound SMTP listener not started (port busy?); bounces will not be received until it runs",
      );
    }
  }
  let workers: WorkerHandle | undefined;
  if (role === "worker" || role === "all") {
    workers = startWorkers(rt);
    closers.unshift(() => workers!.stop());
  }
  return {
    rt,
    handle,
    url,
    operatorKey: boot.generated ? boot.createdKey : null,
    async stop() {
      for (const c of closers) await c();
      await handle.close();
    },
  };
}
