// Sperrliste: block an address with a reason; lifting a block asks for confirmation (DESIGN §4: an admin can
// lift it, and that is logged).
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { LoadMore } from "../../components/filters";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSave } from "./useForm";

interface BlockEntry {
  id: string;
  kind: string;
  address: string | null;
  reason: string;
  source: string;
  created_at: string;
  created_by: string | null;
  active: boolean;
  lifted_at: string | null;
  lifted_by: string | null;
}

function AddBlock({ onAdded }: { onAdded(): void }) {
  const { t } = useI18n();
  const form = useSave();
  const [address, setAddress] = useState("");
  const [reason, setReason] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await form.save(() =>
      api.post("/v1/blocklist", { address: address.trim(), reason: reason.trim() }),
    );
    if (r) {
      setAddress("");
      setReason("");
      onAdded();
    }
  };
  return (
    <form onSubmit={submit} noValidate className="filters">
      <Field label={t.settings.address} error={form.at("address")}>
        {(p) => <input {...p} value={address} onChange={(e) => setAddress(e.target.value)} />}
      </Field>
      <Field label={t.settings.reason} error={form.at("reason")}>
        {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <div className="field">
        <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
          {t.settings.blockAddress}
        </button>
      </div>
      {form.error ? <ErrorBanner error={form.error} /> : null}
    </form>
  );
}

export function BlocklistSection() {
  const { t, date } = useI18n();
  const [lifted, setLifted] = useState(false);
  const [confirm, setConfirm] = useState<BlockEntry | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = usePaged<BlockEntry>("/v1/blocklist", { include_lifted: lifted ? "true" : undefined });
  const unblock = async () => {
    const e = confirm;
    setConfirm(null);
    if (!e) return;
    setError(null);
    try {
      await api.del(`/v1/blocklist/${e.id}`);
      setNotice(t.settings.unblocked);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-labelledby="bl-h">
      <h2 id="bl-h">{t.settings.sections.blocklist}</h2>
      <AddBlock onAdded={list.reload} />
      <div className="check">
        <input id="lifted" type="checkbox" checked={lifted} onChange={(e) => setLifted(e.target.checked)} />
        <label htmlFor="lifted">{t.settings.showLifted}</label>
      </div>
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorBanner error={error ?? list.error} onRetry={list.reload} />
      {list.items.length > 0 ? (
        <table className="table responsive blocklist">
          <thead>
            <tr>
              <th scope="col">{t.settings.address}</th>
              <th scope="col">{t.settings.reason}</th>
              <th scope="col">{t.settings.createdAt}</th>
              <th scope="col">{t.settings.createdBy}</th>
              <th scope="col">
                <span className="sr-only">{t.settings.unblock}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((b) => (
              <tr key={b.id}>
                <td data-label={t.settings.address}>{b.address ?? "—"}</td>
                <td data-label={t.settings.reason}>
                  {b.reason} <span className="muted small">({b.source})</span>
                </td>
                <td data-label={t.settings.createdAt}>{date(b.created_at)}</td>
                <td data-label={t.settings.createdBy}>{b.created_by ?? t.app.none}</td>
                <td>
                  {b.active ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      data-write=""
                      onClick={() => setConfirm(b)}
                    >
                      {t.settings.unblock}
                    </button>
                  ) : (
                    <span className="muted small">
                      {date(b.lifted_at)} {b.lifted_by ?? ""}
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? (
        <Empty>{t.settings.blocklistEmpty}</Empty>
      ) : null}
      <LoadMore hasMore={list.hasMore} loading={list.loading} onClick={list.loadMore} />
      <ConfirmDialog
        open={confirm !== null}
        title={t.settings.unblock}
        confirmLabel={t.settings.unblock}
        danger
        onConfirm={unblock}
        onCancel={() => setConfirm(null)}
      >
        <p>{t.settings.unblockConfirm(confirm?.address ?? "")}</p>
      </ConfirmDialog>
    </section>
  );
}
