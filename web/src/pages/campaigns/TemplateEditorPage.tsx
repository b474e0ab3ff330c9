// The template editor (seed 004 "Vorlage"): subject, HTML (or MJML) and text with merge fields, a live
// preview for a chosen contact, and every problem shown at its part with line and column — before anything
// is saved or sent. The preview renders the unsaved parts (POST /v1/templates/preview).
import "./campaigns.css";
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { ApiError, api, type Page } from "../../api/client";
import { PageHeader } from "../../components/PageHeader";
import { ErrorBanner, Loading, Notice } from "../../components/states";
import { fieldMessage, templatePartName, templateProblemText } from "../../i18n/errors";
import { useSession } from "../../session/session";
import { useCampaignText } from "./model";

interface Template {
  id: string;
  name: string;
  kind: string;
  language: string;
  subject: string;
  html: string | null;
  text: string | null;
  mjml: string | null;
}

interface Problem {
  part: string;
  line: number | null;
  column: number | null;
  message: string;
}

interface Rendered {
  subject: string;
  html: string | null;
  text: string | null;
}

interface ContactHit {
  id: string;
  first_name: string | null;
  last_name: string | null;
  emails: string[];
}

const PREVIEW_DELAY_MS = 500;

function problemsOf(e: unknown): Problem[] {
  if (!(e instanceof ApiError) || !Array.isArray(e.details)) return [];
  return (e.details as Problem[]).filter((d) => d && typeof d.part === "string");
}

