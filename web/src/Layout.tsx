// The shell around every signed-in page: skip link, header with workspace, user, language and sign-out,
// and the navigation (a drawer behind a menu button on narrow screens).
import { type ReactNode, useEffect, useState } from "react";
import { Link, NavLink, useLocation } from "react-router-dom";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { type Lang, languages, useI18n } from "./i18n";
import { navGroups } from "./nav";
import { useSession } from "./session/session";

function LanguageSwitch() {
  const { t, lang } = useI18n();
  const session = useSession();
  return (
    <label className="lang-switch">
      <span className="sr-only">{t.nav.language}</span>
      <select
        value={lang}
        onChange={(e) => void session.setLanguage(e.target.value as Lang)}
        aria-label={t.nav.language}
      >
        {languages.map((l) => (
          <option key={l} value={l}>
            {t.lang[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

function Navigation({ onNavigate }: { onNavigate(): void }) {
  const { t } = useI18n();
  const { isAdmin } = useSession();
  return (
    <nav aria-label={t.nav.main} className="nav">
      {navGroups.map((g) => {
        const links = g.links.filter((l) => !l.adminOnly || isAdmin);
        if (links.length === 0) return null;
        return (
          <div key={links[0].to} className="nav-group">
            {g.heading ? <div className="nav-heading">{t.nav[g.heading]}</div> : null}
            <ul>
              {links.map((l) => (
                <li key={l.to}>
                  <NavLink to={l.to} onClick={onNavigate} className={g.heading ? "nav-sub" : undefined}>
                    {t.nav[l.label]}
                  </NavLink>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the drawer whenever the page changes.
  useEffect(() => setOpen(false), [location.pathname]);
  const user = session.user;
  return (
    <div className={`shell${open ? " nav-open" : ""}`}>
      <a className="skip-link" href="#main">
        {t.app.skip}
      </a>
      <header className="topbar">
        <button
          type="button"
          className="btn menu-button"
          aria-expanded={open}
          aria-controls="sidebar"
          onClick={() => setOpen((o) => !o)}
        >
          {t.app.menu}
        </button>
        <span className="brand">{t.app.name}</span>
        <span className="workspace muted">{user?.workspace_name}</span>
        <span className="spacer" />
        {user ? (
          <Link className="user muted" to="/account" title={`${t.account.title}: ${user.email}`}>
            {t.nav.signedInAs(user.name || user.email, t.roles[user.role] ?? user.role)}
          </Link>
        ) : null}
        <LanguageSwitch />
        <button type="button" className="btn" onClick={() => void session.logout()}>
          {t.nav.logout}
        </button>
      </header>
      <aside id="sidebar" className="sidebar">
        <Navigation onNavigate={() => setOpen(false)} />
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        <ErrorBoundary key={location.pathname}>{children}</ErrorBoundary>
      </main>
    </div>
  );
}
