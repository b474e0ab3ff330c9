// One settings section that lists records: the heading, a form above the table (add, filters), the table
// with a cell per column, an edit form opened under its row, a removal that asks first, and the loading,
// empty, error and "more" states. Transports, mailboxes, the blocklist, users and API keys all use it.
import { type ReactNode, useState } from "react";
import type { Paged } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";

export interface Column<T> {
  label: string;
  cell(row: T): ReactNode;
}

/** A removal (delete, revoke, unblock): a button per row, a confirmation, then the call. */
export interface Removal<T> {
  /** The row's button and the dialog's confirm button. */
  label: string;
  /** What the dialog says about this row: what will happen. */
  question(row: T): ReactNode;
  run(row: T): Promise<unknown>;
  /** The notice once it is done. */
  done: string;
  /** Rows that offer it (all when absent); the others show what `instead` gives. */
  offered?(row: T): boolean;
  instead?(row: T): ReactNode;
}

export interface RecordSectionProps<T extends { id: string }> {
  /** Prefix of the heading's id and the table's class (tests find the table by it). */
  name: string;
  title: string;
  intro?: ReactNode;
  list: Paged<T>;
  columns: Column<T>[];
  empty: ReactNode;
  /** Above the table: the add form, filters. */
  top?: ReactNode;
  /** Below the section: a second card, the add form of a long record. */
  bottom?: ReactNode;
  /** The edit form of a row; `close` folds it again (after saving it also reloads the list). */
  edit?(row: T, close: (saved: boolean) => void): ReactNode;
  /** Rows that can be edited (all when absent). */
  editable?(row: T): boolean;
  /** The edit button's name for a row (screen readers hear which row it edits). */
  editLabel?(row: T): string;
  remove?: Removal<T>;
  /** A notice or an error from the section's own actions (a role changed in its cell). */
  notice?: string | null;
  error?: unknown;
}

export function RecordSection<T extends { id: string }>(props: RecordSectionProps<T>) {
  const { t } = useI18n();
  const { list, columns, remove, edit } = props;
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<T | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const hasActions = Boolean(edit || remove);
  const confirmRemoval = async () => {
    const row = removing;
    setRemoving(null);
    if (!row || !remove) return;
    setError(null);
    setNotice(null);
    try {
      await remove.run(row);
      setNotice(remove.done);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const close = (saved: boolean) => {
    setEditing(null);
    if (saved) {
      setNotice(t.app.saved);
      list.reload();
    }
  };
  return (
    <>
      <section className="card" aria-labelledby={`${props.name}-h`}>
        <h2 id={`${props.name}-h`}>{props.title}</h2>
        {props.intro}
        {props.top}
        {(props.notice ?? notice) ? <Notice>{props.notice ?? notice}</Notice> : null}
        <ErrorBanner
          error={props.error ?? error ?? list.error}
          onRetry={list.error ? list.reload : undefined}
        />
        {list.items.length > 0 ? (
          <table className={`table responsive ${props.name}`}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.label} scope="col">
                    {c.label}
                  </th>
                ))}
                {hasActions ? (
                  <th scope="col">
                    <span className="sr-only">{t.app.actions}</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {list.items.map((row) => (
                <Row
                  key={row.id}
                  row={row}
                  props={props}
                  editing={editing === row.id}
                  onEdit={() => setEditing(editing === row.id ? null : row.id)}
                  onRemove={() => setRemoving(row)}
                  close={close}
                />
              ))}
            </tbody>
          </table>
        ) : null}
        {list.loading ? <Loading /> : null}
        {!list.loading && !list.error && list.items.length === 0 ? <Empty>{props.empty}</Empty> : null}
        <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
        {/* Rendered only while open: dialogs share one heading id. */}
        {remove && removing ? (
          <ConfirmDialog
            open
            title={remove.label}
            confirmLabel={remove.label}
            danger
            onConfirm={confirmRemoval}
            onCancel={() => setRemoving(null)}
          >
            {remove.question(removing)}
          </ConfirmDialog>
        ) : null}
      </section>
      {props.bottom}
    </>
  );
}

function Row<T extends { id: string }>({
  row,
  props,
  editing,
  onEdit,
  onRemove,
  close,
}: {
  row: T;
  props: RecordSectionProps<T>;
  editing: boolean;
  onEdit(): void;
  onRemove(): void;
  close(saved: boolean): void;
}) {
  const { t } = useI18n();
  const { columns, edit, remove } = props;
  const offered = remove && (remove.offered?.(row) ?? true);
  return (
    <>
      <tr>
        {columns.map((c) => (
          <td key={c.label} data-label={c.label}>
            {c.cell(row)}
          </td>
        ))}
        {edit || remove ? (
          <td className="row-actions">
            {edit && (props.editable?.(row) ?? true) ? (
              <button
                type="button"
                className="btn btn-small"
                data-write=""
                aria-expanded={editing}
                aria-label={props.editLabel?.(row)}
                onClick={onEdit}
              >
                {t.app.edit}
              </button>
            ) : null}
            {remove && offered ? (
              <button type="button" className="btn btn-small" data-write="" onClick={onRemove}>
                {remove.label}
              </button>
            ) : null}
            {remove && !offered ? remove.instead?.(row) : null}
          </td>
        ) : null}
      </tr>
      {edit && editing ? (
        <tr className="edit-row">
          <td colSpan={columns.length + 1}>{edit(row, close)}</td>
        </tr>
      ) : null}
    </>
  );
}
