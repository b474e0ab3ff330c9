// Sperrliste: block an address with a reason; lifting a block asks for confirmation (DESIGN §4: an admin can
// lift it, and that is logged).
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner } from "../../components/states";
import { useI18n } from "../../i18n";
import { RecordSection } from "./RecordSection";
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
  const list = usePaged<BlockEntry>("/v1/blocklist", { include_lifted: lifted ? "true" : undefined });
  return (
    <RecordSection
      name="blocklist"
      title={t.settings.sections.blocklist}
      list={list}
      empty={t.settings.blocklistEmpty}
      top={
        <>
          <AddBlock onAdded={list.reload} />
          <div className="check">
            <input
              id="lifted"
              type="checkbox"
              checked={lifted}
              onChange={(e) => setLifted(e.target.checked)}
            />
            <label htmlFor="lifted">{t.settings.showLifted}</label>
          </div>
        </>
      }
      columns={[
        { label: t.settings.address, cell: (b) => b.address ?? t.app.none },
        {
          label: t.settings.reason,
          cell: (b) => (
            <>
              {b.reason} <span className="muted small">({b.source})</span>
            </>
          ),
        },
        { label: t.settings.createdAt, cell: (b) => date(b.created_at) },
        { label: t.settings.createdBy, cell: (b) => b.created_by ?? t.app.none },
      ]}
      remove={{
        label: t.settings.unblock,
        question: (b) => <p>{t.settings.unblockConfirm(b.address ?? "")}</p>,
        run: (b) => api.del(`/v1/blocklist/${b.id}`),
        done: t.settings.unblocked,
        offered: (b) => b.active,
        instead: (b) => (
          <span className="muted small">
            {date(b.lifted_at)} {b.lifted_by ?? ""}
          </span>
        ),
      }}
    />
  );
}
