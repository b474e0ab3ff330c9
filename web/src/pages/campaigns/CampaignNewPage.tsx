// Creating a serial e-mail or serial letter: name, kind, lists, purpose, template and sender. Creating
// returns at once; the recipients load in the background and the campaign page shows how far it is.
import "./campaigns.css";
import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, api, type Page } from "../../api/client";
import { useResource } from "../../api/hooks";
import { Field } from "../../components/Field";
import { localToIso, useDateTimeText } from "../../components/filters";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorBanner, Loading } from "../../components/states";
import { fieldMessage } from "../../i18n/errors";
import { useWorkspace } from "../settings/GeneralSection";
import type { Campaign, ContactFilter, ListSummary, TemplateSummary } from "./model";
import { useCampaignText } from "./model";
import { TrackingCheckbox } from "./TrackingCheckbox";

interface Draft {
  name: string;
  kind: "email" | "letter";
  purpose: string;
  list_ids: string[];
  template_id: string;
  subject: string;
  from: string;
  from_name: string;
  reply_to: string;
  scheduled_at: string;
  tracking: boolean;
  /** Contacts by their details, besides the lists. */
  by_filter: boolean;
  f_q: string;
  f_has_email: boolean;
  f_consent: boolean;
  f_field: string;
  f_value: string;
}

const empty: Draft = {
  name: "",
  kind: "email",
  purpose: "marketing",
  list_ids: [],
  template_id: "",
  subject: "",
  from: "",
  from_name: "",
  reply_to: "",
  scheduled_at: "",
  tracking: true,
  by_filter: false,
  f_q: "",
  f_has_email: false,
  f_consent: false,
  f_field: "",
  f_value: "",
};

/** The contact filter the form describes; every detail given must match. */
function filterOf(d: Draft): ContactFilter {
  const f: ContactFilter = {};
  if (d.f_q.trim()) f.q = d.f_q.trim();
  if (d.f_has_email) f.has_email = true;
  if (d.f_consent) f.consent = { channel: "email", purpose: "marketing" };
  if (d.f_field.trim()) {
    f.custom_field = d.f_field.trim();
    if (d.f_value.trim()) f.custom_value = d.f_value.trim();
  }
  return f;
}

/** The request body: empty fields are left out, so the server's defaults apply. */
function bodyOf(d: Draft) {
  const body: Record<string, unknown> = { name: d.name, kind: d.kind, purpose: d.purpose };
  if (d.list_ids.length) body.list_ids = d.list_ids;
  if (d.by_filter) body.filter = filterOf(d);
  if (d.template_id) body.template_id = d.template_id;
  for (const k of ["subject", "from", "from_name", "reply_to"] as const)
    if (d[k].trim()) body[k] = d[k].trim();
  const at = localToIso(d.scheduled_at);
  if (at) body.scheduled_at = at;
  if (d.kind === "email" && !d.tracking) body.tracking = false;
  return body;
}

