// A list's page: its members per status with Status / Abgleich / Aufgabe, its settings (read-only once
// linked to an e-mail tool, seed 003 §4.3), adding contacts by a filter, and — in tabs — the sync
// workbench and the tool's mailings.
import { useState } from "react";
import { Link, NavLink, useNavigate, useParams } from "react-router-dom";
import { ApiError, api } from "../../api/client";
import { useResource } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { PageHeader } from "../../components/PageHeader";
import { ErrorBanner, Loading, Notice } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { toolName } from "../sync/ConnectPanel";
import { MailingsPanel } from "../sync/MailingsPanel";
import { SyncWorkbench } from "../sync/SyncWorkbench";
import { AddContacts } from "./AddContacts";
import { ListForm } from "./ListForm";
import { MembersTable } from "./MembersTable";
import {
  type List,
  type ListWithCounts,
  subscriptionStatuses,
  type Link as ToolLink,
  useListText,
} from "./model";

/** The list's link, or null when it has none (404). */
async function loadLink(id: string): Promise<ToolLink | null> {
  try {
    return await api.get<ToolLink>(`/v1/lists/${id}/link`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export function ListPage() {
  const { id = "", tab = "members" } = useParams();
  const { l, t, number } = useListText();
  const navigate = useNavigate();
  const list = useResource(() => api.get<ListWithCounts>(`/v1/lists/${id}`), [id]);
  const link = useResource(() => loadLink(id), [id]);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState("");
  const [error, setError] = useState<unknown>(null);
  // Bumped after a bulk add, so the members table reads its first page again.
  const [membersKey, setMembersKey] = useState(0);

  if (list.error) {
    return (
      <>
        <PageHeader title={l.title} />
        <ErrorBanner error={list.error} onRetry={list.reload} />
        <Link to="/lists">{l.back}</Link>
      </>
    );
  }
  if (!list.data || link.loading) return <Loading />;
  const data = list.data;
  const linked = link.data != null;

  async function remove() {
    setDeleting(false);
    try {
      // A linked list needs confirm=true (seed 003 §8.3): the dialog said that the tool's list stays.
      await api.del(`/v1/lists/${id}${linked ? "?confirm=true" : ""}`);
      navigate("/lists");
    } catch (e) {
      setError(e);
    }
  }

  const tabs = [
    { key: "members", to: `/lists/${id}`, label: l.tabs.members },
    { key: "sync", to: `/lists/${id}/sync`, label: l.tabs.sync },
    { key: "mailings", to: `/lists/${id}/mailings`, label: l.tabs.mailings },
  ];
  return (
    <>
      <p>
        <Link to="/lists">← {l.back}</Link>
      </p>
      <PageHeader
        title={data.name}
        intro={data.description ?? undefined}
        actions={
          <>
            {tab === "members" && !adding ? (
              <WriteButton className="btn btn-primary" onClick={() => setAdding(true)}>
                {l.addByFilter}
              </WriteButton>
            ) : null}
            <WriteButton className="btn btn-danger" onClick={() => setDeleting(true)}>
              {l.deleteList}
            </WriteButton>
          </>
        }
      />
      <ErrorBanner error={error ?? link.error} />
      {notice ? <Notice>{notice}</Notice> : null}
      <nav className="tabs" aria-label={l.title}>
        {tabs.map((x) => (
          <NavLink key={x.key} to={x.to} end aria-current={x.key === tab ? "page" : undefined}>
            {x.label}
          </NavLink>
        ))}
      </nav>
      {tab === "members" ? (
        <>
          {adding ? (
            <AddContacts
              list={data}
              onCancel={() => setAdding(false)}
              onAdded={(r) => {
                setAdding(false);
                setNotice(l.addedNotice(number(r.matched), number(r.added), number(r.already_present)));
                list.reload();
                setMembersKey((n) => n + 1);
              }}
            />
          ) : null}
          <section className="card" aria-labelledby="counts">
            <h2 id="counts">{l.counts}</h2>
            <ul className="counts">
              {subscriptionStatuses.map((s) => (
                <li key={s}>
                  <strong>{number(data.counts[s] ?? 0)}</strong> {t.contact.subscriptionStatuses[s]}
                </li>
              ))}
            </ul>
          </section>
          <MembersTable
            key={membersKey}
            listId={id}
            linked={linked}
            tool={link.data?.tool}
            onChanged={list.reload}
          />
          <section className="card" aria-labelledby="settings">
            <h2 id="settings">{l.settings}</h2>
            {linked ? <p className="muted">{l.settingsLinked}</p> : null}
            <ListForm
              key={data.updated_at}
              initial={data}
              readOnly={linked}
              submitLabel={t.app.save}
              onSubmit={(body) => api.patch<List>(`/v1/lists/${id}`, body)}
              onDone={() => list.reload()}
            />
          </section>
        </>
      ) : null}
      {tab === "sync" ? <SyncWorkbench list={data} link={link.data ?? null} onLinked={link.reload} /> : null}
      {tab === "mailings" ? <MailingsPanel listId={id} /> : null}
      {deleting ? (
        <ConfirmDialog
          open
          title={l.deleteTitle}
          confirmLabel={l.deleteList}
          danger
          onCancel={() => setDeleting(false)}
          onConfirm={() => void remove()}
        >
          <p>{l.deleteText(data.name)}</p>
          {link.data ? (
            <p>
              {l.deleteLinkedText(
                link.data.remote_list_name ?? link.data.remote_list_id,
                toolName(link.data.tool),
              )}
            </p>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
