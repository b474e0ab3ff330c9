// A list's settings as a form: creating a list, and changing one that is not linked to an e-mail tool.
// A linked list shows the same fields read-only (seed 003 §4.3: the settings went to the tool).
import { type FormEvent, useState } from "react";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
import { useSession } from "../../session/session";
import { useSave } from "../settings/useForm";
import { type List, useListText } from "./model";

export interface ListBody {
  name: string;
  description: string | null;
  type: List["type"];
  status: List["status"];
  sender_name: string | null;
  sender_email: string | null;
  reply_to: string | null;
  record_reactions: boolean;
}

const blank: ListBody = {
  name: "",
  description: null,
  type: "email_list",
  status: "running",
  sender_name: null,
  sender_email: null,
  reply_to: null,
  record_reactions: false,
};

function bodyOf(l: List | undefined): ListBody {
  if (!l) return blank;
  const { name, description, type, status, sender_name, sender_email, reply_to, record_reactions } = l;
  return { name, description, type, status, sender_name, sender_email, reply_to, record_reactions };
}

/** Empty text fields go to the API as null ("no value"), not as "". */
const orNull = (v: string) => (v.trim() === "" ? null : v);

export function ListForm({
  initial,
  readOnly,
  submitLabel,
  onSubmit,
  onDone,
  onCancel,
}: {
  initial?: List;
  readOnly?: boolean;
  submitLabel: string;
  onSubmit(body: ListBody): Promise<List>;
  onDone?(saved: List): void;
  onCancel?(): void;
}) {
  const { l, t } = useListText();
  const { canWrite } = useSession();
  const [v, setV] = useState<ListBody>(bodyOf(initial));
  const form = useSave();
  const locked = readOnly || !canWrite;
  const set = <K extends keyof ListBody>(k: K, value: ListBody[K]) => setV((o) => ({ ...o, [k]: value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const saved = await form.save(() => onSubmit(v));
    if (saved) onDone?.(saved);
  }

  const text = (k: "name" | "sender_name" | "sender_email" | "reply_to", label: string, type = "text") => (
    <Field label={label} error={form.at(k)}>
      {(p) => (
        <input
          {...p}
          type={type}
          value={v[k] ?? ""}
          readOnly={locked}
          required={k === "name"}
          onChange={(e) => set(k, k === "name" ? e.target.value : orNull(e.target.value))}
        />
      )}
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate>
      <ErrorBanner error={form.error} />
      {form.saved && initial ? <Notice>{t.app.saved}</Notice> : null}
      <div className="grid2">
        {text("name", l.name)}
        <Field label={l.type} error={form.at("type")}>
          {(p) => (
            <select
              {...p}
              value={v.type}
              disabled={locked}
              onChange={(e) => set("type", e.target.value as ListBody["type"])}
            >
              {Object.entries(l.types).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text("sender_name", l.senderName)}
        {text("sender_email", l.senderEmail, "email")}
        {text("reply_to", l.replyTo, "email")}
        <Field label={l.status} error={form.at("status")}>
          {(p) => (
            <select
              {...p}
              value={v.status}
              disabled={locked}
              onChange={(e) => set("status", e.target.value as ListBody["status"])}
            >
              {Object.entries(l.statuses).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label={l.description} error={form.at("description")}>
        {(p) => (
          <textarea
            {...p}
            rows={2}
            value={v.description ?? ""}
            readOnly={locked}
            onChange={(e) => set("description", orNull(e.target.value))}
          />
        )}
      </Field>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={v.record_reactions}
          disabled={locked}
          onChange={(e) => set("record_reactions", e.target.checked)}
        />{" "}
        {l.recordReactions}
      </label>
      {locked ? null : (
        <div className="actions wizard-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
            {submitLabel}
          </button>
          {onCancel ? (
            <button type="button" className="btn" onClick={onCancel}>
              {t.app.cancel}
            </button>
          ) : null}
        </div>
      )}
    </form>
  );
}
