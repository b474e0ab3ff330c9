// A page that fails while drawing (an answer it did not expect, a bug) shows what failed and a way on,
// never a blank window: the navigation stays, and moving to another page tries again (keyed by path).
import { Component, type ReactNode } from "react";
import { useI18n } from "../i18n";

function Crashed({ error }: { error: Error }) {
  const { t, lang } = useI18n();
  return (
    <div className="banner banner-error" role="alert">
      <span>
        {t.app.crashed}
        <span className="server-says">
          {t.app.errorDetail}: <span lang={lang === "de" ? "en" : undefined}>{error.message}</span>
        </span>
      </span>
      <button type="button" className="btn btn-small" onClick={() => window.location.reload()}>
        {t.app.reload}
      </button>
    </div>
  );
}

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render() {
    return this.state.error ? <Crashed error={this.state.error} /> : this.props.children;
  }
}
