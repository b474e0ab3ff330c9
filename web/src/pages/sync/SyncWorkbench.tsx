// The sync workbench of a linked list (seed 003 §5): 1. fetch the tool's state (a run with progress),
// 2. review the results through saved filters and decide a task per member (or mark all "not in tool"
// for transmission at once), 3. transmit after seeing the counts per task. Unlinked lists are linked first.
import { useState } from "react";
import { ApiError, api } from "../../api/client";
import { usePaged, useResource } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { useSession } from "../../session/session";
import { type Link, type List, rowOfSyncMember, type SyncMember, useListText } from "../lists/model";
import { ConnectPanel, toolName } from "./ConnectPanel";
import { ExpertOptions, ScheduleCard } from "./LinkOptions";
import { MemberDetail } from "./MemberDetail";
import { RunProgress } from "./RunProgress";
import { isActive, type SyncRun, useRunPoll } from "./runs";

interface Review {
  tasks: Record<string, number>;
  total: number;
  will_not_transmit_blocklisted: number;
  results: Record<string, number>;
  warnings: string[];
}

const savedFilters = [
  "",
  "conflicts",
  "conflicts_open",
  "new_in_list",
  "new_contacts",
  "not_in_tool",
  "not_in_tool_open",
  "with_task",
  "blocklisted",
  "blocklisted_not_transmitted",
  "bounces",
  "transmit_errors",
  "opened",
  "clicked",
  "not_opened",
];

export function SyncWorkbench({ list, link, onLinked }: { list: List; link: Link | null; onLinked(): void }) {
  if (!link) return <ConnectPanel list={list} onLinked={onLinked} />;
  return <Workbench list={list} link={link} onChanged={onLinked} />;
}

