// Loading, empty and error states: every page shows one of them instead of a blank area.
import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { type I18n, useI18n } from "../i18n";

export function errorText(e: unknown, i18n: I18n): string {
  if (e instanceof ApiError) {
    if (e.code === "network") return i18n.t.app.network;
    return e.message;
  }
  if (e instanceof Error) return e.message;
  return i18n.t.app.unexpected;
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {t.app.loading}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** A banner for an error that belongs to no single field. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span>{errorText(error, i18n)}</span>
      {onRetry ? (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {i18n.t.app.retry}
        </button>
      ) : null}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="banner banner-ok" role="status">
      {children}
    </div>
  );
}
