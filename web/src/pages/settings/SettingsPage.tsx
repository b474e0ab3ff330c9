// Einstellungen (admins): one section at a time (?section=), each its own component in this folder.
import { Link, useSearchParams } from "react-router-dom";
import { PageHeader } from "../../components/PageHeader";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import { ApiKeysSection } from "./ApiKeysSection";
import { ArchiveSection } from "./ArchiveSection";
import { BlocklistSection } from "./BlocklistSection";
import { ErrorRegistrySection } from "./ErrorRegistrySection";
import { GeneralSection } from "./GeneralSection";
import { TransportsSection } from "./TransportsSection";
import { UsersSection } from "./UsersSection";

const sections = {
  general: GeneralSection,
  archive: ArchiveSection,
  transports: TransportsSection,
  errors: ErrorRegistrySection,
  blocklist: BlocklistSection,
  users: UsersSection,
  keys: ApiKeysSection,
} as const;
type Section = keyof typeof sections;

export function SettingsPage() {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  const [params] = useSearchParams();
  const requested = params.get("section") ?? "general";
  const section: Section = requested in sections ? (requested as Section) : "general";
  if (!isAdmin) {
    return (
      <>
        <PageHeader title={t.settings.title} />
        <p className="card">{t.settings.adminOnly}</p>
      </>
    );
  }
  const Current = sections[section];
  return (
    <>
      <PageHeader title={t.settings.title} />
      <nav className="tabs" aria-label={t.settings.title}>
        {(Object.keys(sections) as Section[]).map((s) => (
          <Link key={s} to={`/settings?section=${s}`} aria-current={s === section ? "page" : undefined}>
            {t.settings.sections[s]}
          </Link>
        ))}
      </nav>
      <Current />
    </>
  );
}
