// Routing: /login for the signed-out, the shell with the page table for the signed-in.
import { BrowserRouter, Navigate, Route, Routes, useLocation, useSearchParams } from "react-router-dom";
import { PageHeader } from "./components/PageHeader";
import { Loading } from "./components/states";
import { useI18n } from "./i18n";
import { Layout } from "./Layout";
import { pageRoutes } from "./pages";
import { LoginPage, safeNext } from "./pages/login/LoginPage";
import { SessionProvider, useSession } from "./session/session";

function NotFound() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t.app.notFound} />
      <p>
        <a href="/activities">{t.app.toHome}</a>
      </p>
    </>
  );
}

/** After signing in: the page asked for before the login (?next=), or E-Mail-Status. */
function AfterLogin() {
  const [params] = useSearchParams();
  return <Navigate to={safeNext(params.get("next"))} replace />;
}

function SignedInRoutes() {
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<Navigate to="/messages" replace />} />
        <Route path="/login" element={<AfterLogin />} />
        {pageRoutes.map((r) => (
          <Route key={r.path} path={r.path} element={r.element} />
        ))}
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}

function Gate() {
  const { state } = useSession();
  const location = useLocation();
  if (state.phase === "loading") {
    return (
      <main className="centered">
        <Loading />
      </main>
    );
  }
  if (state.phase === "anonymous") {
    if (location.pathname !== "/login") {
      const next = location.pathname + location.search;
      return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
    }
    return <LoginPage expired={state.expired} />;
  }
  return <SignedInRoutes />;
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </BrowserRouter>
  );
}
