// Add contacts to a list by a filter (POST /v1/lists/:id/subscriptions/bulk): the conditions of the
// contacts view, another list's members, and the status the new members get.
import { type FormEvent, useState } from "react";
import { api } from "../../api/client";
import { useResource } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner } from "../../components/states";
import { useSave } from "../settings/useForm";
import { type BulkResult, type List, subscriptionStatuses, useListText } from "./model";

interface Draft {
  q: string;
  email: string;
  has_email: boolean;
  consent: boolean;
  from_list_id: string;
  from_list_status: string;
  custom_field: string;
  custom_value: string;
  status: string;
}

const empty: Draft = {
  q: "",
  email: "",
  has_email: false,
  consent: false,
  from_list_id: "",
  from_list_status: "",
  custom_field: "",
  custom_value: "",
  status: "subscribed",
};

/** Only the conditions the user filled in: an empty field is no condition. */
function filterOf(d: Draft): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (d.q.trim()) f.q = d.q.trim();
  if (d.email.trim()) f.email = d.email.trim();
  if (d.has_email) f.has_email = true;
  if (d.consent) f.consent = { channel: "email", purpose: "marketing" };
  if (d.from_list_id) f.from_list_id = d.from_list_id;
  if (d.from_list_id && d.from_list_status) f.from_list_status = d.from_list_status;
  if (d.custom_field.trim()) f.custom_field = d.custom_field.trim();
  if (d.custom_field.trim() && d.custom_value !== "") f.custom_value = d.custom_value;
  return f;
}

export function AddContacts({
  list,
  onAdded,
  onCancel,
}: {
  list: List;
  onAdded(r: BulkResult): void;
  onCancel(): void;
}) {
  const { l, t } = useListText();
  const [d, setD] = useState<Draft>(empty);
  const form = useSave();
  const others = useResource(
    () => api.get<{ items: List[] }>("/v1/lists", { limit: 200 }).then((p) => p.items),
    [],
  );
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((o) => ({ ...o, [k]: v }));
  const at = (k: string) => form.at(`filter.${k}`) ?? form.at(k);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await form.save(() =>
      api.post<BulkResult>(`/v1/lists/${list.id}/subscriptions/bulk`, {
        filter: filterOf(d),
        status: d.status,
      }),
    );
    if (r) onAdded(r);
  }

  const noCondition = Object.keys(filterOf(d)).length === 0;
  return (
    <section className="card" aria-labelledby="add-contacts">
      <h2 id="add-contacts">{l.addTitle}</h2>
      <p className="muted">{l.addIntro}</p>
      <form onSubmit={submit} noValidate>
        <ErrorBanner error={form.error} />
        <div className="grid2">
          <Field label={l.filterQ} error={at("q")}>
            {(p) => <input {...p} value={d.q} onChange={(e) => set("q", e.target.value)} />}
          </Field>
          <Field label={l.filterEmail} error={at("email")}>
            {(p) => (
              <input {...p} type="email" value={d.email} onChange={(e) => set("email", e.target.value)} />
            )}
          </Field>
          <Field label={l.filterFromList} error={at("from_list_id")}>
            {(p) => (
              <select {...p} value={d.from_list_id} onChange={(e) => set("from_list_id", e.target.value)}>
                <option value="">{l.filterFromListNone}</option>
                {(others.data ?? [])
                  .filter((o) => o.id !== list.id)
                  .map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Field label={l.filterFromStatus} error={at("from_list_status")}>
            {(p) => (
              <select
                {...p}
                value={d.from_list_status}
                disabled={!d.from_list_id}
                onChange={(e) => set("from_list_status", e.target.value)}
              >
                <option value="">{t.contact.subscriptionStatuses.subscribed}</option>
                {subscriptionStatuses
                  .filter((s) => s !== "subscribed")
                  .map((s) => (
                    <option key={s} value={s}>
                      {t.contact.subscriptionStatuses[s]}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Field label={l.filterCustomField} error={at("custom_field")}>
            {(p) => (
              <input {...p} value={d.custom_field} onChange={(e) => set("custom_field", e.target.value)} />
            )}
          </Field>
          <Field label={l.filterCustomValue} error={at("custom_value")}>
            {(p) => (
              <input
                {...p}
                value={d.custom_value}
                disabled={!d.custom_field.trim()}
                onChange={(e) => set("custom_value", e.target.value)}
              />
            )}
          </Field>
          <Field label={l.newStatus} error={form.at("status")}>
            {(p) => (
              <select {...p} value={d.status} onChange={(e) => set("status", e.target.value)}>
                {subscriptionStatuses.map((s) => (
                  <option key={s} value={s}>
                    {t.contact.subscriptionStatuses[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={d.has_email} onChange={(e) => set("has_email", e.target.checked)} />{" "}
          {l.filterHasEmail}
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={d.consent} onChange={(e) => set("consent", e.target.checked)} />{" "}
          {l.filterConsent}
        </label>
        {noCondition ? <p className="muted">{l.addEmptyFilter}</p> : null}
        <div className="actions wizard-actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
            {l.add}
          </button>
          <button type="button" className="btn" onClick={onCancel}>
            {t.app.cancel}
          </button>
        </div>
      </form>
    </section>
  );
}
