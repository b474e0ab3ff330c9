// Loading data for a page: one resource (useResource) or a cursor-paged list (usePaged), each with the
// loading / error / reload states every page shows.
import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { type Page, type Query, request } from "./client";

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

export function useResource<T>(load: () => Promise<T>, deps: DependencyList): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload.
  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

export interface Paged<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

/** A list read page by page with ?cursor=; the query (filters) restarts it from the first page. `limit` null:
 * a short list the API answers whole (it takes no ?limit= or ?cursor=, and refuses them). */
export function usePaged<T>(path: string, query: Query, limit: number | null = 50): Paged<T> {
  const key = JSON.stringify([path, query, limit]);
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);

  const fetchPage = useCallback(
    async (after: string | null, append: boolean) => {
      const gen = generation.current;
      setLoading(true);
      setError(null);
      try {
        const [p, q] = JSON.parse(key) as [string, Query];
        const paging = limit === null ? {} : { limit, cursor: after ?? undefined };
        const page = await request<Page<T>>(p, { query: { ...q, ...paging } });
        if (gen !== generation.current) return;
        setItems((old) => (append ? [...old, ...page.items] : page.items));
        setCursor(page.next_cursor ?? null);
      } catch (e) {
        if (gen === generation.current) setError(e);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [key, limit],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick forces a reload from the first page.
  useEffect(() => {
    generation.current += 1;
    setItems([]);
    setCursor(null);
    void fetchPage(null, false);
  }, [fetchPage, tick]);

  return {
    items,
    error,
    loading,
    hasMore: cursor !== null,
    loadMore: () => {
      if (cursor) void fetchPage(cursor, true);
    },
    reload: () => setTick((n) => n + 1),
  };
}
