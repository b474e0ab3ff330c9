// Sending: default sender, read-receipt request, tracking, retention, soft-bounce escalation
// (PATCH /v1/workspace settings).
import { type FormEvent, useEffect, useState } from "react";
import { api } from "../../api/client";
import { useResource } from "../../api/hooks";
import { Field } from "../../components/Field";
import { ErrorBanner, Loading, Notice } from "../../components/states";
import { useI18n } from "../../i18n";
import { useSave } from "./useForm";

export interface WorkspaceSettings {
  default_from?: string | null;
  default_from_name?: string | null;
  archive_bcc?: string | null;
  read_receipt_default?: boolean;
  tracking?: boolean;
  retention_days?: number | null;
  soft_bounce_limit?: number;
  soft_bounce_window_days?: number;
}

export interface Workspace {
  id: string;
  name: string;
  settings: WorkspaceSettings;
}

export function useWorkspace() {
  return useResource(() => api.get<Workspace>("/v1/workspace"), []);
}

const num = (v: string) => (v.trim() === "" ? null : Number(v));

export function GeneralSection() {
  const { t } = useI18n();
  const ws = useWorkspace();
  const form = useSave();
  const [from, setFrom] = useState("");
  const [fromName, setFromName] = useState("");
  const [readReceipt, setReadReceipt] = useState(false);
  const [tracking, setTracking] = useState(false);
  const [retention, setRetention] = useState("");
  const [softLimit, setSoftLimit] = useState("");
  const [softWindow, setSoftWindow] = useState("");
  useEffect(() => {
    const s = ws.data?.settings;
    if (!s) return;
    setFrom(s.default_from ?? "");
    setFromName(s.default_from_name ?? "");
    setReadReceipt(s.read_receipt_default ?? false);
    // Off unless switched on (the server's default: opens and clicks need the recipients' consent).
    setTracking(s.tracking === true);
    setRetention(s.retention_days ? String(s.retention_days) : "");
    setSoftLimit(String(s.soft_bounce_limit ?? 3));
    setSoftWindow(String(s.soft_bounce_window_days ?? 14));
  }, [ws.data]);
  if (ws.loading && !ws.data) return <Loading />;
  if (ws.error) return <ErrorBanner error={ws.error} onRetry={ws.reload} />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void form.save(() =>
      api.patch("/v1/workspace", {
        settings: {
          default_from: from.trim() || null,
          default_from_name: fromName.trim() || null,
          read_receipt_default: readReceipt,
          tracking,
          retention_days: num(retention),
          soft_bounce_limit: num(softLimit) ?? 3,
          soft_bounce_window_days: num(softWindow) ?? 14,
        },
      }),
    );
  };
  return (
    <form className="card" onSubmit={submit} noValidate>
      <h2>{t.settings.sections.general}</h2>
      <ErrorBanner error={form.error} />
      {form.saved ? <Notice>{t.app.saved}</Notice> : null}
      <Field label={t.settings.defaultFrom} error={form.at("settings.default_from")}>
        {(p) => <input {...p} type="email" value={from} onChange={(e) => setFrom(e.target.value)} />}
      </Field>
      <Field label={t.settings.defaultFromName} error={form.at("settings.default_from_name")}>
        {(p) => <input {...p} value={fromName} onChange={(e) => setFromName(e.target.value)} />}
      </Field>
      <div className="check">
        <input
          id="rr"
          type="checkbox"
          checked={readReceipt}
          onChange={(e) => setReadReceipt(e.target.checked)}
        />
        <label htmlFor="rr">{t.settings.readReceipt}</label>
      </div>
      <p className="hint">{t.settings.readReceiptHint}</p>
      <div className="check">
        <input id="trk" type="checkbox" checked={tracking} onChange={(e) => setTracking(e.target.checked)} />
        <label htmlFor="trk">{t.settings.tracking}</label>
      </div>
      <Field label={t.settings.retention} error={form.at("settings.retention_days")}>
        {(p) => (
          <input
            {...p}
            type="number"
            min={1}
            value={retention}
            onChange={(e) => setRetention(e.target.value)}
          />
        )}
      </Field>
      <Field label={t.settings.softBounceLimit} error={form.at("settings.soft_bounce_limit")}>
        {(p) => (
          <input
            {...p}
            type="number"
            min={1}
            value={softLimit}
            onChange={(e) => setSoftLimit(e.target.value)}
          />
        )}
      </Field>
      <Field label={t.settings.softBounceWindow} error={form.at("settings.soft_bounce_window_days")}>
        {(p) => (
          <input
            {...p}
            type="number"
            min={1}
            value={softWindow}
            onChange={(e) => setSoftWindow(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="btn btn-primary" disabled={form.busy} data-write="">
        {t.app.save}
      </button>
    </form>
  );
}
