// The small server-rendered pages recipients see (unsubscribe, sign-up, confirmation): one layout, no
// external assets, every interpolated value escaped through the `html` tag. A value is only inserted raw
// when it is itself a Safe fragment built by this tag.
import type { FastifyReply } from "fastify";

export type Lang = "de" | "en";

/** A piece of HTML known to be safe: built by `html` from escaped values. */
export class Safe {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

type Value = string | number | Safe | null | undefined | false | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return "";
  if (Array.isArray(v)) return v.map(render).join("");
  if (v instanceof Safe) return v.value;
  return escapeHtml(String(v));
}

/** Tagged template: `html\`<p>${name}</p>\`` escapes name; nested html fragments stay as they are. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Safe {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new Safe(out);
}

/** de unless the value names English (contact.language "en", "en-GB"; a form's lang field). */
export function langOf(language: string | null | undefined): Lang {
  return language?.toLowerCase().startsWith("en") ? "en" : "de";
}

/** For pages that cannot know the recipient (a forged link): the browser's first choice among de/en. */
export function langFromHeader(acceptLanguage: string | undefined): Lang {
  const first = acceptLanguage
    ?.split(",")
    .map((part) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.find((p) => p.trim().startsWith("q="));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag.startsWith("de") || x.tag.startsWith("en"))
    .sort((a, b) => b.q - a.q)[0];
  return first?.tag.startsWith("en") ? "en" : "de";
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;color:#1b1b1b;background:#f6f6f4;margin:0}
main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #ddd;border-radius:6px}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #888;border-radius:4px}
.consent{display:flex;gap:.5rem;align-items:flex-start;margin:1rem 0}.consent label{font-weight:400;margin:0}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;background:#1d4f91;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus,input:focus{outline:3px solid #f2b705;outline-offset:2px}.error{color:#a00000;font-weight:600}`;

/** The whole document: lang attribute, title, one heading, the body fragment. */
export function page(lang: Lang, title: string, body: Safe): string {
  return `<!doctype html>\n${html`<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title><style>${new Safe(STYLE)}</style></head><body><main><h1>${title}</h1>${body}</main></body></html>`}`;
}

/** Sends a page with headers that keep it private and self-contained: no caching (the URL holds a
 * personal token), no referrer, no framing, nothing loaded from elsewhere. */
export function sendPage(reply: FastifyReply, status: number, document: string) {
  return reply
    .status(status)
    .headers({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    })
    .send(document);
}

/** RFC 8058 one-click answers go to a mail provider's server, not a browser: short plain text. */
export function sendText(reply: FastifyReply, status: number, text: string) {
  return reply
    .status(status)
    .headers({ "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" })
    .send(text);
}
