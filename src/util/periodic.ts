// A background job that runs now and then (retention purge, sign-up expiry, …): first after `firstMs`,
// then `intervalMs` after each run ends, never two runs at once; stop() waits for the run in flight.
import type { Logger } from "pino";

export interface PeriodicHandle {
  stop(): Promise<void>;
}

export function startPeriodic(
  log: Logger,
  what: string,
  timing: { firstMs: number; intervalMs: number },
  run: () => Promise<unknown>,
): PeriodicHandle {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = run()
        .catch((err) => log.error({ err }, `${what} failed`))
        .finally(() => {
          if (!stopped) schedule(timing.intervalMs);
        });
    }, ms);
  };
  schedule(timing.firstMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
