// The CSV import as a wizard (issue 7 item 4): 1 upload, 2 map the columns (the server's recognition as the
// starting point), 3 a dry run with the reason for every rejected row, 4 the import with a progress bar and
// the report of rejected rows. Every step goes through /v1/imports.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, type FieldError } from "../../api/client";
import { Field } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import {
  followImport,
  type ImportRow,
  type ImportStatus,
  problemRows,
  resumeImport,
  startImport,
} from "./api";
import { Counts, ProblemRows } from "./Report";

const fields = [
  "salutation",
  "title",
  "first_name",
  "last_name",
  "letter_salutation",
  "email",
  "phone",
  "mobile",
  "street",
  "postal_code",
  "city",
  "country",
  "language",
];

type Step = 1 | 2 | 3 | 4;

function Steps({ step }: { step: Step }) {
  const { t } = useI18n();
  return (
    <ol className="steps" aria-label={t.importWizard.stepOf(step, 4)}>
      {t.importWizard.steps.map((label, i) => (
        <li key={label} aria-current={i + 1 === step ? "step" : undefined}>
          {i + 1}. {label}
        </li>
      ))}
    </ol>
  );
}

function MappingTable({
  mapping,
  onChange,
}: {
  mapping: Record<string, string | null>;
  onChange(column: string, target: string | null): void;
}) {
  const { t } = useI18n();
  return (
    <table className="table responsive mapping">
      <thead>
        <tr>
          <th scope="col">{t.importWizard.column}</th>
          <th scope="col">{t.importWizard.field}</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(mapping).map(([column, target]) => (
          <tr key={column}>
            <th scope="row">{column}</th>
            <td>
              <select
                aria-label={`${t.importWizard.field}: ${column}`}
                value={target ?? ""}
                onChange={(e) => onChange(column, e.target.value || null)}
              >
                <option value="">{t.importWizard.ignore}</option>
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {t.importWizard.fields[f]}
                  </option>
                ))}
                <option value={`custom.${column.replace(/[^A-Za-z0-9_ .-]/g, "_").slice(0, 64)}`}>
                  {t.importWizard.custom(column)}
                </option>
              </select>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ImportWizard() {
  const { t, number } = useI18n();
  const { canWrite } = useSession();
  const [step, setStep] = useState<Step>(1);
  const [file, setFile] = useState<File | null>(null);
  const [delimiter, setDelimiter] = useState("");
  const [onDuplicate, setOnDuplicate] = useState<"skip" | "update">("skip");
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [status, setStatus] = useState<ImportStatus | null>(null);
  const [rows, setRows] = useState<ImportRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, FieldError>>({});
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  async function run(dryRun: boolean, withMapping: boolean): Promise<ImportStatus | null> {
    if (!file) return null;
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      const started = await startImport({
        file,
        dryRun,
        delimiter,
        onDuplicate,
        mapping: withMapping ? mapping : undefined,
      });
      setStatus(started);
      const done = await followImport(started.id, setStatus, () => live.current);
      if (done.status === "completed") setRows(await problemRows(done.id));
      return done;
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setFieldErrors(e.fieldIssues());
      return null;
    } finally {
      if (live.current) setBusy(false);
    }
  }

  async function analyse(e: FormEvent) {
    e.preventDefault();
    if (!file) {
      setFieldErrors({ file: t.importWizard.fileHint });
      return;
    }
    const s = await run(true, false);
    if (s?.status === "completed") {
      setMapping(s.columns ?? {});
      setStep(2);
    }
  }

  async function dryRun() {
    const s = await run(true, true);
    if (s?.status === "completed") setStep(3);
  }

  async function importNow() {
    // Forget the dry run's (completed) status first: otherwise step 4 shows "Import abgeschlossen" with the
    // dry run's counts until the real import's first status arrives.
    setStatus(null);
    setStep(4);
    setRows([]);
    await run(false, true);
  }

  /** An import whose process ended (a server restart) goes on where it stopped: nothing twice. */
  async function resume() {
    if (!status) return;
    setBusy(true);
    setError(null);
    try {
      const started = await resumeImport(status.id);
      setStatus(started);
      const done = await followImport(started.id, setStatus, () => live.current);
      if (done.status === "completed") setRows(await problemRows(done.id));
    } catch (e) {
      setError(e);
    } finally {
      if (live.current) setBusy(false);
    }
  }

  function restart() {
    setStep(1);
    setFile(null);
    setStatus(null);
    setRows([]);
    setMapping({});
    setError(null);
  }

  const earlier = (
    <Link to="/contacts/imports" className="btn">
      {t.imports.link}
    </Link>
  );
  if (!canWrite) {
    return (
      <>
        <PageHeader title={t.importWizard.title} actions={earlier} />
        <p>{t.settings.adminOnly}</p>
      </>
    );
  }

  const c = status?.counts;
  const percent = c && c.total > 0 ? Math.round((c.processed / c.total) * 100) : 0;
  return (
    <>
      <PageHeader title={t.importWizard.title} intro={t.importWizard.stepOf(step, 4)} actions={earlier} />
      <Steps step={step} />
      <ErrorBanner error={error} />
      {status?.status === "failed" && status.resumable ? (
        <div className="banner banner-warn" role="alert">
          <span>
            {t.importWizard.interrupted(number(status.counts.processed), number(status.counts.total))}
          </span>{" "}
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void resume()}>
            {t.importWizard.resume}
          </button>
        </div>
      ) : status?.status === "failed" ? (
        <ErrorBanner error={new Error(status.error ?? t.importWizard.failed)} />
      ) : null}

      {step === 1 ? (
        <form className="card" onSubmit={analyse} noValidate>
          <Field label={t.importWizard.file} hint={t.importWizard.fileHint} error={fieldErrors.file}>
            {(p) => (
              <input
                {...p}
                type="file"
                name="file"
                accept=".csv,text/csv,text/plain"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              />
            )}
          </Field>
          <Field label={t.importWizard.delimiter} error={fieldErrors.delimiter}>
            {(p) => (
              <select {...p} value={delimiter} onChange={(e) => setDelimiter(e.target.value)}>
                <option value="">{t.importWizard.auto}</option>
                <option value="semicolon">;</option>
                <option value="comma">,</option>
                <option value="tab">Tab</option>
                <option value="pipe">|</option>
              </select>
            )}
          </Field>
          <Field label={t.importWizard.onDuplicate} error={fieldErrors.on_duplicate}>
            {(p) => (
              <select
                {...p}
                value={onDuplicate}
                onChange={(e) => setOnDuplicate(e.target.value as "skip" | "update")}
              >
                <option value="skip">{t.importWizard.skip}</option>
                <option value="update">{t.importWizard.update}</option>
              </select>
            )}
          </Field>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? t.importWizard.analysing : t.importWizard.analyse}
          </button>
        </form>
      ) : null}

      {step === 2 ? (
        <section className="card" aria-labelledby="map-h">
          <h2 id="map-h">{t.importWizard.steps[1]}</h2>
          <p className="muted">{t.importWizard.dryRunIntro}</p>
          <MappingTable
            mapping={mapping}
            onChange={(col, target) => setMapping((m) => ({ ...m, [col]: target }))}
          />
          <div className="actions wizard-actions">
            <button type="button" className="btn" onClick={() => setStep(1)} disabled={busy}>
              {t.app.back}
            </button>
            <button type="button" className="btn btn-primary" onClick={dryRun} disabled={busy}>
              {busy ? t.importWizard.analysing : t.importWizard.dryRun}
            </button>
          </div>
        </section>
      ) : null}

      {step === 3 && c ? (
        <section className="card" aria-labelledby="dry-h">
          <h2 id="dry-h">{t.importWizard.dryRunResult}</h2>
          <Counts counts={c} />
          <ProblemRows rows={rows} />
          <div className="actions wizard-actions">
            <button type="button" className="btn" onClick={() => setStep(2)}>
              {t.app.back}
            </button>
            <button type="button" className="btn btn-primary" onClick={importNow} data-write="">
              {t.importWizard.startImport}
            </button>
          </div>
        </section>
      ) : null}

      {step === 4 && !c && busy ? <Loading /> : null}
      {step === 4 && c ? (
        <section className="card" aria-labelledby="imp-h">
          <h2 id="imp-h">
            {status?.status === "completed"
              ? t.importWizard.done
              : status?.status === "failed"
                ? t.importWizard.failed
                : t.importWizard.importing}
          </h2>
          <label className="progress-label">
            {t.importWizard.progress}: {number(c.processed)} / {number(c.total)} ({percent} %)
            <progress max={100} value={percent} />
          </label>
          {status?.rate ? (
            <p className="muted">
              {t.importWizard.rate(number(status.rate))}
              {status.eta && status.status === "running"
                ? ` · ${t.importWizard.eta(new Date(status.eta).toLocaleTimeString())}`
                : ""}
            </p>
          ) : null}
          <Counts counts={c} />
          {status?.status === "completed" ? (
            <>
              <Notice>
                {t.importWizard.done}: {number(c.created)} {t.importWizard.counts.created},{" "}
                {number(c.updated)} {t.importWizard.counts.updated}, {number(c.rejected)}{" "}
                {t.importWizard.counts.rejected}
              </Notice>
              <ProblemRows rows={rows} />
              <div className="actions wizard-actions">
                <button type="button" className="btn" onClick={restart}>
                  {t.importWizard.another}
                </button>
                {status ? (
                  <Link to={`/contacts/imports/${status.id}`} className="btn">
                    {t.imports.openReport}
                  </Link>
                ) : null}
                <Link to="/contacts" className="btn btn-primary">
                  {t.importWizard.toContacts}
                </Link>
              </div>
            </>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
