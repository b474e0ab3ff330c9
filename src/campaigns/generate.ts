// Generating a serial letter (seed 004 "Serienbrief erzeugen"): one PDF with one letter per included
// recipient (or one address label each), in the order chosen, rendered by the pure functions in letters/.
// The whole run is one unit: a new document replaces the old one, and the recipients' statuses, the
// document and the state change are written in one transaction. A worker that dies mid-run leaves its
// job lease to run out, and another worker generates the document again from the start.

import { logEvents } from "../audit/service.js";
import type { Database } from "../db/index.js";
import type { Runtime } from "../runtime.js";
import { compileTemplate } from "../templates/engine.js";
import { Invalid } from "../util/errors.js";
import { campaignEvent, type LetterSnapshot } from "./actions.js";
import { type Exclusion, type postalAddressOf, screenLetterRecipients } from "./exclusions.js";
import { type Letter, type LetterLanguage, renderLabelsPdf, renderLettersPdf } from "./letters/index.js";
import { describeCounts, letterEndState } from "./outcomes.js";
import { contactMergeData } from "./render.js";
import { transition } from "./states.js";
import {
  type CampaignRow,
  deleteDocument,
  findRun,
  finishRun,
  type LetterOutcome,
  lockOwnJob,
  moveState,
  selectLetterRecipients,
  upsertDocument,
  writeLetterOutcomes,
} from "./store.js";

type Activity = (tx: Database, before: CampaignRow, after: CampaignRow, summary: string) => Promise<void>;

const FALLBACK_SALUTATION: Record<LetterLanguage, string> = {
  de: "Sehr geehrte Damen und Herren,",
  en: "Dear Sir or Madam,",
};

interface Planned {
  outcomes: LetterOutcome[];
  letters: Letter[];
  labels: ReturnType<typeof postalAddressOf>[];
}

/** Decides each recipient and renders each letter's subject and body (the template compiled once). */
async function planLetters(rt: Runtime, c: CampaignRow, s: LetterSnapshot): Promise<Planned> {
  const rows = await selectLetterRecipients(rt.db, c.id, s.sort);
  const screened = await screenLetterRecipients(
    rt.db,
    { workspaceId: c.workspace_id, purpose: s.purpose, listIds: Object.keys(s.lists) },
    rows,
  );
  const compiled = s.template ? compileTemplate(s.template) : null;
  const date = s.options?.date ? new Date(`${s.options.date}T12:00:00Z`) : rt.now();
  const out: Planned = { outcomes: [], letters: [], labels: [] };
  for (const r of rows) {
    const v = screened.get(r.contact_id);
    if (!v || "reason" in v) {
      const x: Exclusion = v ?? { reason: "no_address", detail: "The contact no longer exists." };
      out.outcomes.push({ contact_id: r.contact_id, status: "excluded", reason: x.reason, detail: x.detail });
      continue;
    }
    if (!compiled) {
      out.labels.push(v.address);
      out.outcomes.push({ contact_id: r.contact_id, status: "created", reason: null, detail: null });
      continue;
    }
    try {
      const language: LetterLanguage = r.contact.language === "en" ? "en" : "de";
      const parts = compiled.render({
        contact: contactMergeData(r.contact),
        data: {},
        campaign: s.campaign,
        list: (r.list_id && s.lists[r.list_id]) || {},
        today: date,
      });
      const salutation =
        typeof r.contact.letter_salutation === "string" ? r.contact.letter_salutation.trim() : "";
      out.letters.push({
        recipient: v.address,
        date,
        subject: parts.subject,
        salutation: salutation || FALLBACK_SALUTATION[language],
        body: parts.html ?? parts.text ?? "",
        body_format: parts.html !== null ? "html" : "text",
        closing: s.options?.closing,
        language,
      });
      out.outcomes.push({ contact_id: r.contact_id, status: "created", reason: null, detail: null });
    } catch (err) {
      out.outcomes.push({
        contact_id: r.contact_id,
        status: "error",
        reason: "template_render_failed",
        detail: (err as Error).message,
      });
    }
  }
  return out;
}

async function renderDocument(s: LetterSnapshot, p: Planned): Promise<Buffer | null> {
  if (s.format === "labels") return p.labels.length ? renderLabelsPdf(p.labels) : null;
  if (p.letters.length === 0) return null;
  const o = s.options!;
  return renderLettersPdf(p.letters, {
    sender: o.sender,
    letterhead: o.letterhead,
    information: o.information,
    signature: o.signature,
  });
}

export async function generateDocument(rt: Runtime, job: CampaignRow, owner: string, activity: Activity) {
  const now = rt.now();
  const run = job.current_run_id ? await findRun(rt.db, job.current_run_id) : undefined;
  if (!run) throw new Error(`campaign ${job.id} has a generate job but no run`);
  const s = run.snapshot as LetterSnapshot;
  const planned = await planLetters(rt, job, s);
  let pdf: Buffer | null = null;
  let failure: string | null = null;
  try {
    pdf = await renderDocument(s, planned);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (failure) {
    // The document as a whole could not be made: no recipient got a letter.
    for (const o of planned.outcomes) {
      if (o.status === "created")
        Object.assign(o, { status: "error", reason: "pdf_failed", detail: failure });
    }
  }
  const created = planned.outcomes.filter((o) => o.status === "created").length;
  const to = letterEndState({ created, total: planned.outcomes.length });
  await rt.db.transaction().execute(async (tx) => {
    const c = await lockOwnJob(tx, job.id, owner);
    if (c?.job !== "generate" || c.current_run_id !== run.id) return; // superseded meanwhile
    transition(c, to);
    if (pdf) {
      await upsertDocument(tx, {
        campaign_id: c.id,
        workspace_id: c.workspace_id,
        format: s.format,
        sort: s.sort,
        pages: null,
        letters: created,
        pdf,
        created_at: now,
      });
    } else await deleteDocument(tx, c.id);
    await writeLetterOutcomes(tx, c.id, run.id, planned.outcomes, now);
    const after = await moveState(tx, c.id, "in_progress", to, {
      job: null,
      job_owner: null,
      job_lease_until: null,
      updated_at: now,
    });
    if (!after) throw Invalid(`campaign ${c.id} left in_progress while its letters were generated`);
    await finishRun(tx, run.id, to, now);
    const counts: Record<string, number> = {};
    for (const o of planned.outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
    const summary = `Campaign '${c.name}': ${s.format} generated sorted by ${s.sort}: ${describeCounts(counts)}${failure ? `; the PDF failed: ${failure}` : ""}`;
    await logEvents(
      tx,
      [
        campaignEvent(
          c.workspace_id,
          c.id,
          to === "created" ? "information" : to === "failed_creating" ? "error" : "warning",
          summary,
          { counts, state: to },
        ),
      ],
      now,
    );
    await activity(tx, c, after, summary);
  });
}
