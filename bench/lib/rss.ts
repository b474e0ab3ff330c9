// Peak resident memory during a benchmark: this process every 100 ms, plus any child processes named
// (a separate worker), read from /proc. The peak is the largest sum seen in one sample.
import fs from "node:fs";

function childRss(pid: number): number {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface RssSampler {
  /** Also count this process from now on. */
  watch(pid: number): void;
  /** Stops sampling; the peak in megabytes. */
  stop(): number;
}

export function sampleRss(intervalMs = 100): RssSampler {
  const pids = new Set<number>();
  let peak = 0;
  const sample = () => {
    let total = process.memoryUsage().rss;
    for (const pid of pids) total += childRss(pid);
    peak = Math.max(peak, total);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    watch: (pid) => pids.add(pid),
    stop() {
      clearInterval(timer);
      sample();
      return peak / (1024 * 1024);
    },
  };
}
