// Frühere Importe: every CSV import and dry run, newest first (GET /v1/imports, cursor-paged), with when it
// started, its file, its status in words and its counts (a running one's kept up to date); each row opens its
// report (/contacts/imports/:id).
// A page of its own, not part of the wizard: viewers read it too, and the wizard is for writers only.
import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { PagedTable } from "../../components/PagedTable";
import { PageHeader } from "../../components/PageHeader";
import { WriteLink } from "../../components/WriteButton";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import { finished, type ImportStatus, percentDone, statusKey } from "./api";

export function ImportsPage() {
  const { t, date, number } = useI18n();
  const { canWrite } = useSession();
  const navigate = useNavigate();
  // Dry runs (the wizard's check of the file and its Probelauf) outnumber the imports two to one: shown on
  // request, kept in the address so a reload or a bookmark shows the same.
  const [params, setParams] = useSearchParams();
  // Held here as well: the box answers the click at once, not when the router has applied the new address.
  const [withDryRuns, setWithDryRuns] = useState(params.get("dry_runs") === "1");
  const list = usePaged<ImportStatus>("/v1/imports", { dry_run: withDryRuns ? undefined : "false" });
  const w = t.imports.columns;
  // An import that is still queued or running is asked again every 1.5 s and its row updated in place (the
  // rest of the list stays as it is, also the pages loaded with "Weitere laden"), until it has ended.
  const [latest, setLatest] = useState<Record<string, ImportStatus>>({});
  const current = (i: ImportStatus) => latest[i.id] ?? i;
  const unfinished = list.items
    .map(current)
    .filter((i) => !finished(i))
    .map((i) => i.id)
    .join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: each answer (latest) schedules the next question.
  useEffect(() => {
    if (!unfinished) return;
    const timer = setTimeout(async () => {
      const answers = await Promise.all(
        unfinished.split(",").map((id) => api.get<ImportStatus>(`/v1/imports/${id}`).catch(() => null)),
      );
      setLatest((old) => {
        const next = { ...old };
        for (const a of answers) if (a) next[a.id] = a;
        return next;
      });
    }, 1_500);
    return () => clearTimeout(timer);
  }, [unfinished, latest]);
  return (
    <>
      <PageHeader
        title={t.imports.title}
        intro={t.imports.intro}
        actions={
          <WriteLink to="/contacts/import" className="btn btn-primary">
            {t.imports.toWizard}
          </WriteLink>
        }
      />
      <p>
        <Link to="/contacts">← {t.contacts.title}</Link>
      </p>
      <div className="check">
        <input
          id="dry-runs"
          type="checkbox"
          checked={withDryRuns}
          onChange={(e) => {
            setWithDryRuns(e.target.checked);
            setParams(e.target.checked ? { dry_runs: "1" } : {}, { replace: true });
          }}
        />
        <label htmlFor="dry-runs">{t.imports.showDryRuns}</label>
      </div>
      <PagedTable
        list={list}
        name="imports"
        caption={t.imports.title}
        headers={[
          { label: t.imports.started },
          { label: t.imports.file },
          { label: t.imports.kind },
          { label: t.imports.status },
          { label: w.created },
          { label: w.updated },
          { label: w.skipped },
          { label: w.rejected },
        ]}
        empty={canWrite ? t.imports.empty : t.imports.emptyViewer}
        row={(listed) => {
          const i = current(listed);
          const key = statusKey(i);
          const at = i.started_at ?? i.created_at;
          return (
            <tr className="clickable" onClick={() => navigate(`/contacts/imports/${i.id}`)}>
              <td data-label={t.imports.started}>
                {/* The link is what a keyboard reaches; the row's click does the same for a mouse. */}
                <Link to={`/contacts/imports/${i.id}`} onClick={(e) => e.stopPropagation()}>
                  <time dateTime={at ?? undefined}>{date(at)}</time>
                </Link>
              </td>
              <td data-label={t.imports.file}>{i.filename ?? t.imports.noFile}</td>
              <td data-label={t.imports.kind}>
                {i.dry_run ? t.imports.kinds.dryRun : t.imports.kinds.import}
              </td>
              <td data-label={t.imports.status}>
                <span className={`import-status import-status-${key}`}>{t.imports.statuses[key] ?? key}</span>
                {key === "running" ? ` (${t.imports.progress(number(percentDone(i.counts)))})` : null}
              </td>
              <td data-label={w.created}>{number(i.counts.created)}</td>
              <td data-label={w.updated}>{number(i.counts.updated)}</td>
              <td data-label={w.skipped}>{number(i.counts.skipped)}</td>
              <td data-label={w.rejected}>{number(i.counts.rejected)}</td>
            </tr>
          );
        }}
      />
    </>
  );
}
