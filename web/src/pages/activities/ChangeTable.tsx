// The before/after of one change, field by field.
import { useI18n } from "../../i18n";

export function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  return JSON.stringify(v, null, 2);
}

export function ChangeTable({
  changes,
}: {
  changes: Record<string, { before: unknown; after: unknown }> | null;
}) {
  const { t } = useI18n();
  const rows = Object.entries(changes ?? {});
  if (rows.length === 0) return <p className="muted">{t.activities.noChanges}</p>;
  return (
    <table className="table changes">
      <thead>
        <tr>
          <th scope="col">{t.activities.field}</th>
          <th scope="col">{t.activities.before}</th>
          <th scope="col">{t.activities.after}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([field, c]) => (
          <tr key={field}>
            <th scope="row">{field}</th>
            <td className="before">
              <pre>{show(c.before)}</pre>
            </td>
            <td className="after">
              <pre>{show(c.after)}</pre>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
