// Sign-in with e-mail and password (POST /v1/auth/login sets the HttpOnly session cookie). While a server
// has no password sign-in yet, an API key can stand in.
import { type FormEvent, useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { Field } from "../../components/Field";
import { ErrorBanner } from "../../components/states";
import { type Lang, languages, useI18n } from "../../i18n";
import { useSession } from "../../session/session";

export function safeNext(next: string | null): string {
  // Only paths of this dashboard: never an absolute URL (no open redirect).
  return next?.startsWith("/") && !next.startsWith("//") && next !== "/login" ? next : "/messages";
}

export function LoginPage({ passwordLogin, expired }: { passwordLogin: boolean; expired: boolean }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  useEffect(() => {
    document.title = `${t.login.title} · ${t.app.name}`;
  }, [t]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      // Signed in, the router's /login route sends the user on to ?next= (AfterLogin in App.tsx).
      if (passwordLogin) await session.login(email.trim(), password);
      else await session.loginWithKey(key.trim());
    } catch (err) {
      setError(err);
      if (err instanceof ApiError) setFields(err.fieldIssues());
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <form className="card login-card" onSubmit={submit} noValidate>
        <div className="login-top">
          <span className="brand">{t.app.name}</span>
          <select
            aria-label={t.nav.language}
            value={lang}
            onChange={(e) => void session.setLanguage(e.target.value as Lang)}
          >
            {languages.map((l) => (
              <option key={l} value={l}>
                {t.lang[l]}
              </option>
            ))}
          </select>
        </div>
        <h1>{t.login.title}</h1>
        {expired ? <p className="banner banner-warn">{t.app.sessionExpired}</p> : null}
        <p className="muted">{passwordLogin ? t.login.intro : t.login.apiKeyHint}</p>
        <ErrorBanner error={error} />
        {passwordLogin ? (
          <>
            <Field label={t.login.email} error={fields.email}>
              {(p) => (
                <input
                  {...p}
                  type="email"
                  name="email"
                  autoComplete="username"
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              )}
            </Field>
            <Field label={t.login.password} error={fields.password}>
              {(p) => (
                <input
                  {...p}
                  type="password"
                  name="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
          </>
        ) : (
          <Field label={t.login.apiKey}>
            {(p) => (
              <input
                {...p}
                type="password"
                name="api_key"
                autoComplete="off"
                required
                value={key}
                onChange={(e) => setKey(e.target.value)}
              />
            )}
          </Field>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t.login.busy : passwordLogin ? t.login.submit : t.login.apiKeySubmit}
        </button>
      </form>
    </main>
  );
}
