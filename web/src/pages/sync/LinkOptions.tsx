// A linked list's schedule and expert options (seed 003 §5.5). The schedule fetches regularly and never
// transmits. The expert options (copy the remote id, delete the link, enter the id by hand, choose the list
// again) each show the seed's warning in a confirmation and are sent with confirm: true only after it.
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { useResource } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
import { WriteButton } from "../../components/WriteButton";
import { useSession } from "../../session/session";
import type { Link } from "../lists/model";
import { useListText } from "../lists/model";
import { useSave } from "../settings/useForm";

export function ScheduleCard({ listId, link, onChanged }: { listId: string; link: Link; onChanged(): void }) {
  const { l } = useListText();
  const { canWrite } = useSession();
  const form = useSave();
  const [minutes, setMinutes] = useState(String(link.fetch_every_minutes ?? 60));
  const [notice, setNotice] = useState("");
  const save = async (every: number | null) => {
    setNotice("");
    const r = await form.save(() => api.patch(`/v1/lists/${listId}/link`, { fetch_every_minutes: every }));
    if (r) {
      setNotice(every === null ? l.scheduleCleared : l.scheduleSaved);
      onChanged();
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(minutes.trim() === "" ? Number.NaN : Number(minutes));
  };
  return (
    <section className="card" aria-labelledby="schedule">
      <h2 id="schedule">{l.scheduleTitle}</h2>
      <p className="muted">{l.scheduleIntro}</p>
      <p data-testid="schedule-state">
        {link.fetch_every_minutes ? l.scheduleNow(link.fetch_every_minutes) : l.scheduleOff}
      </p>
      {notice ? <Notice>{notice}</Notice> : null}
      {canWrite ? (
        <form onSubmit={submit} noValidate className="filters">
          <Field label={l.scheduleEvery} error={form.at("fetch_every_minutes")}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={5}
                max={10080}
                value={minutes}
                onChange={(e) => setMinutes(e.target.value)}
              />
            )}
          </Field>
          <div className="field">
            <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
              {l.scheduleSave}
            </button>
          </div>
          {link.fetch_every_minutes ? (
            <div className="field">
              <button
                type="button"
                className="btn"
                disabled={form.busy}
                data-write=""
                onClick={() => void save(null)}
              >
                {l.scheduleClear}
              </button>
            </div>
          ) : null}
        </form>
      ) : null}
      {form.error && !form.at("fetch_every_minutes") ? <ErrorBanner error={form.error} /> : null}
    </section>
  );
}

interface RemoteList {
  id: string;
  name: string;
}

type Pending =
  | { kind: "detach" }
  | { kind: "entered"; remoteId: string }
  | { kind: "chosen"; remoteId: string; name: string };

/** The warning the seed gives for each option, shown in its confirmation. */
function warningOf(p: Pending, l: ReturnType<typeof useListText>["l"]): string[] {
  if (p.kind === "detach") return [l.warnDetach, l.warnOnlyAfterMistake];
  if (p.kind === "entered") return [l.warnRelink, l.warnEntered, l.warnOnlyAfterMistake];
  return [l.warnRelink, l.warnOnlyAfterMistake];
}

function titleOf(p: Pending, l: ReturnType<typeof useListText>["l"]): string {
  return p.kind === "detach" ? l.detach : p.kind === "entered" ? l.enterId : l.chooseAgain;
}

export function ExpertOptions({
  listId,
  link,
  onChanged,
}: {
  listId: string;
  link: Link;
  onChanged(): void;
}) {
  const { l } = useListText();
  const { canWrite } = useSession();
  const [entered, setEntered] = useState("");
  const [chosen, setChosen] = useState("");
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState("");
  const form = useSave();
  const remote = useResource(
    () =>
      canWrite
        ? api.get<{ items: RemoteList[] }>(`/v1/email-tools/${link.connection_id}/lists`).then((p) => p.items)
        : Promise.resolve([] as RemoteList[]),
    [link.connection_id, canWrite],
  );
  const others = (remote.data ?? []).filter((r) => r.id !== link.remote_list_id);
  const choice = chosen || others[0]?.id || "";
  const copy = async () => {
    await navigator.clipboard?.writeText(link.remote_list_id).catch(() => undefined);
    setNotice(l.copied);
  };
  const go = async () => {
    const p = pending;
    setPending(null);
    if (!p) return;
    setNotice("");
    const r = await form.save(() =>
      p.kind === "detach"
        ? api.post(`/v1/lists/${listId}/link/detach`, { confirm: true })
        : api.put(`/v1/lists/${listId}/link/remote`, {
            remote_list_id: p.remoteId,
            how: p.kind,
            confirm: true,
          }),
    );
    if (r) {
      setNotice(p.kind === "detach" ? l.detached : l.relinked);
      setEntered("");
      onChanged();
    }
  };
  const ask = (e: FormEvent, p: Pending) => {
    e.preventDefault();
    setPending(p);
  };
  return (
    <details className="card expert">
      <summary>
        <h2 id="expert">{l.expertTitle}</h2>
      </summary>
      <p className="muted">{l.expertIntro}</p>
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorBanner error={form.error ?? remote.error} />
      <dl className="props">
        <dt>{l.remoteId}</dt>
        <dd>
          <code data-testid="remote-id">{link.remote_list_id}</code>{" "}
          <button type="button" className="btn btn-small" onClick={() => void copy()}>
            {l.copyId}
          </button>
        </dd>
      </dl>
      {canWrite ? (
        <>
          <WriteButton className="btn btn-danger" onClick={() => setPending({ kind: "detach" })}>
            {l.detach}
          </WriteButton>
          <form
            className="filters"
            noValidate
            aria-label={l.enterId}
            onSubmit={(e) => ask(e, { kind: "entered", remoteId: entered.trim() })}
          >
            <Field label={l.enteredId} error={form.at("remote_list_id")}>
              {(p) => <input {...p} value={entered} onChange={(e) => setEntered(e.target.value)} />}
            </Field>
            <div className="field">
              <button type="submit" className="btn" data-write="" disabled={!entered.trim() || form.busy}>
                {l.enterId}
              </button>
            </div>
          </form>
          {others.length > 0 ? (
            <form
              className="filters"
              noValidate
              aria-label={l.chooseAgain}
              onSubmit={(e) =>
                ask(e, {
                  kind: "chosen",
                  remoteId: choice,
                  name: others.find((r) => r.id === choice)?.name ?? choice,
                })
              }
            >
              <Field label={l.chosenList}>
                {(p) => (
                  <select {...p} value={choice} onChange={(e) => setChosen(e.target.value)}>
                    {others.map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <div className="field">
                <button type="submit" className="btn" data-write="" disabled={form.busy}>
                  {l.chooseAgain}
                </button>
              </div>
            </form>
          ) : null}
        </>
      ) : null}
      {pending ? (
        <ConfirmDialog
          open
          title={titleOf(pending, l)}
          confirmLabel={titleOf(pending, l)}
          danger
          onCancel={() => setPending(null)}
          onConfirm={() => void go()}
        >
          {pending.kind === "detach" ? null : (
            <p>
              <strong>{pending.kind === "chosen" ? pending.name : pending.remoteId}</strong>
            </p>
          )}
          {warningOf(pending, l).map((w) => (
            <p key={w}>{w}</p>
          ))}
        </ConfirmDialog>
      ) : null}
    </details>
  );
}
