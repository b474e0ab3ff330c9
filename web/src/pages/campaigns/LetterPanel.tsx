// Serial letters: generate the one PDF (DIN 5008 letters or 3×7 labels, in a chosen order), show it in the
// page and offer it for download. Generating again replaces the whole document (seed 004).
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, api, type FieldError, request } from "../../api/client";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
import { fieldMessage } from "../../i18n/errors";
import { type Campaign, useCampaignText } from "./model";

/** The PDF as a blob URL: fetched with the session (or key), so it also works where cookies are not sent. */
function useDocumentUrl(campaign: Campaign): { url: string | null; error: unknown } {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const stamp = campaign.document?.created_at ?? null;
  useEffect(() => {
    if (!stamp) return;
    let live = true;
    let made: string | null = null;
    request<Blob>(`/v1/campaigns/${campaign.id}/document`, { blob: true }).then(
      (b) => {
        if (!live) return;
        made = URL.createObjectURL(b);
        setUrl(made);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [campaign.id, stamp]);
  return { url, error };
}

export function LetterPanel({
  campaign,
  canWrite,
  onChanged,
}: {
  campaign: Campaign;
  canWrite: boolean;
  onChanged(): void;
}) {
  const { c, date, lang } = useCampaignText();
  const [format, setFormat] = useState("letters");
  const [sort, setSort] = useState(campaign.sort || "postal_code");
  const sender = campaign.letter_options?.sender;
  const [subject, setSubject] = useState(campaign.subject ?? "");
  const [name, setName] = useState(sender?.name ?? "");
  const [street, setStreet] = useState(sender?.street ?? "");
  const [postal, setPostal] = useState(sender?.postal_code ?? "");
  const [city, setCity] = useState(sender?.city ?? "");
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState<Record<string, FieldError>>({});
  const doc = useDocumentUrl(campaign);
  // The campaign's subject may be edited in the settings form above: follow it.
  useEffect(() => setSubject(campaign.subject ?? ""), [campaign.subject]);
  const issues: Record<string, FieldError> = {
    ...(error instanceof ApiError ? error.fieldIssues() : {}),
    ...missing,
  };
  const canGenerate =
    canWrite && !campaign.frozen && !["loading_recipients", "in_progress"].includes(campaign.state);

  const generate = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setNotice(null);
    const body: Record<string, unknown> = { format, sort };
    if (format === "letters") {
      // What a letter needs, said in the user's language before anything is asked of the server.
      const senderParts = [name, street, postal, city].map((x) => x.trim());
      const gaps: Record<string, string> = {};
      if (!subject.trim()) gaps.subject = c.needSubject;
      if (!campaign.template_id) gaps.template_id = c.needTemplate;
      if (senderParts.some((x) => !x) && (senderParts.some(Boolean) || !sender)) {
        gaps["letter_options.sender"] = c.needSender;
      }
      setMissing(gaps);
      if (Object.keys(gaps).length) return;
      body.subject = subject.trim();
      if (senderParts.every(Boolean)) {
        const [n, s, p, ci] = senderParts;
        body.letter_options = {
          ...(campaign.letter_options ?? {}),
          sender: { name: n, street: s, postal_code: p, city: ci },
        };
      }
    } else {
      setMissing({});
    }
    setBusy(true);
    try {
      await api.post(`/v1/campaigns/${campaign.id}/generate`, body);
      setNotice(c.generating);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="document-h">
      <h2 id="document-h">{c.document}</h2>
      {canGenerate ? (
        <form onSubmit={generate} noValidate>
          <ErrorBanner error={error && Object.keys(issues).length === 0 ? error : null} />
          {issues.template_id ? (
            <p className="field-error" role="alert">
              {fieldMessage(issues.template_id, lang)}
            </p>
          ) : null}
          {notice ? <Notice>{notice}</Notice> : null}
          <div className="form-grid">
            <Field label={c.format} error={issues.format}>
              {(p) => (
                <select {...p} value={format} onChange={(e) => setFormat(e.target.value)}>
                  {Object.entries(c.formats).map(([k, label]) => (
                    <option key={k} value={k}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={c.sort} error={issues.sort}>
              {(p) => (
                <select {...p} value={sort} onChange={(e) => setSort(e.target.value)}>
                  {Object.entries(c.sorts).map(([k, label]) => (
                    <option key={k} value={k}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          {format === "letters" ? (
            <Field label={c.letterSubject} error={issues.subject}>
              {(p) => <input {...p} value={subject} onChange={(e) => setSubject(e.target.value)} />}
            </Field>
          ) : null}
          {format === "letters" ? (
            <fieldset className="checks">
              <legend>{c.letterSender}</legend>
              {issues["letter_options.sender"] ? (
                <p className="field-error" role="alert">
                  {fieldMessage(issues["letter_options.sender"], lang)}
                </p>
              ) : null}
              <Field label={c.senderName} error={issues["letter_options.sender.name"]}>
                {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
              </Field>
              <Field label={c.street} error={issues["letter_options.sender.street"]}>
                {(p) => <input {...p} value={street} onChange={(e) => setStreet(e.target.value)} />}
              </Field>
              <Field label={c.postalCode} error={issues["letter_options.sender.postal_code"]}>
                {(p) => <input {...p} value={postal} onChange={(e) => setPostal(e.target.value)} />}
              </Field>
              <Field label={c.city} error={issues["letter_options.sender.city"]}>
                {(p) => <input {...p} value={city} onChange={(e) => setCity(e.target.value)} />}
              </Field>
            </fieldset>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {campaign.document ? c.generateAgain : c.generate}
          </button>
        </form>
      ) : null}
      <ErrorBanner error={doc.error} />
      {campaign.document && doc.url ? (
        <>
          <p>
            <a className="btn" href={doc.url} download={`${campaign.name}.pdf`}>
              {c.download}
            </a>{" "}
            <span className="muted small">{date(campaign.document.created_at)}</span>
          </p>
          <iframe className="pdf-frame" src={doc.url} title={c.document} />
        </>
      ) : (
        <p className="muted">{c.noDocument}</p>
      )}
    </section>
  );
}
