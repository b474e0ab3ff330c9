// The counts of an import and its rejected / skipped rows with the reason for each.
import { useI18n } from "../../i18n";
import { importReason } from "../../i18n/reasons";
import type { ImportRow, ImportStatus } from "./api";

export function Counts({ counts }: { counts: ImportStatus["counts"] }) {
  const { t, number } = useI18n();
  const keys = ["total", "created", "updated", "skipped", "rejected"] as const;
  return (
    <ul className="counts">
      {keys.map((k) => (
        <li key={k} className={`count-${k}`}>
          <strong>{number(counts[k])}</strong> {t.importWizard.counts[k]}
        </li>
      ))}
    </ul>
  );
}

export function ProblemRows({ rows }: { rows: ImportRow[] }) {
  const { t, lang } = useI18n();
  return (
    <>
      <h3>{t.importWizard.rejectedRows}</h3>
      {rows.length === 0 ? (
        <p className="muted">{t.importWizard.noRejected}</p>
      ) : (
        <table className="table responsive problem-rows">
          <thead>
            <tr>
              <th scope="col">{t.importWizard.row}</th>
              <th scope="col">{t.importWizard.outcome}</th>
              <th scope="col">{t.importWizard.reason}</th>
              <th scope="col">{t.importWizard.values}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.outcome}-${r.row}`}>
                <td data-label={t.importWizard.row}>{r.row}</td>
                <td data-label={t.importWizard.outcome}>{t.importWizard.counts[r.outcome] ?? r.outcome}</td>
                <td data-label={t.importWizard.reason}>{importReason(r, lang, t)}</td>
                <td data-label={t.importWizard.values}>
                  <code>{r.raw ? Object.values(r.raw).join(" ; ") : ""}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
