// A run's progress as a named progress bar with the figures beside it, and its outcome once ended.
import { useListText } from "../lists/model";
import { isActive, type SyncRun } from "./runs";

export function RunProgress({ run }: { run: SyncRun }) {
  const { l, number } = useListText();
  const { total, processed } = run.progress;
  const label = `${l.runKinds[run.kind]}: ${l.runStatuses[run.status] ?? run.status}`;
  const figures =
    total !== null ? l.runProgress(number(processed), number(total)) : l.runProgressOpen(number(processed));
  const counts = Object.entries(run.counts).filter(([, n]) => n > 0);
  return (
    <div className="sync-run" aria-live="polite">
      <span className="progress-label">
        {label} — {figures}
      </span>
      {isActive(run) || total !== null ? (
        <progress
          aria-label={label}
          max={total ?? undefined}
          value={total !== null ? Math.min(processed, total) : undefined}
        />
      ) : null}
      {counts.length > 0 ? (
        <p className="muted">
          {l.runCounts}:{" "}
          {counts
            .map(([k, n]) => `${l.countNames[k] ?? l.results[k] ?? l.tasks[k] ?? k}: ${number(n)}`)
            .join(" · ")}
        </p>
      ) : null}
      {run.error ? (
        <p className="field-error" role="alert">
          {run.error}
        </p>
      ) : null}
    </div>
  );
}
