// Who is signed in: the session from GET /v1/auth/session (cookie), its CSRF token for writes, the role that
// decides which write buttons are shown, and the user's language.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import {
  ApiError,
  api,
  hasApiKey,
  request,
  setApiKey,
  setCsrfToken,
  setUnauthorizedHandler,
} from "../api/client";
import { asLang, I18nProvider, type Lang } from "../i18n";

export type Role = "admin" | "editor" | "viewer";

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  language: string | null;
  workspace_id: string;
  workspace_name: string;
}

interface SessionBody {
  user: User;
  csrf_token: string;
}

type State =
  | { phase: "loading" }
  | { phase: "anonymous"; passwordLogin: boolean; expired: boolean }
  | { phase: "signed_in"; user: User };

export interface Session {
  state: State;
  user: User | null;
  lang: Lang;
  canWrite: boolean;
  isAdmin: boolean;
  login(email: string, password: string): Promise<void>;
  loginWithKey(key: string): Promise<void>;
  logout(): Promise<void>;
  setLanguage(lang: Lang): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);
const LANG_KEY = "poststelle.lang";

/** Interim: the session of an API key while /v1/auth is missing (role probed, never more than it has). */
async function keySession(): Promise<User> {
  const ws = await api.get<{ id: string; name: string }>("/v1/workspace");
  const admin = await api.get("/v1/api-keys", { limit: 1 }).then(
    () => true,
    () => false,
  );
  return {
    id: "api-key",
    email: "",
    name: "API key",
    role: admin ? "admin" : "viewer",
    language: localStorage.getItem(LANG_KEY),
    workspace_id: ws.id,
    workspace_name: ws.name,
  };
}

async function probeSession(): Promise<State> {
  try {
    const s = await request<SessionBody>("/v1/auth/session", { quiet401: true });
    setCsrfToken(s.csrf_token);
    return { phase: "signed_in", user: s.user };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) {
      if (e instanceof ApiError && e.status === 401)
        return { phase: "anonymous", passwordLogin: true, expired: false };
      throw e;
    }
  }
  // No /v1/auth on this server yet.
  if (hasApiKey()) {
    try {
      return { phase: "signed_in", user: await keySession() };
    } catch {
      setApiKey(null);
    }
  }
  return { phase: "anonymous", passwordLogin: false, expired: false };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ phase: "loading" });
  const [browserLang, setBrowserLang] = useState<Lang>(asLang(localStorage.getItem(LANG_KEY)));

  useEffect(() => {
    let live = true;
    probeSession().then(
      (s) => live && setState(s),
      () => live && setState({ phase: "anonymous", passwordLogin: true, expired: false }),
    );
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState((s) =>
        s.phase === "signed_in" ? { phase: "anonymous", passwordLogin: true, expired: true } : s,
      );
    });
    return () => {
      live = false;
      setUnauthorizedHandler(null);
    };
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const s = await request<SessionBody>("/v1/auth/login", {
      method: "POST",
      body: { email, password },
      quiet401: true,
    });
    setCsrfToken(s.csrf_token);
    setState({ phase: "signed_in", user: s.user });
  }, []);

  const loginWithKey = useCallback(async (key: string) => {
    setApiKey(key);
    try {
      setState({ phase: "signed_in", user: await keySession() });
    } catch (e) {
      setApiKey(null);
      throw e;
    }
  }, []);

  const logout = useCallback(async () => {
    if (hasApiKey()) setApiKey(null);
    else
      await request("/v1/auth/logout", { method: "POST", body: {}, quiet401: true }).catch(() => undefined);
    setCsrfToken(null);
    // A full reload drops every cached page state of the signed-out user.
    window.location.assign("/login");
  }, []);

  const user = state.phase === "signed_in" ? state.user : null;
  const lang: Lang = user?.language ? asLang(user.language) : browserLang;

  const setLanguage = useCallback(
    async (next: Lang) => {
      localStorage.setItem(LANG_KEY, next);
      setBrowserLang(next);
      if (!user) return;
      setState({ phase: "signed_in", user: { ...user, language: next } });
      if (user.id !== "api-key") {
        await api.patch("/v1/auth/me", { language: next });
      }
    },
    [user],
  );

  const value = useMemo<Session>(
    () => ({
      state,
      user,
      lang,
      canWrite: user?.role === "admin" || user?.role === "editor",
      isAdmin: user?.role === "admin",
      login,
      loginWithKey,
      logout,
      setLanguage,
    }),
    [state, user, lang, login, loginWithKey, logout, setLanguage],
  );
  return (
    <SessionContext.Provider value={value}>
      <I18nProvider lang={lang}>{children}</I18nProvider>
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
