import { type ReactNode, useEffect } from "react";
import { useI18n } from "../i18n";

/** The page's heading; it also names the browser tab. */
export function PageHeader({
  title,
  intro,
  actions,
}: {
  title: string;
  intro?: string;
  actions?: ReactNode;
}) {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${title} · ${t.app.name}`;
  }, [title, t.app.name]);
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {intro ? <p className="muted">{intro}</p> : null}
      </div>
      {actions ? <div className="actions">{actions}</div> : null}
    </header>
  );
}
