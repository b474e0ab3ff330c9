// A list's members with the columns Status / Abgleich / Aufgabe (seed 003 §3): for a linked list read
// from the sync API (result and task), otherwise from the subscriptions. Editors change a member's status
// in the row and remove a member after confirming; a member the linked tool still lists asks once more
// (seed 003 §8.1): don't delete, remove here only, or delete in the tool too.
import { useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { setByText } from "../../i18n/reasons";
import { useSession } from "../../session/session";
import { toolName } from "../sync/ConnectPanel";
import { type LinkedMemberChoice, LinkedMemberDialog } from "./LinkedMemberDialog";
import {
  type MemberRow,
  rowOfSubscription,
  rowOfSyncMember,
  type Subscription,
  type SyncMember,
  subscriptionStatuses,
  useListText,
} from "./model";

export function MembersTable({
  listId,
  linked,
  tool,
  onChanged,
}: {
  listId: string;
  linked: boolean;
  /** The linked tool's key ("mailchimp", "listmonk"). */
  tool?: string;
  onChanged(): void;
}) {
  const { l, t, date, lang } = useListText();
  const { canWrite } = useSession();
  const [status, setStatus] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [removing, setRemoving] = useState<MemberRow | null>(null);
  // The member the tool still lists, with the address the tool knows it by (from the API's 409).
  const [asking, setAsking] = useState<{ row: MemberRow; email: string } | null>(null);
  const toolLabel = toolName(tool) || l.tool;
  // A linked list reads the sync API (which has no status filter: the status is filtered here).
  const source = usePaged<Subscription | SyncMember>(
    linked ? `/v1/lists/${listId}/sync/members` : `/v1/lists/${listId}/subscriptions`,
    linked ? {} : { status },
  );
  const rows: MemberRow[] = linked
    ? (source.items as SyncMember[]).map(rowOfSyncMember)
    : (source.items as Subscription[]).map(rowOfSubscription);
  const shown = linked && status ? rows.filter((r) => r.status === status) : rows;

  async function change(r: MemberRow, next: string) {
    setError(null);
    setNotice("");
    try {
      await api.patch(`/v1/lists/${listId}/subscriptions/${r.subscriptionId}`, { status: next });
      setNotice(l.statusChanged);
      source.reload();
      onChanged();
    } catch (e) {
      setError(e);
    }
  }

  async function remove(r: MemberRow, choice?: LinkedMemberChoice) {
    setRemoving(null);
    setAsking(null);
    setError(null);
    setNotice("");
    try {
      const query = choice ? `?linked_members=${choice}` : "";
      const done = await api.del<{ member_in_tool?: string }>(
        `/v1/lists/${listId}/subscriptions/${r.subscriptionId}${query}`,
      );
      if (done?.member_in_tool) setNotice(l.removedInTool(toolLabel, done.member_in_tool));
      else if (choice === "keep") setNotice(l.removedHereOnly(toolLabel));
      source.reload();
      onChanged();
    } catch (e) {
      const asked = !choice ? linkedMemberAsked(e) : null;
      if (asked) setAsking({ row: r, email: asked.email ?? r.email ?? r.name });
      else setError(e);
    }
  }

  return (
    <section aria-labelledby="members">
      <h2 id="members">{l.members}</h2>
      <div className="filters">
        <label>
          {l.subscriptionStatus}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t.app.all}</option>
            {subscriptionStatuses.map((s) => (
              <option key={s} value={s}>
                {t.contact.subscriptionStatuses[s]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner error={error ?? source.error} onRetry={error ? undefined : source.reload} />
      {notice ? <Notice>{notice}</Notice> : null}
      {shown.length > 0 ? (
        <table className="table responsive members">
          <caption className="sr-only">{l.members}</caption>
          <thead>
            <tr>
              <th scope="col">{l.contact}</th>
              <th scope="col">{l.email}</th>
              <th scope="col">{l.subscriptionStatus}</th>
              <th scope="col">{l.sync}</th>
              <th scope="col">{l.task}</th>
              <th scope="col">{l.setAt}</th>
              <th scope="col">{l.setBy}</th>
              {canWrite ? (
                <th scope="col">
                  <span className="sr-only">{l.remove}</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.subscriptionId}>
                <td data-label={l.contact}>
                  <Link to={`/contacts/${r.contactId}`}>{r.name}</Link>
                </td>
                <td data-label={l.email}>{r.email ?? t.app.none}</td>
                <td data-label={l.subscriptionStatus}>
                  {canWrite ? (
                    <select
                      aria-label={l.statusFor(r.name)}
                      value={r.status}
                      data-write=""
                      onChange={(e) => void change(r, e.target.value)}
                    >
                      {subscriptionStatuses.map((s) => (
                        <option key={s} value={s}>
                          {t.contact.subscriptionStatuses[s]}
                        </option>
                      ))}
                    </select>
                  ) : (
                    (t.contact.subscriptionStatuses[r.status] ?? r.status)
                  )}
                </td>
                <td data-label={l.sync}>
                  {linked ? (r.result ? (l.results[r.result] ?? r.result) : l.notReconciled) : l.notLinked}
                </td>
                <td data-label={l.task}>{r.task ? (l.tasks[r.task] ?? r.task) : t.app.none}</td>
                <td data-label={l.setAt}>{date(r.setAt)}</td>
                <td data-label={l.setBy} title={r.setBy ?? undefined}>
                  {setByText(r.setBy, r.setByName, lang, t)}
                </td>
                {canWrite ? (
                  <td>
                    <WriteButton className="btn btn-small" onClick={() => setRemoving(r)}>
                      {l.remove}
                    </WriteButton>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {source.loading ? <Loading /> : null}
      {!source.loading && !source.error && shown.length === 0 ? (
        <Empty>{status ? l.noMembersFiltered : l.noMembers}</Empty>
      ) : null}
      <LoadMore hasMore={source.hasMore} loading={source.loading} onClick={source.loadMore} />
      <ConfirmDialog
        open={removing !== null}
        title={l.removeTitle}
        confirmLabel={l.remove}
        danger
        onCancel={() => setRemoving(null)}
        onConfirm={() => removing && void remove(removing)}
      >
        <p>{removing ? l.removeText(removing.name) : null}</p>
      </ConfirmDialog>
      <LinkedMemberDialog
        open={asking !== null}
        who={asking?.row.name ?? ""}
        email={asking?.email ?? ""}
        tool={toolLabel}
        toolKey={tool}
        onCancel={() => setAsking(null)}
        onChoose={(choice) => asking && void remove(asking.row, choice)}
      />
    </section>
  );
}

/** The API's question for a member the linked tool still lists: a 409 offering delete and keep. */
function linkedMemberAsked(e: unknown): { email?: string } | null {
  if (!(e instanceof ApiError) || e.status !== 409) return null;
  const d = e.details as { options?: unknown; linked_members?: { email?: string }[] } | null;
  if (!d || !Array.isArray(d.options) || !d.options.includes("delete") || !d.options.includes("keep"))
    return null;
  return { email: d.linked_members?.[0]?.email };
}
