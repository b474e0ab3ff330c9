// Users who sign in to the dashboard (/v1/users, admins): add one (a password is generated and shown once
// unless given), change a role, remove one. The API keeps the last admin.
import { type FormEvent, useState } from "react";
import { ApiError, api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { ConfirmDialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { Empty, ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import { useSave } from "./useForm";

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: string;
  language: string | null;
  disabled?: boolean;
  created_at: string;
  last_login_at?: string | null;
}

const roles = ["admin", "editor", "viewer"];

function AddUser({ onAdded }: { onAdded(): void }) {
  const { t } = useI18n();
  const form = useSave();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState("editor");
  const [password, setPassword] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setPassword(null);
    const r = await form.save(() =>
      api.post<{ password?: string }>("/v1/users", {
        email: email.trim(),
        name: name.trim() || undefined,
        role,
      }),
    );
    if (r) {
      setPassword(r.password ?? null);
      setEmail("");
      setName("");
      onAdded();
    }
  };
  return (
    <form onSubmit={submit} noValidate className="filters">
      <Field label={t.login.email} error={form.at("email")}>
        {(p) => <input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
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
          {t.settings.addUser}
        </button>
      </div>
      {form.error ? <ErrorBanner error={form.error} /> : null}
      {password ? (
        <Notice>
          {t.settings.keyShownOnce} <code>{password}</code>
        </Notice>
      ) : null}
    </form>
  );
}

export function UsersSection() {
  const { t, date } = useI18n();
  const { user: me } = useSession();
  const list = usePaged<UserRow>("/v1/users", {});
  const [removing, setRemoving] = useState<UserRow | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(t.app.saved);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  if (list.error instanceof ApiError && list.error.status === 404) {
    return <p className="card">{t.settings.usersUnavailable}</p>;
  }
  return (
    <section className="card" aria-labelledby="us-h">
      <h2 id="us-h">{t.settings.sections.users}</h2>
      <AddUser onAdded={list.reload} />
      {notice ? <Notice>{notice}</Notice> : null}
      <ErrorBanner error={error ?? list.error} onRetry={list.reload} />
      {list.items.length > 0 ? (
        <table className="table responsive users">
          <thead>
            <tr>
              <th scope="col">{t.settings.name}</th>
              <th scope="col">{t.login.email}</th>
              <th scope="col">{t.settings.role}</th>
              <th scope="col">{t.settings.createdOn}</th>
              <th scope="col">
                <span className="sr-only">{t.app.delete}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((u) => (
              <tr key={u.id}>
                <td data-label={t.settings.name}>{u.name ?? t.app.none}</td>
                <td data-label={t.login.email}>{u.email}</td>
                <td data-label={t.settings.role}>
                  <select
                    aria-label={`${t.settings.role}: ${u.email}`}
                    value={u.role}
                    data-write=""
                    onChange={(e) => void act(() => api.patch(`/v1/users/${u.id}`, { role: e.target.value }))}
                  >
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {t.roles[r]}
                      </option>
                    ))}
                  </select>
                </td>
                <td data-label={t.settings.createdOn}>{date(u.created_at)}</td>
                <td>
                  {u.id !== me?.id ? (
                    <button
                      type="button"
                      className="btn btn-small"
                      data-write=""
                      onClick={() => setRemoving(u)}
                    >
                      {t.app.delete}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.loading ? <Loading /> : null}
      {!list.loading && !list.error && list.items.length === 0 ? <Empty>{t.app.none}</Empty> : null}
      <ConfirmDialog
        open={removing !== null}
        title={t.app.delete}
        confirmLabel={t.app.delete}
        danger
        onConfirm={() => {
          const u = removing;
          setRemoving(null);
          if (u) void act(() => api.del(`/v1/users/${u.id}`));
        }}
        onCancel={() => setRemoving(null)}
      >
        <p>{removing?.email}</p>
      </ConfirmDialog>
    </section>
  );
}
