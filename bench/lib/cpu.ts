// CPU time spent during a benchmark, by side: this process (and any worker processes it started) and the
// PostgreSQL server. On the shared 2-core machine wall-clock rates swing with the other helpers' load;
// CPU time per message moves much less, so it tells whether a change made the work itself cheaper.
// PostgreSQL's share is read from /proc for the postmaster and its children (backends, WAL writer,
// checkpointer, …), found through the server's data directory; it needs the server on this machine.
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import pg from "pg";

const TICKS_PER_SECOND = 100;

/** utime + stime of a process in seconds; with `children` also what its waited-for children used. */
function processCpu(pid: number, children = false, file = `/proc/${pid}/stat`): number {
  try {
    const stat = fs.readFileSync(file, "utf8");
    // Fields after the command name (which may hold spaces) start at ") ".
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    const own = Number(f[11]) + Number(f[12]);
    const waited = children ? Number(f[13]) + Number(f[14]) : 0;
    return (own + waited) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return -1;
  }
}

/** CPU seconds of the postmaster and every process it started (exited ones count through cutime). */
function serverCpu(postmaster: number): number {
  let total = processCpu(postmaster, true);
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && parentOf(pid) === postmaster) total += processCpu(pid);
  }
  return total;
}

/** The postmaster's process id, or null when the server is not on this machine (or not readable). */
export async function postmasterPid(url: string): Promise<number | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ setting: string }>(
      "select setting from pg_settings where name = 'data_directory'",
    );
    const first = fs.readFileSync(path.join(r.rows[0].setting, "postmaster.pid"), "utf8").split("\n")[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  } finally {
    await c.end();
  }
}

export interface CpuSample {
  /** This process and the worker processes named. */
  app: number;
  /** The PostgreSQL server, or null when it could not be observed. */
  db: number | null;
}

/** CPU seconds of this process's main thread alone (its task id is the process id): with work in
 * worker threads, what the event loop itself spent — the thread that runs PGlite and the reconciling. */
export function mainThreadCpu(): number {
  return processCpu(process.pid, false, `/proc/self/task/${process.pid}/stat`);
}

/** Cumulative CPU seconds now; subtract two samples for a stretch of time. */
export function sampleCpu(workerPids: number[], postmaster: number | null): CpuSample {
  const own = process.cpuUsage();
  let app = (own.user + own.system) / 1e6;
  for (const pid of workerPids) app += processCpu(pid);
  return { app, db: postmaster === null ? null : serverCpu(postmaster) };
}

/** BENCH_CPU_PROFILE=file profiles this process over the stretch a benchmark chooses (its measured window),
 * without the yardstick, the database's start and the teardown that `node --cpu-prof` would mix in. Returns
 * the function that stops and writes the profile, or null when no profile was asked for. */
export async function startProfile(): Promise<(() => Promise<void>) | null> {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return null;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
