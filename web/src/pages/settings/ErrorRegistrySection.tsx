// Fehlerverzeichnis (seed 001): every code with label, explanation and remedy in the user's language;
// admins edit the texts and reset an edited entry to the shipped text.
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSave } from "./useForm";

interface Entry {
  code: string;
  category: string;
  severity: string;
  source: string;
  label: string;
  explanation: string;
  remedy: string;
  updated_at: string | null;
  updated_by: string | null;
}

function EditEntry({ entry, onDone }: { entry: Entry; onDone(): void }) {
  const { t, lang } = useI18n();
  const form = useSave();
  const [label, setLabel] = useState(entry.label);
  const [explanation, setExplanation] = useState(entry.explanation);
  const [remedy, setRemedy] = useState(entry.remedy);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await form.save(() =>
      api.put(`/v1/error-registry/${encodeURIComponent(entry.code)}`, {
        label: { [lang]: label },
        explanation: { [lang]: explanation },
        remedy: { [lang]: remedy },
      }),
    );
    if (r) onDone();
  };
  return (
    <form onSubmit={submit} noValidate className="edit-entry">
      <ErrorBanner error={form.error} />
      <Field label={t.settings.label} error={form.at(`label.${lang}`)}>
        {(p) => <input {...p} value={label} onChange={(e) => setLabel(e.target.value)} />}
      </Field>
      <Field label={t.settings.explanation} error={form.at(`explanation.${lang}`)}>
        {(p) => <textarea {...p} value={explanation} onChange={(e) => setExplanation(e.target.value)} />}
      </Field>
      <Field label={t.settings.remedy} error={form.at(`remedy.${lang}`)}>
        {(p) => <textarea {...p} value={remedy} onChange={(e) => setRemedy(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="button" className="btn" onClick={onDone}>
          {t.app.cancel}
        </button>
        <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
          {t.app.save}
        </button>
      </div>
    </form>
  );
}

export function ErrorRegistrySection() {
  const { t, lang } = useI18n();
  const [q, setQ] = useState("");
  const [applied, setApplied] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [resetting, setResetting] = useState<Entry | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = usePaged<Entry>("/v1/error-registry", { q: applied, lang }, 50);
  const reset = async () => {
    const e = resetting;
    setResetting(null);
    if (!e) return;
    try {
      await api.del(`/v1/error-registry/${encodeURIComponent(e.code)}`);
      setNotice(t.app.saved);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-labelledby="er-h">
      <h2 id="er-h">{t.settings.sections.errors}</h2>
      <p className="muted">{t.settings.errorsIntro}</p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q.trim());
        }}
      >
        <label>
          {t.settings.searchErrors}
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary">
          {t.app.filter}
        </button>
      </form>
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorBanner error={error ?? list.error} onRetry={list.reload} />
      <ul className="plain-list registry">
        {list.items.map((e) => (
          <li key={e.code}>
            <div className="registry-head">
              <strong>{e.label}</strong> <code>{e.code}</code>{" "}
              <span className="chip">{t.settings.origins[e.source] ?? e.source}</span>{" "}
              <span className="muted small">{t.settings.errorSeverities[e.severity] ?? e.severity}</span>
            </div>
            {editing === e.code ? (
              <EditEntry
                entry={e}
                onDone={() => {
                  setEditing(null);
                  list.reload();
                }}
              />
            ) : (
              <>
                <p>{e.explanation}</p>
                <p>
                  <em>{t.settings.remedy}:</em> {e.remedy}
                </p>
                <div className="actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    data-write=""
                    onClick={() => setEditing(e.code)}
                  >
                    {t.app.edit}
                  </button>
                  {e.source !== "shipped" ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      data-write=""
                      onClick={() => setResetting(e)}
                    >
                      {t.settings.resetShipped}
                    </button>
                  ) : null}
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
      {list.loading ? <Loading /> : null}
      {!list.loading && list.items.length === 0 && !list.error ? (
        <Empty>{t.states.emptyFiltered}</Empty>
      ) : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      <ConfirmDialog
        open={resetting !== null}
        title={t.settings.resetShipped}
        confirmLabel={t.settings.resetShipped}
        onConfirm={reset}
        onCancel={() => setResetting(null)}
      >
        <p>
          <code>{resetting?.code}</code> {resetting?.label}
        </p>
      </ConfirmDialog>
    </section>
  );
}
