// Instrumenting a message's HTML for open and click tracking (issue 5 item 5, DESIGN §3.9): every
// http(s) link becomes a click redirect and a 1×1 pixel goes before </body>.
//
// Hand-written rather than a DOM parser: a campaign instruments up to 100k rendered messages, and only two
// things matter — the href of each <a> tag and the position of the last </body>. One linear regex pass finds
// them (quoted, single-quoted or unquoted attribute values, entities decoded for the stored URL); parsing
// the whole document into a tree per message would cost far more and change the HTML we do not touch.
// planInstrumentation() does that pass once; renderInstrumented() then only joins strings, so a campaign
// whose messages share one HTML (no per-recipient merge fields) pays for the scan once.

export interface TrackedLink {
  /** Position among the rewritten links of this message (the click token carries it). */
  idx: number;
  /** The target as the recipient's browser would resolve it (entities decoded, URL-normalised). */
  url: string;
}

export interface InstrumentOptions {
  openUrl: string;
  clickUrl: (idx: number) => string;
  /** Links left alone besides mailto:, anchors and non-http schemes; default: the unsubscribe link (/u/). */
  skip?: (url: string) => boolean;
}

export interface InstrumentedHtml {
  html: string;
  links: TrackedLink[];
}

/** The result of one scan: the HTML cut around each rewritten href value and the pixel's place. */
export interface InstrumentationPlan {
  /** parts[i] precedes link i's value; parts[links.length] runs up to the pixel; tail follows it. */
  parts: string[];
  links: TrackedLink[];
  tail: string;
}

// An <a …> start tag (case-insensitive); attribute values may contain ">" only inside quotes.
const ANCHOR_TAG = /<a\s(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
// The href attribute within a tag: double-quoted, single-quoted or unquoted value.
const HREF_ATTR = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i;
const NO_TRACK_ATTR = /\sdata-no-track\b/i;
const BODY_CLOSE = /<\/body\s*>/gi;

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Decodes the character references that occur in URLs (&amp; above all); others stay as written. */
export function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code =
        ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

const defaultSkip = (url: string) => url.includes("/u/");

/** The target of a link to track, or null when the link is left as it is. */
function trackableUrl(raw: string, skip: (url: string) => boolean): string | null {
  const decoded = decodeEntities(raw).trim();
  if (!/^https?:\/\//i.test(decoded)) return null; // mailto:, tel:, #anchor, relative, javascript:
  let url: URL;
  try {
    url = new URL(decoded);
  } catch {
    return null;
  }
  return skip(url.href) ? null : url.href;
}

/** Scans the HTML once: where each trackable href value sits and where the pixel goes. */
export function planInstrumentation(
  html: string,
  skip: (url: string) => boolean = defaultSkip,
): InstrumentationPlan {
  const parts: string[] = [];
  const links: TrackedLink[] = [];
  let from = 0;
  for (const tag of html.matchAll(ANCHOR_TAG)) {
    const text = tag[0];
    if (NO_TRACK_ATTR.test(text)) continue;
    const href = HREF_ATTR.exec(text);
    if (!href) continue;
    const raw = href[2] ?? href[3] ?? href[4] ?? "";
    const url = trackableUrl(raw, skip);
    if (url === null) continue;
    const valueStart = (tag.index ?? 0) + (href.index ?? 0) + href[1].length;
    const valueEnd = valueStart + href[0].length - href[1].length;
    parts.push(html.slice(from, valueStart));
    links.push({ idx: links.length, url });
    from = valueEnd;
  }
  const pixelAt = lastBodyClose(html, from);
  parts.push(html.slice(from, pixelAt));
  return { parts, links, tail: html.slice(pixelAt) };
}

/** Index of the last </body> at or after `from`; the end of the HTML when it has none (a fragment). */
function lastBodyClose(html: string, from: number): number {
  let at = html.length;
  for (const m of html.matchAll(BODY_CLOSE)) if ((m.index ?? 0) >= from) at = m.index ?? at;
  return at;
}

/** The pixel: hidden from layout, no alt text (screen readers skip it). */
export function pixelTag(openUrl: string): string {
  return `<img src="${openUrl}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;
}

/** Joins a plan with this message's URLs. The URLs are ours (base64url tokens), so they need no escaping
 * beyond the double quotes they are written in. */
export function renderInstrumented(
  plan: InstrumentationPlan,
  openUrl: string,
  clickUrl: (idx: number) => string,
) {
  let out = "";
  for (let i = 0; i < plan.links.length; i++) out += `${plan.parts[i]}"${clickUrl(i)}"`;
  return `${out}${plan.parts[plan.links.length]}${pixelTag(openUrl)}${plan.tail}`;
}

/** Rewrites the links to click redirects and appends the open pixel; returns the links to store. */
export function instrumentHtml(html: string, opts: InstrumentOptions): InstrumentedHtml {
  const plan = planInstrumentation(html, opts.skip);
  return { html: renderInstrumented(plan, opts.openUrl, opts.clickUrl), links: plan.links };
}
