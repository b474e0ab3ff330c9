// Loading, empty and error states: every page shows one of them instead of a blank area.
import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { type I18n, useI18n } from "../i18n";
import { type WordedError, wordError } from "../i18n/errors";

/** What failed, in the user's language, and the server's own sentence where it is kept as evidence. */
export function errorWords(e: unknown, i18n: I18n): WordedError {
  if (e instanceof ApiError) return wordError(e, i18n.lang, i18n.t);
  if (e instanceof Error) return { text: i18n.t.app.unexpected, server: e.message };
  return { text: i18n.t.app.unexpected };
}

export function errorText(e: unknown, i18n: I18n): string {
  const w = errorWords(e, i18n);
  return w.server ? `${w.text} ${w.server}` : w.text;
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
  const w = errorWords(error, i18n);
  return (
    <div className="banner banner-error" role="alert">
      <span>
        {w.text}
        {w.server ? (
          <>
            {" "}
            <span className="server-says">
              {i18n.t.app.serverSays}: <span lang={i18n.lang === "de" ? "en" : undefined}>{w.server}</span>
            </span>
          </>
        ) : null}
      </span>
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
