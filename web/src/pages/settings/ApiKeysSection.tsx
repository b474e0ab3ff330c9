// API keys of the workspace (admins): create one (the key is shown once), revoke one after confirmation.
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
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

export function ApiKeysSection() {
  const { t, date } = useI18n();
  const list = usePaged<ApiKey>("/v1/api-keys", {});
  const form = useSave();
  const [name, setName] = useState("");
  const [role, setRole] = useState("editor");
  const [created, setCreated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    const r = await form.save(() =>
      api.post<{ key: string }>("/v1/api-keys", { role, name: name.trim() || undefined }),
    );
    if (r) {
      setCreated(r.key);
      setName("");
      list.reload();
    }
  };
  const revoke = async () => {
    const k = revoking;
    setRevoking(null);
    if (!k) return;
    setError(null);
    try {
      await api.del(`/v1/api-keys/${k.id}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-labelledby="keys-h">
      <h2 id="keys-h">{t.settings.sections.keys}</h2>
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
      <ErrorBanner error={form.error ?? error ?? list.error} onRetry={list.error ? list.reload : undefined} />
      {created ? (
        <Notice>
          {t.settings.keyShownOnce} <code data-testid="new-key">{created}</code>
        </Notice>
      ) : null}
      {list.items.length > 0 ? (
        <table className="table responsive keys">
          <thead>
            <tr>
              <th scope="col">{t.settings.name}</th>
              <th scope="col">{t.settings.role}</th>
              <th scope="col">{t.settings.createdOn}</th>
              <th scope="col">{t.settings.lastUsed}</th>
              <th scope="col">
                <span className="sr-only">{t.settings.revoke}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((k) => (
              <tr key={k.id}>
                <td data-label={t.settings.name}>
                  {k.name ?? t.app.none} <code className="muted">{k.key_prefix}…</code>
                </td>
                <td data-label={t.settings.role}>{t.roles[k.role] ?? k.role}</td>
                <td data-label={t.settings.createdOn}>{date(k.created_at)}</td>
                <td data-label={t.settings.lastUsed}>{date(k.last_used_at)}</td>
                <td>
                  {k.revoked_at ? (
                    <span className="muted small">{date(k.revoked_at)}</span>
                  ) : (
                    <button
                      type="button"
                      className="btn btn-small"
                      data-write=""
                      onClick={() => setRevoking(k)}
                    >
                      {t.settings.revoke}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>{t.app.none}</Empty> : null}
      <ConfirmDialog
        open={revoking !== null}
        title={t.settings.revoke}
        confirmLabel={t.settings.revoke}
        danger
        onConfirm={revoke}
        onCancel={() => setRevoking(null)}
      >
        <p>{t.settings.revokeConfirm}</p>
      </ConfirmDialog>
    </section>
  );
}
