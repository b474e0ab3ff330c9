// Who is signed in: the session from GET /v1/auth/session (cookie), its CSRF token for writes, the role that
// decides which write buttons are shown, and the user's language.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { ApiError, api, request, setCsrfToken, setUnauthorizedHandler } from "../api/client";
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
  | { phase: "anonymous"; expired: boolean }
  | { phase: "signed_in"; user: User };

export interface Session {
  state: State;
  user: User | null;
  lang: Lang;
  canWrite: boolean;
  isAdmin: boolean;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
  setLanguage(lang: Lang): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);
const LANG_KEY = "poststelle.lang";

async function probeSession(): Promise<State> {
  try {
    const s = await request<SessionBody>("/v1/auth/session", { quiet401: true });
    setCsrfToken(s.csrf_token);
    return { phase: "signed_in", user: s.user };
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return { phase: "anonymous", expired: false };
    throw e;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ phase: "loading" });
  const [browserLang, setBrowserLang] = useState<Lang>(asLang(localStorage.getItem(LANG_KEY)));

  useEffect(() => {
    let live = true;
    probeSession().then(
      (s) => live && setState(s),
      () => live && setState({ phase: "anonymous", expired: false }),
    );
    setUnauthorizedHandler(() => {
      setCsrfToken(null);
      setState((s) => (s.phase === "signed_in" ? { phase: "anonymous", expired: true } : s));
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

  const logout = useCallback(async () => {
    await request("/v1/auth/logout", { method: "POST", body: {}, quiet401: true }).catch(() => undefined);
    setCsrfToken(null);
    // A full reload drops every cached page state of the signed-out user.
    window.location.assign("/login");
  }, []);

  const user = state.phase === "signed_in" ? state.user : null;
  const lang: Lang = user?.language ? asLang(user.language) : browserLang;
  // Remember the user's language in this browser, so the login page after sign-out speaks it too.
  useEffect(() => {
    if (user?.language) localStorage.setItem(LANG_KEY, asLang(user.language));
  }, [user?.language]);

  // One language save at a time, and only the latest choice: two quick switches (de → en → de) sent at once
  // could reach the server in either order and leave the first one saved for the user's next page.
  const languageSaves = useRef<{ chain: Promise<void>; latest: Lang | null }>({
    chain: Promise.resolve(),
    latest: null,
  });
  const setLanguage = useCallback(
    async (next: Lang) => {
      localStorage.setItem(LANG_KEY, next);
      setBrowserLang(next);
      if (!user) return;
      setState({ phase: "signed_in", user: { ...user, language: next } });
      const saves = languageSaves.current;
      saves.latest = next;
      // Saved for the user; if that fails the switch still holds in this browser.
      saves.chain = saves.chain.then(() =>
        saves.latest === next
          ? api.patch("/v1/auth/me", { language: next }).then(
              () => undefined,
              () => undefined,
            )
          : undefined,
      );
      await saves.chain;
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
      logout,
      setLanguage,
    }),
    [state, user, lang, login, logout, setLanguage],
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
