// Serial letters: generate the one PDF (DIN 5008 letters or 3×7 labels, in a chosen order), show it in the
// page and offer it for download. Generating again replaces the whole document (seed 004).
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, api, request } from "../../api/client";
import { Field } from "../../components/Field";
import { ErrorBanner, Notice } from "../../components/states";
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
  const { c, date } = useCampaignText();
  const [format, setFormat] = useState("letters");
  const [sort, setSort] = useState(campaign.sort || "postal_code");
  const sender = campaign.letter_options?.sender;
  const [name, setName] = useState(sender?.name ?? "");
  const [street, setStreet] = useState(sender?.street ?? "");
  const [postal, setPostal] = useState(sender?.postal_code ?? "");
  const [city, setCity] = useState(sender?.city ?? "");
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const doc = useDocumentUrl(campaign);
  const issues = error instanceof ApiError ? error.fieldIssues() : {};
  const canGenerate =
    canWrite && !campaign.frozen && !["loading_recipients", "in_progress"].includes(campaign.state);

  const generate = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    const body: Record<string, unknown> = { format, sort };
    if (format === "letters" && name && street && postal && city) {
      body.letter_options = {
        ...(campaign.letter_options ?? {}),
        sender: { name, street, postal_code: postal, city },
      };
    }
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
          <ErrorBanner error={error} />
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
            <fieldset className="checks">
              <legend>{c.letterSender}</legend>
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
