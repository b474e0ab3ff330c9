// Serienkorrespondenz (seed 004): every serial e-mail and serial letter with its state and progress,
// filtered by state and kind; the way in to creating one.
import "./campaigns.css";
import { Link } from "react-router-dom";
import { usePaged } from "../../api/hooks";
import { FilterBar, LoadMore, useUrlFilters } from "../../components/filters";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { useSession } from "../../session/session";
import { type Campaign, stateTone, useCampaignText } from "./model";

const keys = ["state", "kind"] as const;

export function StateChip({ state }: { state: string }) {
  const { c } = useCampaignText();
  return <span className={`state-chip tone-${stateTone(state)}`}>{c.states[state] ?? state}</span>;
}

export function CampaignsPage() {
  const { c, t, date, number } = useCampaignText();
  const { canWrite } = useSession();
  const { values, apply } = useUrlFilters(keys);
  const list = usePaged<Campaign>("/v1/campaigns", { state: values.state, kind: values.kind });
  const filtered = keys.some((k) => values[k]);
  return (
    <>
      <PageHeader
        title={c.title}
        intro={c.intro}
        actions={
          canWrite ? (
            <Link className="btn btn-primary" to="/campaigns/new">
              {c.new}
            </Link>
          ) : null
        }
      />
      <FilterBar keys={keys} values={values} apply={apply}>
        {(d, set) => (
          <>
            <label>
              {c.state}
              <select value={d.state} onChange={(e) => set("state", e.target.value)}>
                <option value="">{t.app.all}</option>
                {Object.entries(c.states).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {c.kind}
              <select value={d.kind} onChange={(e) => set("kind", e.target.value)}>
                <option value="">{t.app.all}</option>
                {Object.entries(c.kinds).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
      </FilterBar>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.items.length > 0 ? (
        <table className="table responsive">
          <caption className="sr-only">{c.title}</caption>
          <thead>
            <tr>
              <th scope="col">{c.name}</th>
              <th scope="col">{c.kind}</th>
              <th scope="col">{c.state}</th>
              <th scope="col">{c.recipients}</th>
              <th scope="col">{t.activities.when}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((x) => (
              <tr key={x.id}>
                <td data-label={c.name}>
                  <Link to={`/campaigns/${x.id}`}>{x.name}</Link>
                </td>
                <td data-label={c.kind}>{c.kinds[x.kind] ?? x.kind}</td>
                <td data-label={c.state}>
                  <StateChip state={x.state} />
                </td>
                <td data-label={c.recipients}>{number(x.recipient_count)}</td>
                <td data-label={t.activities.when}>
                  <time dateTime={x.created_at}>{date(x.created_at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        <Empty>{filtered ? t.states.emptyFiltered : c.empty}</Empty>
      ) : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
    </>
  );
}
