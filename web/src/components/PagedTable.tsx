// A cursor-paged list as a table: the error with a retry, the table once rows are there, loading, the
// empty state that says what to do next, and "more". The list pages (Aktivitäten, E-Mail-Status,
// Kontakte) differ only in their columns and rows.
import { Fragment, type ReactNode } from "react";
import type { Paged } from "../api/hooks";
import { LoadMore } from "./filters";
import { Empty, ErrorBanner, Loading } from "./states";

export interface Header {
  label: string;
  /** Read by screen readers only (a column of buttons). */
  hidden?: boolean;
}

export function PagedTable<T extends { id: string }>({
  list,
  name,
  caption,
  headers,
  empty,
  row,
}: {
  list: Paged<T>;
  /** The table's class (styles and tests find it by it). */
  name: string;
  caption: string;
  headers: Header[];
  empty: ReactNode;
  /** One item's row(s): a <tr>, or a fragment of a row and its detail row. */
  row(item: T): ReactNode;
}) {
  return (
    <>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.items.length > 0 ? (
        <table className={`table responsive ${name}`}>
          <caption className="sr-only">{caption}</caption>
          <thead>
            <tr>
              {headers.map((h) => (
                <th key={h.label} scope="col">
                  {h.hidden ? <span className="sr-only">{h.label}</span> : h.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.items.map((item) => (
              <Fragment key={item.id}>{row(item)}</Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>{empty}</Empty> : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
