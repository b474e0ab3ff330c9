// Sign-in with e-mail and password (POST /v1/auth/login sets the HttpOnly session cookie).
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, type FieldIssue } from "../../api/client";
import { Field } from "../../components/Field";
import { ErrorBanner } from "../../components/states";
import { type Lang, languages, useI18n } from "../../i18n";
import { useSession } from "../../session/session";

export function safeNext(next: string | null): string {
  // Only paths of this dashboard: never an absolute URL (no open redirect).
  return next?.startsWith("/") && !next.startsWith("//") && next !== "/login" ? next : "/messages";
}

export function LoginPage({ expired }: { expired: boolean }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<Record<string, FieldIssue>>({});

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
      await session.login(email.trim(), password);
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
        <p className="muted">{t.login.intro}</p>
        <ErrorBanner error={error} />
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

        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t.login.busy : t.login.submit}
        </button>
      </form>
    </main>
  );
}
