// A fetch or transmit is a run the server works on in the background (202 + poll): the page polls it
// once a second until it has ended, then reloads what the run changed.
import { useEffect, useState } from "react";
import { api } from "../../api/client";

export interface SyncRun {
  id: string;
  kind: "fetch" | "transmit";
  status: "queued" | "running" | "done" | "aborted" | "failed";
  trigger: string;
  triggered_by: string;
  progress: { total: number | null; processed: number; rate_per_second: number };
  counts: Record<string, number>;
  error: string | null;
  group_id: string;
  created_at: string;
  finished_at: string | null;
}

export const isActive = (r: SyncRun) => r.status === "queued" || r.status === "running";

export function useRunPoll(listId: string, run: SyncRun | null, onEnd: (r: SyncRun) => void) {
  const [current, setCurrent] = useState<SyncRun | null>(run);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setCurrent(run), [run]);
  const id = current && isActive(current) ? current.id : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: polling restarts only for another run.
  useEffect(() => {
    if (!id) return;
    let live = true;
    const timer = setInterval(async () => {
      try {
        const r = await api.get<SyncRun>(`/v1/lists/${listId}/sync/runs/${id}`);
        if (!live) return;
        setCurrent(r);
        if (!isActive(r)) {
          clearInterval(timer);
          onEnd(r);
        }
      } catch (e) {
        if (live) setError(e);
      }
    }, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [id, listId]);
  return { run: current, error };
}
