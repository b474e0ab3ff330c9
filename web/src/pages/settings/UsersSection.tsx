// Users who sign in to the dashboard (/v1/users, admins): add one (a password is generated and shown once
// unless given), change a role, remove one. The API keeps the last admin.
import { type FormEvent, useState } from "react";
import { ApiError, api } from "../../api/client";
import { usePaged } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import { RecordSection } from "./RecordSection";
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
          {t.settings.passwordShownOnce} <code data-testid="new-password">{password}</code>
        </Notice>
      ) : null}
    </form>
  );
}

export function UsersSection() {
  const { t, date } = useI18n();
  const { user: me } = useSession();
  const list = usePaged<UserRow>("/v1/users", {});
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const changeRole = async (u: UserRow, role: string) => {
    setError(null);
    setNotice(null);
    try {
      await api.patch(`/v1/users/${u.id}`, { role });
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
    <RecordSection
      name="users"
      title={t.settings.sections.users}
      list={list}
      empty={t.app.none}
      top={<AddUser onAdded={list.reload} />}
      notice={notice}
      error={error}
      columns={[
        { label: t.settings.name, cell: (u) => u.name ?? t.app.none },
        { label: t.login.email, cell: (u) => u.email },
        {
          label: t.settings.role,
          cell: (u) => (
            <select
              aria-label={`${t.settings.role}: ${u.email}`}
              value={u.role}
              data-write=""
              onChange={(e) => void changeRole(u, e.target.value)}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t.roles[r]}
                </option>
              ))}
            </select>
          ),
        },
        { label: t.settings.createdOn, cell: (u) => date(u.created_at) },
      ]}
      remove={{
        label: t.app.delete,
        question: (u) => <p>{u.email}</p>,
        run: (u) => api.del(`/v1/users/${u.id}`),
        done: t.app.saved,
        // Nobody removes themselves here (the API also keeps the last admin).
        offered: (u) => u.id !== me?.id,
      }}
    />
  );
}