function Problems({ part, problems }: { part: string; problems: Problem[] }) {
  const { c, lang } = useCampaignText();
  const mine = problems.filter((p) => p.part === part);
  if (mine.length === 0) return null;
  return (
    <div role="alert">
      <ul className="problems">
        {mine.map((p) => (
          <li key={`${p.line}:${p.column}:${p.message}`}>
            {c.problemAt(templatePartName(part, lang), p.line, p.column)}:{" "}
            {templateProblemText(p.message, lang)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One part of the template (MJML, HTML or text) as a code area, with its problems underneath. */
function PartField(props: {
  id: string;
  label: string;
  value: string;
  onChange(v: string): void;
  readOnly: boolean;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        className="code-area"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        readOnly={props.readOnly}
      />
      {props.children}
    </div>
  );
}

/** Finds a contact by name or address for the preview. */
function ContactPicker({ value, onChange }: { value: string; onChange(id: string): void }) {
  const { c } = useCampaignText();
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<ContactHit[]>([]);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api.get<Page<ContactHit>>("/v1/contacts", { q: q || undefined, limit: 20 }).then(
        (p) => live && setHits(p.items),
        () => live && setHits([]),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  return (
    <div className="form-grid">
      <label>
        {c.previewFor}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <label>
        <span className="sr-only">{c.previewFor}</span>
        <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={c.previewFor}>
          <option value="">{c.sampleContact}</option>
          {hits.map((h) => (
            <option key={h.id} value={h.id}>
              {[h.first_name, h.last_name].filter(Boolean).join(" ") || h.id}{" "}
              {h.emails[0] ? `<${h.emails[0]}>` : ""}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function TemplateEditorPage() {
  const { id = "new" } = useParams();
  const [search] = useSearchParams();
  const isNew = id === "new";
  const { c, t, lang } = useCampaignText();
  const { canWrite } = useSession();
  const navigate = useNavigate();
  const [loaded, setLoaded] = useState(isNew);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [kind, setKind] = useState(search.get("kind") === "letter" ? "letter" : "email");
  const [subject, setSubject] = useState("");
  const [html, setHtml] = useState("");
  const [text, setText] = useState("");
  const [mjml, setMjml] = useState("");
  const [useMjml, setUseMjml] = useState(false);
  const [contactId, setContactId] = useState("");
  const [preview, setPreview] = useState<Rendered | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const [updating, setUpdating] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (isNew) return;
    api.get<Template>(`/v1/templates/${id}`).then(
      (tpl) => {
        setName(tpl.name);
        setKind(tpl.kind);
        setSubject(tpl.subject);
        setHtml(tpl.mjml ? "" : (tpl.html ?? ""));
        setText(tpl.text ?? "");
        setMjml(tpl.mjml ?? "");
        setUseMjml(tpl.mjml !== null);
        setLoaded(true);
      },
      (e) => setLoadError(e),
    );
  }, [id, isNew]);

  const parts = () => ({
    subject,
    html: useMjml ? null : html || null,
    mjml: useMjml ? mjml || null : null,
    text: text || null,
  });

  // The live preview: re-rendered a moment after the last keystroke.
  // biome-ignore lint/correctness/useExhaustiveDependencies: parts() reads exactly these values.
  useEffect(() => {
    if (!loaded || !subject) return;
    let live = true;
    setUpdating(true);
    const timer = setTimeout(() => {
      api
        .post<Rendered>("/v1/templates/preview", { kind, ...parts(), contact_id: contactId || undefined })
        .then(
          (r) => {
            if (!live) return;
            setPreview(r);
            setPreviewError(null);
          },
          (e) => live && setPreviewError(e),
        )
        .finally(() => live && setUpdating(false));
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [loaded, kind, subject, html, text, mjml, useMjml, contactId]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setSaveError(null);
    setSaved(false);
    try {
      if (isNew) {
        const body = { name, kind, ...parts() };
        const created = await api.post<Template>(
          "/v1/templates",
          Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null)),
        );
        navigate(`/campaigns/templates/${created.id}`, { replace: true });
      } else {
        await api.patch(`/v1/templates/${id}`, { name, kind, ...parts() });
      }
      setSaved(true);
    } catch (err) {
      setSaveError(err);
    }
  };

  if (!loaded) {
    return (
      <>
        <PageHeader title={c.editorTitle} />
        {loadError ? <ErrorBanner error={loadError} /> : <Loading />}
      </>
    );
  }

  const problems = [...problemsOf(previewError), ...problemsOf(saveError)];
  const fieldIssues = saveError instanceof ApiError ? saveError.fieldIssues() : {};
  const bannerError =
    (saveError && problemsOf(saveError).length === 0 && Object.keys(fieldIssues).length === 0
      ? saveError
      : null) ?? (previewError && problemsOf(previewError).length === 0 ? previewError : null);
  return (
    <>
      <PageHeader title={isNew ? c.newTemplate : `${c.editorTitle}: ${name}`} intro={c.editorIntro} />
      <ErrorBanner error={bannerError} />
      {saved ? <Notice>{c.templateSaved}</Notice> : null}
      <div className="two-col">
        <form className="card" onSubmit={save} noValidate aria-label={c.editorTitle}>
          <div className="form-grid">
            <div className={`field${fieldIssues.name ? " field-invalid" : ""}`}>
              <label htmlFor="tpl-name">{c.templateName}</label>
              <input
                id="tpl-name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                readOnly={!canWrite}
              />
              {fieldIssues.name ? (
                <small className="field-error">{fieldMessage(fieldIssues.name, lang)}</small>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor="tpl-kind">{c.kind}</label>
              <select
                id="tpl-kind"
                value={kind}
                onChange={(e) => setKind(e.target.value)}
                disabled={!canWrite}
              >
                {Object.entries(c.kinds).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="field">
            <label htmlFor="tpl-subject">{c.subject}</label>
            <input
              id="tpl-subject"
              value={subject}
              onChange={(e) => setSubject(e.target.value)}
              readOnly={!canWrite}
            />
            <Problems part="subject" problems={problems} />
          </div>
          <label>
            <input
              type="checkbox"
              checked={useMjml}
              onChange={(e) => setUseMjml(e.target.checked)}
              disabled={!canWrite}
            />{" "}
            {c.useMjml}
          </label>
          {useMjml ? (
            <PartField id="tpl-mjml" label={c.mjml} value={mjml} onChange={setMjml} readOnly={!canWrite}>
              <Problems part="mjml" problems={problems} />
              <Problems part="html" problems={problems} />
            </PartField>
          ) : (
            <PartField id="tpl-html" label={c.html} value={html} onChange={setHtml} readOnly={!canWrite}>
              <Problems part="html" problems={problems} />
            </PartField>
          )}
          <PartField id="tpl-text" label={c.text} value={text} onChange={setText} readOnly={!canWrite}>
            <Problems part="text" problems={problems} />
          </PartField>
          {canWrite ? (
            <div className="actions">
              <button type="submit" className="btn btn-primary">
                {t.app.save}
              </button>
            </div>
          ) : null}
        </form>
        <section className="card" aria-labelledby="preview-h">
          <h2 id="preview-h">{c.preview}</h2>
          <ContactPicker value={contactId} onChange={setContactId} />
          <p className="small muted" aria-live="polite">
            {updating ? c.previewUpdating : ""}
          </p>
          {preview ? (
            <>
              <p>
                <strong>{c.subject}:</strong> {preview.subject}
              </p>
              {preview.html ? (
                <iframe className="preview-frame" sandbox="" srcDoc={preview.html} title={c.preview} />
              ) : null}
              {preview.text ? (
                <>
                  <h3>{c.previewText}</h3>
                  <pre className="preview-text">{preview.text}</pre>
                </>
              ) : null}
            </>
          ) : null}
        </section>
      </div>
    </>
  );
}
