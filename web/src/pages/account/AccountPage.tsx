// Mein Konto: who is signed in, and the own password changed with the current one (PATCH /v1/auth/me; the
// API ends the user's other sessions). A password an admin generated is shown once: here its owner replaces it.
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { Field } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { ErrorBanner, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSession } from "../../session/session";
import { useSave } from "../settings/useForm";

export function AccountPage() {
  const { t } = useI18n();
  const a = t.account;
  const { user } = useSession();
  const form = useSave();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [changed, setChanged] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChanged(false);
    // Two different new passwords are told at the repeat, and nothing is sent.
    setMismatch(next !== again);
    if (next !== again) return;
    const r = await form.save(() =>
      api.patch("/v1/auth/me", { current_password: current, new_password: next }),
    );
    if (r !== undefined) {
      setChanged(true);
      setCurrent("");
      setNext("");
      setAgain("");
    }
  };
  return (
    <>
      <PageHeader title={a.title} intro={a.intro} />
      <section className="card" aria-labelledby="account-h">
        <h2 id="account-h">{a.who}</h2>
        <dl className="props">
          <dt>{t.settings.name}</dt>
          <dd>{user?.name || t.app.none}</dd>
          <dt>{t.login.email}</dt>
          <dd>{user?.email}</dd>
          <dt>{t.settings.role}</dt>
          <dd>{user ? (t.roles[user.role] ?? user.role) : t.app.none}</dd>
        </dl>
      </section>
      <form className="card" onSubmit={submit} noValidate aria-labelledby="password-h">
        <h2 id="password-h">{a.passwordTitle}</h2>
        {changed ? <Notice>{a.changed}</Notice> : null}
        <ErrorBanner error={form.error} />
        <Field label={a.current} error={form.at("current_password")}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          )}
        </Field>
        <Field label={a.next} hint={a.nextHint} error={form.at("new_password")}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          )}
        </Field>
        <Field label={a.again} error={mismatch ? a.mismatch : undefined}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy}>
            {a.change}
          </button>
        </div>
      </form>
    </>
  );
}