function Workbench({ list, link, onChanged }: { list: List; link: Link; onChanged(): void }) {
  const { l, date, number } = useListText();
  const base = `/v1/lists/${list.id}/sync`;
  const runs = useResource(
    () => api.get<{ items: SyncRun[] }>(`${base}/runs`, { limit: 10 }).then((p) => p.items),
    [list.id],
  );
  const review = useResource(() => api.get<Review>(`${base}/review`), [list.id]);
  const [tick, setTick] = useState(0);
  const [started, setStarted] = useState<SyncRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirmFetch, setConfirmFetch] = useState(false);
  const [confirmTransmit, setConfirmTransmit] = useState(false);
  const latest = started ?? runs.data?.[0] ?? null;
  const poll = useRunPoll(list.id, latest && isActive(latest) ? latest : null, () => {
    setTick((n) => n + 1);
    runs.reload();
    review.reload();
    onChanged();
  });
  const shownRun = poll.run ?? latest;
  const busy = shownRun !== null && isActive(shownRun);

  async function start(kind: "fetch" | "transmit", confirm: boolean) {
    setError(null);
    setConfirmFetch(false);
    setConfirmTransmit(false);
    try {
      const run = await api.post<SyncRun>(`${base}/${kind}`, confirm ? { confirm: true } : {});
      setStarted(run);
    } catch (e) {
      // A fetch that would clear decisions not yet transmitted asks first.
      if (kind === "fetch" && e instanceof ApiError && e.status === 409 && !confirm) setConfirmFetch(true);
      else setError(e);
    }
  }

  return (
    <>
      <section className="card" aria-labelledby="linked">
        <h2 id="linked">{l.linkedTo(toolName(link.tool), link.remote_list_name ?? link.remote_list_id)}</h2>
        <dl className="props">
          <dt>{l.lastFetch}</dt>
          <dd>{date(link.last_fetch_at)}</dd>
          <dt>{l.lastTransmit}</dt>
          <dd>{date(link.last_transmit_at)}</dd>
        </dl>
      </section>
      <ErrorBanner error={error ?? poll.error} />
      <section className="card" aria-labelledby="step1">
        <h2 id="step1">{l.step1}</h2>
        <p className="muted">{l.step1Intro}</p>
        <WriteButton className="btn btn-primary" disabled={busy} onClick={() => void start("fetch", false)}>
          {l.fetch}
        </WriteButton>
        {shownRun ? <RunProgress run={shownRun} /> : null}
      </section>
      <ReviewStep
        key={tick}
        listId={list.id}
        onDecided={review.reload}
        hasRuns={(runs.data ?? []).length > 0}
      />
      <section className="card" aria-labelledby="step3">
        <h2 id="step3">{l.step3}</h2>
        <p className="muted">{l.step3Intro}</p>
        <ErrorBanner error={review.error} onRetry={review.reload} />
        {review.data ? (
          <>
            <ul className="counts" aria-label={l.step3}>
              {Object.entries(review.data.tasks).map(([task, n]) => (
                <li key={task}>
                  <strong>{number(n)}</strong> {l.tasks[task] ?? task}
                </li>
              ))}
            </ul>
            {review.data.will_not_transmit_blocklisted > 0 ? (
              <p>{l.blockedNotSent(number(review.data.will_not_transmit_blocklisted))}</p>
            ) : null}
            {review.data.warnings.map((w) => (
              <p key={w} className="muted">
                {w}
              </p>
            ))}
            {review.data.total === 0 ? <Empty>{l.nothingToTransmit}</Empty> : null}
            <WriteButton
              className="btn btn-primary"
              disabled={busy || review.data.total === 0}
              onClick={() => setConfirmTransmit(true)}
            >
              {l.transmit}
            </WriteButton>
          </>
        ) : (
          <Loading />
        )}
      </section>
      <RunsTable runs={runs.data ?? []} />
      <ScheduleCard listId={list.id} link={link} onChanged={onChanged} />
      <ExpertOptions listId={list.id} link={link} onChanged={onChanged} />
      {/* One dialog at a time: they share the heading id. */}
      {confirmFetch ? (
        <ConfirmDialog
          open
          title={l.fetchConfirmTitle}
          confirmLabel={l.fetch}
          danger
          onCancel={() => setConfirmFetch(false)}
          onConfirm={() => void start("fetch", true)}
        >
          <p>{l.fetchConfirm}</p>
        </ConfirmDialog>
      ) : null}
      {confirmTransmit ? (
        <ConfirmDialog
          open
          title={l.transmitTitle}
          confirmLabel={l.transmit}
          onCancel={() => setConfirmTransmit(false)}
          onConfirm={() => void start("transmit", true)}
        >
          <p>{l.transmitText(number(review.data?.total ?? 0))}</p>
          <ul>
            {Object.entries(review.data?.tasks ?? {})
              .filter(([, n]) => n > 0)
              .map(([task, n]) => (
                <li key={task}>
                  {l.tasks[task] ?? task}: {number(n)}
                </li>
              ))}
          </ul>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function ReviewStep({ listId, hasRuns, onDecided }: { listId: string; hasRuns: boolean; onDecided(): void }) {
  const { l, t, number } = useListText();
  const { canWrite } = useSession();
  const [filter, setFilter] = useState("conflicts");
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const members = usePaged<SyncMember>(`/v1/lists/${listId}/sync/members`, { filter });

  async function decide(m: SyncMember, task: string) {
    setError(null);
    setNotice("");
    try {
      await api.put(`/v1/lists/${listId}/sync/members/${m.subscription_id}/task`, { task: task || null });
      setNotice(l.taskSaved);
      members.reload();
      onDecided();
    } catch (e) {
      setError(e);
    }
  }

  async function markAll() {
    setError(null);
    try {
      const r = await api.post<{ marked?: number; count?: number }>(
        `/v1/lists/${listId}/sync/mark-for-transmission`,
        {},
      );
      setNotice(l.marked(number(r?.marked ?? r?.count ?? 0)));
      members.reload();
      onDecided();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="step2">
      <h2 id="step2">{l.step2}</h2>
      <p className="muted">{l.step2Intro}</p>
      <div className="filters">
        <label>
          {l.filter}
          <select value={filter} onChange={(e) => setFilter(e.target.value)}>
            {savedFilters.map((f) => (
              <option key={f} value={f}>
                {l.filters[f]}
              </option>
            ))}
          </select>
        </label>
        <WriteButton className="btn" onClick={() => void markAll()}>
          {l.markAll}
        </WriteButton>
      </div>
      <ErrorBanner error={error ?? members.error} onRetry={error ? undefined : members.reload} />
      {notice ? <Notice>{notice}</Notice> : null}
      {members.items.length > 0 ? (
        <table className="table responsive sync-members">
          <caption className="sr-only">{l.filters[filter]}</caption>
          <thead>
            <tr>
              <th scope="col">{l.contact}</th>
              <th scope="col">{l.subscriptionStatus}</th>
              <th scope="col">{l.sync}</th>
              <th scope="col">{l.task}</th>
              <th scope="col">{t.app.details}</th>
            </tr>
          </thead>
          <tbody>
            {members.items.map((m) => {
              const r = rowOfSyncMember(m);
              const options = [...new Set([...(m.task ? [m.task] : []), ...m.offered_tasks])];
              return (
                <MemberRowView
                  key={m.subscription_id}
                  open={open === m.subscription_id}
                  onToggle={() => setOpen(open === m.subscription_id ? null : m.subscription_id)}
                  listId={listId}
                  member={m}
                  name={r.name}
                  email={r.email}
                  status={t.contact.subscriptionStatuses[r.status] ?? r.status}
                  task={
                    canWrite && (options.length > 0 || m.task) ? (
                      <select
                        aria-label={l.taskFor(r.name)}
                        value={m.task ?? ""}
                        data-write=""
                        onChange={(e) => void decide(m, e.target.value)}
                      >
                        <option value="">{l.noTask}</option>
                        {options.map((o) => (
                          <option key={o} value={o}>
                            {l.tasks[o] ?? o}
                          </option>
                        ))}
                      </select>
                    ) : m.task ? (
                      (l.tasks[m.task] ?? m.task)
                    ) : (
                      t.app.none
                    )
                  }
                />
              );
            })}
          </tbody>
        </table>
      ) : null}
      {members.loading ? <Loading /> : null}
      {!members.loading && !members.error && members.items.length === 0 ? (
        <Empty>{hasRuns ? l.noSyncMembers : l.notFetchedYet}</Empty>
      ) : null}
      <LoadMore hasMore={members.hasMore} loading={members.loading} onClick={members.loadMore} />
    </section>
  );
}

function MemberRowView({
  listId,
  member,
  name,
  email,
  status,
  task,
  open,
  onToggle,
}: {
  listId: string;
  member: SyncMember;
  name: string;
  email: string | null;
  status: string;
  task: React.ReactNode;
  open: boolean;
  onToggle(): void;
}) {
  const { l, t } = useListText();
  const detailId = `detail-${member.subscription_id}`;
  return (
    <>
      <tr>
        <td data-label={l.contact}>
          {name}
          {email && email !== name ? <div className="muted">{email}</div> : null}
        </td>
        <td data-label={l.subscriptionStatus}>{status}</td>
        <td data-label={l.sync}>
          {member.result ? (l.results[member.result] ?? member.result) : l.notReconciled}
        </td>
        <td data-label={l.task}>{task}</td>
        <td data-label={t.app.details}>
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={onToggle}
          >
            {l.detailTitle(name)}
          </button>
        </td>
      </tr>
      {open ? (
        <tr id={detailId}>
          <td colSpan={5}>
            <MemberDetail listId={listId} member={member} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function RunsTable({ runs }: { runs: SyncRun[] }) {
  const { l, date, number } = useListText();
  if (runs.length === 0) return null;
  return (
    <section className="card" aria-labelledby="runs">
      <h2 id="runs">{l.runs}</h2>
      <table className="table responsive">
        <caption className="sr-only">{l.runs}</caption>
        <thead>
          <tr>
            <th scope="col">{l.runStarted}</th>
            <th scope="col">{l.type}</th>
            <th scope="col">{l.status}</th>
            <th scope="col">{l.runCounts}</th>
            <th scope="col">{l.setBy}</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td data-label={l.runStarted}>{date(r.created_at)}</td>
              <td data-label={l.type}>{l.runKinds[r.kind]}</td>
              <td data-label={l.status}>
                {l.runStatuses[r.status] ?? r.status}
                {r.error ? <div className="field-error">{r.error}</div> : null}
              </td>
              <td data-label={l.runCounts}>
                {Object.entries(r.counts)
                  .filter(([, n]) => n > 0)
                  .map(([k, n]) => `${l.countNames[k] ?? l.results[k] ?? l.tasks[k] ?? k}: ${number(n)}`)
                  .join(" · ") || "—"}
              </td>
              <td data-label={l.setBy}>{r.triggered_by}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
