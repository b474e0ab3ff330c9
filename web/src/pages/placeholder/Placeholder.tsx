// A page that is planned but not built yet: says so, and where to go meanwhile.
import { PageHeader } from "../../components/PageHeader";
import { useI18n } from "../../i18n";
import type { NavKey } from "../../nav";

export function Placeholder({ titleKey }: { titleKey: NavKey }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t.nav[titleKey]} />
      <div className="card">
        <p>{t.app.comingSoon}</p>
        <p className="muted">{t.app.comingSoonHint}</p>
      </div>
    </>
  );
}