export function CampaignNewPage() {
  const { c, t, lang } = useCampaignText();
  const navigate = useNavigate();
  const [d, setD] = useState<Draft>(empty);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const lists = useResource(() => api.get<Page<ListSummary>>("/v1/lists", { limit: 500 }), []);
  const templates = useResource(() => api.get<Page<TemplateSummary>>("/v1/templates", { limit: 500 }), []);
  const ws = useWorkspace();
  const issues = error instanceof ApiError ? error.fieldIssues() : {};
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((old) => ({ ...old, [k]: v }));
  // Typed in the app's language (TT.MM.JJJJ HH:MM in German), not the browser's locale.
  const when = useDateTimeText(d.scheduled_at, (v) => set("scheduled_at", v));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // A time that is no date-time is neither sent at once nor guessed: it stays marked at its field.
    if (when.bad) return;
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<Campaign>("/v1/campaigns", bodyOf(d));
      navigate(`/campaigns/${created.id}`, { state: { notice: c.created } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const toggleList = (id: string, on: boolean) =>
    set("list_ids", on ? [...d.list_ids, id] : d.list_ids.filter((x) => x !== id));
  const fieldError = (k: string) =>
    issues[k] ?? Object.entries(issues).find(([p]) => p.startsWith(`${k}.`))?.[1];

  return (
    <>
      <PageHeader title={c.new} intro={c.listsHint} />
      <ErrorBanner error={error && Object.keys(issues).length === 0 ? error : null} />
      <form className="card" onSubmit={submit} noValidate>
        <div className="form-grid">
          <Field label={c.name} error={fieldError("name")}>
            {(p) => <input {...p} value={d.name} required onChange={(e) => set("name", e.target.value)} />}
          </Field>
          <Field label={c.kind} error={fieldError("kind")}>
            {(p) => (
              <select {...p} value={d.kind} onChange={(e) => set("kind", e.target.value as Draft["kind"])}>
                {Object.entries(c.kinds).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={c.purpose} error={fieldError("purpose")}>
            {(p) => (
              <select {...p} value={d.purpose} onChange={(e) => set("purpose", e.target.value)}>
                {Object.entries(c.purposes).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <fieldset className="checks">
          <legend>{c.lists}</legend>
          {lists.loading ? <Loading /> : null}
          <ErrorBanner error={lists.error} onRetry={lists.reload} />
          {lists.data && lists.data.items.length === 0 ? <Empty>{c.noLists}</Empty> : null}
          {lists.data?.items.map((l) => (
            <label key={l.id}>
              <input
                type="checkbox"
                checked={d.list_ids.includes(l.id)}
                onChange={(e) => toggleList(l.id, e.target.checked)}
              />{" "}
              {l.name}
            </label>
          ))}
          {fieldError("list_ids") ? (
            <small className="field-error" role="alert">
              {fieldMessage(fieldError("list_ids") ?? "", lang)}
            </small>
          ) : null}
        </fieldset>
        <fieldset className="checks">
          <legend>{c.filterLabel}</legend>
          <label>
            <input
              type="checkbox"
              checked={d.by_filter}
              onChange={(e) => set("by_filter", e.target.checked)}
            />{" "}
            {c.byFilter}
          </label>
          {d.by_filter ? (
            <>
              <p className="muted small">{c.filterHint}</p>
              <div className="form-grid">
                <Field label={c.filterQ} error={fieldError("filter.q")}>
                  {(p) => <input {...p} value={d.f_q} onChange={(e) => set("f_q", e.target.value)} />}
                </Field>
                <Field label={c.filterField} error={fieldError("filter.custom_field")}>
                  {(p) => <input {...p} value={d.f_field} onChange={(e) => set("f_field", e.target.value)} />}
                </Field>
                <Field label={c.filterValue} error={fieldError("filter.custom_value")}>
                  {(p) => <input {...p} value={d.f_value} onChange={(e) => set("f_value", e.target.value)} />}
                </Field>
              </div>
              <label>
                <input
                  type="checkbox"
                  checked={d.f_has_email}
                  onChange={(e) => set("f_has_email", e.target.checked)}
                />{" "}
                {c.filterHasEmail}
              </label>
              <label>
                <input
                  type="checkbox"
                  checked={d.f_consent}
                  onChange={(e) => set("f_consent", e.target.checked)}
                />{" "}
                {c.filterConsent}
              </label>
            </>
          ) : null}
        </fieldset>
        <div className="form-grid">
          <Field label={c.template} error={fieldError("template_id")}>
            {(p) => (
              <select
                {...p}
                value={d.template_id}
                onChange={(e) => {
                  const chosen = templates.data?.items.find((x) => x.id === e.target.value);
                  set("template_id", e.target.value);
                  // The template's subject is the natural start; the campaign keeps its own copy.
                  if (chosen && !d.subject.trim()) set("subject", chosen.subject);
                }}
              >
                <option value="">{c.noTemplate}</option>
                {templates.data?.items
                  .filter((x) => x.kind === d.kind)
                  .map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name}
                    </option>
                  ))}
              </select>
            )}
          </Field>
          <Field label={c.subject} error={fieldError("subject")}>
            {(p) => <input {...p} value={d.subject} onChange={(e) => set("subject", e.target.value)} />}
          </Field>
          {d.kind === "email" ? (
            <>
              <Field label={c.from} error={fieldError("from")}>
                {(p) => (
                  <input {...p} type="email" value={d.from} onChange={(e) => set("from", e.target.value)} />
                )}
              </Field>
              <Field label={c.fromName} error={fieldError("from_name")}>
                {(p) => (
                  <input {...p} value={d.from_name} onChange={(e) => set("from_name", e.target.value)} />
                )}
              </Field>
              <Field label={c.replyTo} error={fieldError("reply_to")}>
                {(p) => (
                  <input
                    {...p}
                    type="email"
                    value={d.reply_to}
                    onChange={(e) => set("reply_to", e.target.value)}
                  />
                )}
              </Field>
              <Field
                label={c.scheduledAt}
                hint={c.scheduledHint(when.format)}
                error={when.bad ? t.filters.dateTimeInvalid(when.format) : fieldError("scheduled_at")}
              >
                {(p) => <input {...p} {...when.input} />}
              </Field>
              <TrackingCheckbox
                checked={d.tracking}
                workspaceTracking={ws.data ? ws.data.settings.tracking === true : null}
                onChange={(on) => set("tracking", on)}
              />
            </>
          ) : null}
        </div>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {c.create}
          </button>
          <button type="button" className="btn" onClick={() => navigate("/campaigns")}>
            {t.app.cancel}
          </button>
        </div>
      </form>
    </>
  );
}
