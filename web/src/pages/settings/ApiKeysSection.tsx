// API keys of the workspace (admins): create one (the key is shown once), revoke one after confirmation.
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { RecordSection } from "./RecordSection";
import { useSave } from "./useForm";

interface ApiKey {
  id: string;
  role: string;
  name: string | null;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

const roles = ["admin", "editor", "viewer"];

function NewKey({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const form = useSave();
  const [name, setName] = useState("");
  const [role, setRole] = useState("editor");
  const [created, setCreated] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const r = await form.save(() =>
      api.post<{ key: string }>("/v1/api-keys", { role, name: name.trim() || undefined }),
    );
    if (r) {
      setCreated(r.key);
      setName("");
      onCreated();
    }
  };
  return (
    <>
      <form onSubmit={submit} noValidate className="filters">
        <Field label={t.settings.name} error={form.at("name")}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label={t.settings.role} error={form.at("role")}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t.roles[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field">
          <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
            {t.settings.newKey}
          </button>
        </div>
      </form>
      <ErrorBanner error={form.error} />
      {created ? (
        <Notice>
          {t.settings.keyShownOnce} <code data-testid="new-key">{created}</code>
        </Notice>
      ) : null}
    </>
  );
}

export function ApiKeysSection() {
  const { t, date } = useI18n();
  const list = usePaged<ApiKey>("/v1/api-keys", {}, null);
  return (
    <RecordSection
      name="keys"
      title={t.settings.sections.keys}
      list={list}
      empty={t.app.none}
      top={<NewKey onCreated={list.reload} />}
      columns={[
        {
          label: t.settings.name,
          cell: (k) => (
            <>
              {k.name ?? t.app.none} <code className="muted">{k.key_prefix}…</code>
            </>
          ),
        },
        { label: t.settings.role, cell: (k) => t.roles[k.role] ?? k.role },
        { label: t.settings.createdOn, cell: (k) => date(k.created_at) },
        { label: t.settings.lastUsed, cell: (k) => date(k.last_used_at) },
      ]}
      remove={{
        label: t.settings.revoke,
        question: () => <p>{t.settings.revokeConfirm}</p>,
        run: (k) => api.del(`/v1/api-keys/${k.id}`),
        done: t.app.saved,
        offered: (k) => !k.revoked_at,
        instead: (k) => <span className="muted small">{date(k.revoked_at)}</span>,
      }}
    />
  );
}
