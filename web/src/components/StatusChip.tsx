// A message status as a coloured chip with the seed-000 explanation as its tooltip.
import { useI18n } from "../i18n";

export function statusLabel(t: ReturnType<typeof useI18n>["t"], status: string): string {
  return t.statuses[status]?.label ?? status;
}

export function StatusChip({ status }: { status: string }) {
  const { t } = useI18n();
  const s = t.statuses[status];
  return (
    <span className={`chip chip-${status}`} title={s?.help}>
      {s?.label ?? status}
    </span>
  );
}
