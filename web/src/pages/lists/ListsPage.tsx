// Verteiler: every list of the workspace with type and status, filtered by name, type and status; each
// row opens the list's page. Editors create a list here.
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { FilterBar, LoadMore, useUrlFilters } from "../../components/filters";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { useSession } from "../../session/session";
import { ListForm } from "./ListForm";
import { type List, useListText } from "./model";

const keys = ["q", "type", "status"] as const;

export function ListsPage() {
  const { l, t, date } = useListText();
  const { canWrite } = useSession();
  const navigate = useNavigate();
  const { values, apply } = useUrlFilters(keys);
  const [creating, setCreating] = useState(false);
  const lists = usePaged<List>("/v1/lists", { q: values.q, type: values.type, status: values.status });
  const filtered = keys.some((k) => values[k]);
  return (
    <>
      <PageHeader
        title={l.title}
        intro={l.intro}
        actions={
          creating ? null : (
            <WriteButton className="btn btn-primary" onClick={() => setCreating(true)}>
              {l.new}
            </WriteButton>
          )
        }
      />
      {creating ? (
        <section className="card" aria-labelledby="new-list">
          <h2 id="new-list">{l.new}</h2>
          <ListForm
            submitLabel={l.create}
            onCancel={() => setCreating(false)}
            onSubmit={(body) => api.post<List>("/v1/lists", body)}
            onDone={(created) => navigate(`/lists/${created.id}`)}
          />
        </section>
      ) : null}
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <label>
              {l.searchName}
              <input type="search" value={d.q} onChange={(e) => set("q", e.target.value)} />
            </label>
            <label>
              {l.type}
              <select value={d.type} onChange={(e) => set("type", e.target.value)}>
                <option value="">{t.app.all}</option>
                {Object.entries(l.types).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {l.status}
              <select value={d.status} onChange={(e) => set("status", e.target.value)}>
                <option value="">{t.app.all}</option>
                {Object.entries(l.statuses).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
      </FilterBar>
      <ErrorBanner error={lists.error} onRetry={lists.reload} />
      {lists.items.length > 0 ? (
        <table className="table responsive lists">
          <caption className="sr-only">{l.title}</caption>
          <thead>
            <tr>
              <th scope="col">{l.name}</th>
              <th scope="col">{l.type}</th>
              <th scope="col">{l.status}</th>
              <th scope="col">{l.created}</th>
            </tr>
          </thead>
          <tbody>
            {lists.items.map((x) => (
              <tr key={x.id} className="clickable" onClick={() => navigate(`/lists/${x.id}`)}>
                <td data-label={l.name}>
                  <a href={`/lists/${x.id}`} onClick={(e) => e.preventDefault()}>
                    {x.name}
                  </a>
                  {x.description ? <div className="muted">{x.description}</div> : null}
                </td>
                <td data-label={l.type}>{l.types[x.type] ?? x.type}</td>
                <td data-label={l.status}>{l.statuses[x.status] ?? x.status}</td>
                <td data-label={l.created}>{date(x.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {lists.loading ? <Loading /> : null}
      {!lists.loading && !lists.error && lists.items.length === 0 ? (
        <Empty>{filtered ? t.states.emptyFiltered : canWrite ? l.empty : l.emptyViewer}</Empty>
      ) : null}
      <LoadMore hasMore={lists.hasMore} loading={lists.loading} onClick={lists.loadMore} />
    </>
  );
}
