// Filters live in the URL (?status=…&since=…) so a filtered view can be bookmarked, shared and left with
// the back button. The form edits a draft; "Filtern" applies it.
import { type ChangeEvent, type FormEvent, type ReactNode, useEffect, useId, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api, type Page, type Query } from "../api/client";
import { useResource } from "../api/hooks";
import { useI18n } from "../i18n";
import { dateTimeFormats, formatDateTime, parseDateTime } from "../i18n/datetime";

export function useUrlFilters<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ""])) as Record<K, string>;
  const apply = (next: Record<K, string>) => {
    const p = new URLSearchParams();
    for (const k of keys) if (next[k]) p.set(k, next[k]);
    setParams(p);
  };
  return { values, apply };
}

/** datetime-local (the browser's local time) → ISO 8601 UTC for the API. */
export function localToIso(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The API query of the time filters. */
export function timeQuery(since: string, until: string): Query {
  return { since: localToIso(since), until: localToIso(until) };
}

export function FilterBar<K extends string>({
  keys,
  values,
  apply,
  children,
}: {
  keys: readonly K[];
  values: Record<K, string>;
  apply(v: Record<K, string>): void;
  children: (draft: Record<K, string>, set: (k: K, v: string) => void) => ReactNode;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(values);
  const applied = JSON.stringify(values);
  // Back/forward changes the URL: show what is applied.
  useEffect(() => setDraft(JSON.parse(applied) as Record<K, string>), [applied]);
  const set = (k: K, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const clear = () => {
    const empty = Object.fromEntries(keys.map((k) => [k, ""])) as Record<K, string>;
    setDraft(empty);
    apply(empty);
  };
  return (
    <form className="filters card" onSubmit={submit} aria-label={t.app.filter}>
      {children(draft, set)}
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary">
          {t.app.filter}
        </button>
        <button type="button" className="btn" onClick={clear}>
          {t.app.reset}
        </button>
      </div>
    </form>
  );
}

/** A date-time typed in the user's language (dateTimeFormats), whatever the browser's locale. The value it
 * reports is the filter's ("YYYY-MM-DDTHH:MM"), or what was typed while it is not a date-time (then the
 * input is marked invalid and the API gets no time from it). */
export function DateTimeInput({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const { t } = useI18n();
  const when = useDateTimeText(value, onChange);
  const hintId = useId();
  return (
    <label>
      {label}
      <input {...when.input} aria-invalid={when.bad ? true : undefined} aria-describedby={hintId} />
      <small id={hintId} className={when.bad ? "field-error" : "hint"}>
        {when.bad ? t.filters.dateTimeInvalid(when.format) : when.format}
      </small>
    </label>
  );
}

/** The text of a date-time input typed in the user's language (DateTimeInput, the campaign's schedule):
 * `value` is "YYYY-MM-DDTHH:MM" or, while the text is no date-time, the text itself (`bad`). */
export function useDateTimeText(value: string, onChange: (v: string) => void) {
  const { lang } = useI18n();
  const [text, setText] = useState(() => formatDateTime(value, lang));
  // A value from outside (the URL on back/forward, "Zurücksetzen", a language switch) is shown anew.
  useEffect(() => {
    setText((old) => (parseDateTime(old, lang) === value ? old : formatDateTime(value, lang)));
  }, [value, lang]);
  const bad = text.trim() !== "" && parseDateTime(text, lang) === null;
  const input = {
    type: "text",
    inputMode: "numeric" as const,
    autoComplete: "off",
    placeholder: dateTimeFormats[lang],
    value: text,
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      setText(e.target.value);
      const v = e.target.value.trim();
      onChange(v === "" ? "" : (parseDateTime(v, lang) ?? v));
    },
  };
  return { input, bad, format: dateTimeFormats[lang] };
}

/** The "from" and "until" inputs of a filter bar (typed in the user's language; timeQuery turns them into
 * the API's). */
export function TimeRange<K extends string>({
  draft,
  set,
}: {
  draft: Record<K | "since" | "until", string>;
  set: (k: K | "since" | "until", v: string) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <DateTimeInput label={t.filters.since} value={draft.since} onChange={(v) => set("since", v)} />
      <DateTimeInput label={t.filters.until} value={draft.until} onChange={(v) => set("until", v)} />
    </>
  );
}

/**
 * A filter that picks a campaign or a list by its name: the API filters by id, and nobody should have to
 * type one. Offers the first 500 records in the API's order (newest first); an applied id that is not
 * among them (a bookmarked view, a link from another page) stays selected, shown by its id.
 */
export function RecordSelect({
  label,
  path,
  query,
  allLabel,
  value,
  onChange,
}: {
  label: string;
  path: "/v1/campaigns" | "/v1/lists";
  query?: Query;
  allLabel: string;
  value: string;
  onChange(id: string): void;
}) {
  const queryKey = JSON.stringify(query ?? {});
  const records = useResource(
    () => api.get<Page<{ id: string; name: string }>>(path, { ...JSON.parse(queryKey), limit: 500 }),
    [path, queryKey],
  );
  const items = records.data?.items ?? [];
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{allLabel}</option>
        {value && !items.some((r) => r.id === value) ? <option value={value}>{value}</option> : null}
        {items.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function LoadMore({
  hasMore,
  loading,
  onClick,
}: {
  hasMore: boolean;
  loading: boolean;
  onClick(): void;
}) {
  const { t } = useI18n();
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <button type="button" className="btn" onClick={onClick} disabled={loading}>
        {t.app.more}
      </button>
    </div>
  );
}
