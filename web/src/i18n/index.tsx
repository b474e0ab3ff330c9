// The language of the dashboard: German by default, English on a switch, saved per user (PATCH
// /v1/auth/me) and, before sign-in, in this browser. Dates and numbers go through Intl in that language.
import { createContext, type ReactNode, useContext, useEffect, useMemo } from "react";
import { type Dict, de } from "./de";
import { en } from "./en";

export type Lang = "de" | "en";
export const languages: Lang[] = ["de", "en"];
const dicts: Record<Lang, Dict> = { de, en };
const locales: Record<Lang, string> = { de: "de-DE", en: "en-GB" };

export interface I18n {
  lang: Lang;
  t: Dict;
  date(iso: string | null | undefined): string;
  number(n: number | null | undefined): string;
}

export function makeI18n(lang: Lang): I18n {
  const dateFmt = new Intl.DateTimeFormat(locales[lang], { dateStyle: "medium", timeStyle: "medium" });
  const numFmt = new Intl.NumberFormat(locales[lang]);
  return {
    lang,
    t: dicts[lang],
    date: (iso) => (iso ? dateFmt.format(new Date(iso)) : dicts[lang].app.none),
    number: (n) => (n === null || n === undefined ? dicts[lang].app.none : numFmt.format(n)),
  };
}

export function asLang(v: string | null | undefined): Lang {
  return v === "en" ? "en" : "de";
}

const I18nContext = createContext<I18n>(makeI18n("de"));

export function I18nProvider({ lang, children }: { lang: Lang; children: ReactNode }) {
  const value = useMemo(() => makeI18n(lang), [lang]);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
