// One import's report, bookmarkable (/contacts/imports/:id): when and what was imported, its status in words,
// its counts and its rejected and skipped rows with the reason for each. A running import shows its progress
// until it ends; an interrupted one whose file the server kept can be resumed here, as in the wizard (the
// file stays on the server, so nobody has to upload it again).
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { PageHeader } from "../../components/PageHeader";
import { ErrorBanner, Loading } from "../../components/states";
import { WriteButton, WriteLink } from "../../components/WriteButton";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import {
  finished,
  followImport,
  type ImportRow,
  type ImportStatus,
  PROBLEM_ROWS,
  percentDone,
  problemRows,
  rejectedRows,
  resumeImport,
  statusKey,
} from "./api";
import { Counts, ProblemRows } from "./Report";
import { rejectedCsvText } from "./rejectedCsv";

export function ImportReportPage() {
  const { id = "" } = useParams();
  const i18n = useI18n();
  const { t, date, number } = i18n;
  const { canWrite } = useSession();
  const [status, setStatus] = useState<ImportStatus | null>(null);
  const [rows, setRows] = useState<ImportRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick follows the import again (after a resume).
  useEffect(() => {
    let live = true;
    setRows(null);
    setError(null);
    (async () => {
      try {
        const done = await followImport(id, setStatus, () => live);
        if (!live || !finished(done)) return;
        const r = await problemRows(id);
        if (live) setRows(r);
      } catch (e) {
        if (live) setError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [id, tick]);

  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  async function download() {
    setDownloading(true);
    setDownloadError(null);
    try {
      const text = rejectedCsvText(await rejectedRows(id), i18n.lang, t);
      const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `${(status?.filename ?? "import").replace(/\.csv$/i, "")}-${t.imports.rejectedSuffix}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setDownloadError(e);
    } finally {
      setDownloading(false);
    }
  }

  async function resume() {
    setBusy(true);
    setActionError(null);
    try {
      setStatus(await resumeImport(id));
      setTick((n) => n + 1);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  }

  const back = (
    <p>
      <Link to="/contacts/imports">← {t.imports.title}</Link>
    </p>
  );
  if (!status || status.id !== id) {
    if (!error) return <Loading />;
    return (
      <>
        <PageHeader title={t.imports.report} />
        <ErrorBanner error={error} onRetry={() => setTick((n) => n + 1)} />
        {back}
      </>
    );
  }

  const s = status;
  const key = statusKey(s);
  const kind = s.dry_run ? t.imports.kinds.dryRun : t.imports.kinds.import;
  const c = s.counts;
  const percent = percentDone(c);
  const running = key === "queued" || key === "running";
  return (
    <>
      <PageHeader title={t.imports.reportTitle(kind, s.filename ?? t.imports.noFile)} />
      {back}
      <ErrorBanner error={error} onRetry={() => setTick((n) => n + 1)} />
      <ErrorBanner error={actionError} />
      {key === "interrupted" && s.resumable ? (
        <div className="banner banner-warn" role="alert">
          <span>
            {t.importWizard.interrupted(number(c.processed), number(c.total))}
            {canWrite ? null : ` ${t.imports.interruptedViewer}`}
          </span>{" "}
          <WriteButton className="btn btn-small" disabled={busy} onClick={() => void resume()}>
            {t.importWizard.resume}
          </WriteButton>
        </div>
      ) : key === "interrupted" ? (
        <div className="banner banner-warn" role="alert">
          <span>{t.imports.interruptedGone(number(c.processed), number(c.total))}</span>{" "}
          <WriteLink to="/contacts/import" className="btn btn-small">
            {t.imports.toWizard}
          </WriteLink>
        </div>
      ) : key === "failed" ? (
        <div className="banner banner-error" role="alert">
          <span>
            {t.imports.failed}
            {s.error ? (
              <>
                {" "}
                <span className="server-says">
                  {t.app.serverSays}: <span lang={i18n.lang === "de" ? "en" : undefined}>{s.error}</span>
                </span>
              </>
            ) : null}
          </span>
        </div>
      ) : null}

      <section className="card" aria-labelledby="import-overview">
        <h2 id="import-overview">{t.imports.overview}</h2>
        <dl className="props props-stack">
          <dt>{t.imports.started}</dt>
          <dd>
            <time dateTime={s.started_at ?? s.created_at}>{date(s.started_at ?? s.created_at)}</time>
          </dd>
          <dt>{t.imports.finished}</dt>
          <dd>{s.finished_at ? <time dateTime={s.finished_at}>{date(s.finished_at)}</time> : t.app.none}</dd>
          <dt>{t.imports.file}</dt>
          <dd>{s.filename ?? t.imports.noFile}</dd>
          <dt>{t.imports.kind}</dt>
          <dd>{kind}</dd>
          <dt>{t.imports.status}</dt>
          <dd>
            <span className={`import-status import-status-${key}`}>{t.imports.statuses[key] ?? key}</span>
          </dd>
          {s.on_duplicate ? (
            <>
              <dt>{t.imports.onDuplicate}</dt>
              <dd>{s.on_duplicate === "update" ? t.importWizard.update : t.importWizard.skip}</dd>
            </>
          ) : null}
        </dl>
        {running ? (
          <>
            <p className="muted">{t.imports.running}</p>
            <label className="progress-label">
              {t.importWizard.progress}: {number(c.processed)} / {number(c.total)} ({percent} %)
              <progress max={100} value={percent} />
            </label>
          </>
        ) : null}
        <Counts counts={c} />
      </section>

      {running ? null : (
        <section className="card" aria-labelledby="import-report">
          <h2 id="import-report">{t.imports.report}</h2>
          {rows === null ? (
            error ? null : (
              <Loading />
            )
          ) : (
            <>
              {c.rejected > PROBLEM_ROWS || c.skipped > PROBLEM_ROWS ? (
                <p className="muted">{t.imports.firstRows(number(PROBLEM_ROWS))}</p>
              ) : null}
              {c.rejected > 0 ? (
                <p>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={downloading}
                    onClick={() => void download()}
                  >
                    {t.imports.downloadRejected}
                  </button>{" "}
                  <span className="muted small">{t.imports.downloadRejectedHint}</span>
                </p>
              ) : null}
              {downloadError ? <ErrorBanner error={downloadError} /> : null}
              <ProblemRows rows={rows} />
            </>
          )}
        </section>
      )}
    </>
  );
}
