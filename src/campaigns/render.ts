// Rendering one run of a serial e-mail: the template is compiled once from the run's frozen snapshot and
// the MIME skeleton once (DESIGN §3.5); each recipient costs one Liquid render, two quoted-printable passes
// and a Buffer concatenation. The same function renders a message again from what the recipient row keeps
// (merge data, Date), so the bytes that left can be shown later without storing 5 KB per recipient.
import { hash } from "node:crypto";
import type { DkimSigner } from "../domains/dkim.js";
import type { Runtime } from "../runtime.js";
import { type CompiledTemplate, compileTemplate } from "../templates/engine.js";
import { trackingFor } from "../tracking/instrument.js";
import type { TrackedLink } from "../tracking/rewrite.js";
import { listUnsubscribeHeaders } from "../tracking/unsubscribe.js";
import { compileSkeleton, type MimeSkeleton } from "./mime.js";

/** What a send run is started with, frozen in campaign_runs.snapshot: edits to the template or the campaign
 * afterwards change nothing about this run's messages. */
export interface RunSnapshot {
  campaign: { id: string; name: string };
  template: { id: string; version: number; subject: string; html: string | null; text: string | null };
  from_address: string;
  from_name: string | null;
  reply_to: string | null;
  purpose: "marketing" | "transactional";
  transport_id: string | null;
  bounce_domain: string;
  archive_bcc: string | null;
  boundary: string;
  lists: Record<string, { id: string; name: string }>;
  /** The sender domain whose key signs the run's messages (DKIM), when the From domain is registered.
   * Absent in runs started before campaign mail was signed. */
  dkim?: { domain: string; selector: string } | null;
  /** Open and click tracking (the workspace setting and the campaign's flag, decided when the run
   * started): the HTML part gets the open pixel and click redirects. Absent in runs started before
   * campaign mail was tracked (= false). */
  tracking?: boolean;
}

/** What instrumenting a run's HTML needs: the public URL the links point to and the secret of the tokens. */
export type TrackingRuntime = Pick<Runtime, "config" | "secret">;

/** Per recipient, what its message was rendered from (campaign_recipients.merge). */
export interface RecipientMerge {
  contact: Record<string, unknown>;
  unsubscribe_url: string | null;
}

export interface RenderInput {
  messageId: string;
  messageIdHeader: string;
  to: string;
  listId: string | null;
  date: Date;
  merge: RecipientMerge;
}

export interface RenderedMessage {
  raw: Buffer;
  subject: string;
  sha256: string;
  /** The links of the tracked HTML, for message_links (empty when the run is not tracked). */
  links: TrackedLink[];
}

/** A contact row as merge data: plain JSON (dates as ISO text), so the stored copy renders identically.
 * `fields`: only these (the fields a template reads, CompiledTemplate.contactFields); all when null. */
export function contactMergeData(
  c: Record<string, unknown>,
  fields: ReadonlySet<string> | null = null,
): Record<string, unknown> {
  const all = allMergeFields(c);
  if (fields === null) return all;
  const some: Record<string, unknown> = {};
  for (const f of fields) if (Object.hasOwn(all, f)) some[f] = all[f];
  return some;
}

function allMergeFields(c: Record<string, unknown>): Record<string, unknown> {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
  return {
    id: c.id,
    salutation: c.salutation ?? null,
    title: c.title ?? null,
    first_name: c.first_name ?? null,
    last_name: c.last_name ?? null,
    letter_salutation: c.letter_salutation ?? null,
    emails: c.emails ?? [],
    phone: c.phone ?? null,
    mobile: c.mobile ?? null,
    address: {
      street: c.street ?? null,
      postal_code: c.postal_code ?? null,
      city: c.city ?? null,
      country: c.country ?? null,
    },
    language: c.language ?? null,
    custom_fields: c.custom_fields ?? {},
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

const NO_LINKS: TrackedLink[] = [];

export class EmailPlan {
  private readonly template: CompiledTemplate;
  private readonly skeleton: MimeSkeleton;
  private readonly tracker: TrackingRuntime | null;

  /** signer: the sender domain's DKIM key; each message is signed after it is built, with t= its Date, so
   * rendering it again gives the same bytes. rt: what a tracked run's links need (see RunSnapshot.tracking);
   * a tracked run cannot be rendered without it, or its bytes would differ from those that left. */
  constructor(
    readonly snapshot: RunSnapshot,
    private readonly signer: DkimSigner | null = null,
    rt: TrackingRuntime | null = null,
  ) {
    if (snapshot.tracking === true && !rt) throw new Error("a tracked run renders only with its runtime");
    this.tracker = snapshot.tracking === true ? rt : null;
    this.template = compileTemplate(snapshot.template);
    this.skeleton = compileSkeleton({
      fromAddress: snapshot.from_address,
      fromName: snapshot.from_name,
      replyTo: snapshot.reply_to,
      boundary: snapshot.boundary,
      oneClickUnsubscribe: snapshot.purpose === "marketing",
    });
  }

  get marketing() {
    return this.snapshot.purpose === "marketing";
  }

  /** A contact's merge data for this run: only the fields the template reads (all when it may read any).
   * It is stored with each recipient (campaign_recipients.merge) and written again with every later row
   * version, and what a message was rendered from needs no more to render the same bytes again (the
   * fields a template can read are fixed by its static analysis: merge-fields.ts contactFieldsRead) — a
   * contact's phone, address and custom fields are not kept for a mail that never showed them. */
  contactMerge(contact: Record<string, unknown>): Record<string, unknown> {
    return contactMergeData(contact, this.template.contactFields);
  }

  /** Renders one message; throws Invalid (part, line, column) when the template fails for this recipient. */
  render(r: RenderInput): RenderedMessage {
    const list = r.listId ? this.snapshot.lists[r.listId] : undefined;
    const parts = this.template.render({
      contact: r.merge.contact,
      data: {},
      campaign: this.snapshot.campaign,
      list: list ?? {},
      ...(r.merge.unsubscribe_url !== null ? { unsubscribe_url: r.merge.unsubscribe_url } : {}),
      today: r.date,
    });
    // Tracking: one boolean when off. The tokens are HMACs of the message id and the link's index, so
    // rendering again (the raw MIME, the reaper) gives the same bytes and the same links.
    let html = parts.html;
    let links: TrackedLink[] = NO_LINKS;
    if (this.tracker && html) {
      const tracked = trackingFor(this.tracker, r.messageId, html);
      html = tracked.html;
      links = tracked.links;
    }
    const built = this.skeleton.build({
      to: r.to,
      subject: parts.subject,
      date: r.date,
      messageIdHeader: r.messageIdHeader,
      listUnsubscribe:
        r.merge.unsubscribe_url !== null
          ? listUnsubscribeHeaders(r.merge.unsubscribe_url)["List-Unsubscribe"]
          : null,
      text: parts.text ?? "",
      html,
    });
    const raw = this.signer ? this.signer.sign(built, r.date) : built;
    return { raw, subject: parts.subject, sha256: hash("sha256", raw, "hex"), links };
  }
}
