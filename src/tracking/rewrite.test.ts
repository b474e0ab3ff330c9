import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deriveStatus, type StatusEvent } from "../events/status.js";
import { judgeClick, judgeOpen, truncateIp } from "./machine.js";
import { decodeEntities, instrumentHtml, pixelTag } from "./rewrite.js";

const opts = {
  openUrl: "https://t.example/o/OPEN.gif",
  clickUrl: (i: number) => `https://t.example/c/C${i}`,
};

describe("instrumentHtml", () => {
  it("rewrites http(s) links in every quoting style and decodes entities for the stored URL", () => {
    const html = `<body><a href="https://a.example/x?p=1&amp;q=2">A</a><A HREF='http://b.example/'>B</A>
<a title="x > y" href=https://c.example/z>C</a><a data-href="https://no.example" href = "https://d.example/&#x3F;">D</a></body>`;
    const r = instrumentHtml(html, opts);
    expect(r.links).toEqual([
      { idx: 0, url: "https://a.example/x?p=1&q=2" },
      { idx: 1, url: "http://b.example/" },
      { idx: 2, url: "https://c.example/z" },
      { idx: 3, url: "https://d.example/?" },
    ]);
    expect(r.html).toBe(
      `<body><a href="https://t.example/c/C0">A</a><A HREF="https://t.example/c/C1">B</A>
<a title="x > y" href="https://t.example/c/C2">C</a><a data-href="https://no.example" href = "https://t.example/c/C3">D</a>${pixelTag(opts.openUrl)}</body>`,
    );
  });

  it("keeps mailto:, tel:, anchors, relative links, the unsubscribe link and data-no-track links", () => {
    const html = `<p><a href="mailto:a@b.example">m</a><a href="tel:+49301234">t</a><a href="#top">#</a>
<a href="/local">l</a><a href="https://app.example/u/TOKEN">abmelden</a><a data-no-track href="https://x.example/">x</a>
<a name="anchor">n</a></p>`;
    const r = instrumentHtml(html, opts);
    expect(r.links).toEqual([]);
    expect(r.html).toBe(`${html}${pixelTag(opts.openUrl)}`);
  });

  it("puts the pixel before the last </body> and after a fragment without one", () => {
    expect(instrumentHtml("<html><body>x</BODY></html>", opts).html).toBe(
      `<html><body>x${pixelTag(opts.openUrl)}</BODY></html>`,
    );
    expect(instrumentHtml("", opts).html).toBe(pixelTag(opts.openUrl));
  });

  it("changes nothing but the rewritten href values and the pixel (property)", () => {
    const url = fc.webUrl({ validSchemes: ["https", "http"] }).filter((u) => !u.includes("/u/"));
    const text = fc.string().map((s) => s.replace(/[<>&"']/g, ""));
    const part = fc.oneof(
      fc.record({ kind: fc.constant("link" as const), url, text }),
      fc.record({ kind: fc.constant("mail" as const), text }),
      fc.record({ kind: fc.constant("text" as const), text }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const escapeAttr = (u: string) => u.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
        const render = (hrefOf: (u: string, i: number) => string) => {
          let i = 0;
          return parts
            .map((p) =>
              p.kind === "link"
                ? `<a href="${hrefOf(p.url, i++)}">${p.text}</a>`
                : p.kind === "mail"
                  ? `<a href="mailto:x@y.example">${p.text}</a>`
                  : p.text,
            )
            .join("");
        };
        const html = `<html><body>${render(escapeAttr)}</body></html>`;
        const r = instrumentHtml(html, opts);
        const links = parts.filter((p) => p.kind === "link");
        expect(r.links.map((l) => l.url)).toEqual(links.map((l) => new URL(l.url).href));
        const expected = `<html><body>${render((_, i) => opts.clickUrl(i))}${pixelTag(opts.openUrl)}</body></html>`;
        expect(r.html).toBe(expected);
      }),
    );
  });

  it("decodes numeric and named references, and leaves unknown ones", () => {
    expect(decodeEntities("a&amp;b&#38;c&#x26;d&unknown;e")).toBe("a&b&c&d&unknown;e");
  });
});

describe("machine detection", () => {
  const hit = (
    userAgent: string,
    ip = "198.51.100.7",
    method = "GET",
    at = new Date("2026-01-01T12:00:00Z"),
  ) => ({
    userAgent,
    ip,
    method,
    at,
  });
  const browser =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

  it("opens: Apple proxy only for the bare agent from 17.0.0.0/8; Google and Yahoo proxies; HEAD", () => {
    expect(judgeOpen(hit("Mozilla/5.0", "17.1.2.3")).machine_reason).toBe("apple_mail_privacy_protection");
    expect(judgeOpen(hit("Mozilla/5.0", "::ffff:17.1.2.3")).machine_reason).toBe(
      "apple_mail_privacy_protection",
    );
    expect(judgeOpen(hit("Mozilla/5.0", "171.1.2.3")).machine).toBe(false);
    expect(judgeOpen(hit(browser, "17.1.2.3")).machine).toBe(false);
    expect(judgeOpen(hit("Mozilla/5.0 (via ggpht.com GoogleImageProxy)")).machine_reason).toBe(
      "google_image_proxy",
    );
    expect(
      judgeOpen(hit("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"))
        .machine_reason,
    ).toBe("yahoo_mail_proxy");
    expect(judgeOpen(hit(browser, undefined, "HEAD")).machine_reason).toBe("head_request");
    expect(judgeOpen(hit(browser))).toEqual({ machine: false, machine_reason: null });
  });

  it("clicks: scanners, bots, HEAD and clicks within the window after sending", () => {
    const sent = new Date("2026-01-01T11:59:55Z");
    expect(judgeClick(hit(browser), [sent]).machine_reason).toBe("too_soon_after_sending");
    expect(judgeClick(hit(browser), [new Date("2026-01-01T11:59:45Z")]).machine).toBe(false);
    expect(judgeClick(hit(browser), [null]).machine).toBe(false);
    for (const ua of ["Barracuda", "Mozilla/5.0 Proofpoint", "Mimecast", "Microsoft Defender SafeLinks"]) {
      expect(judgeClick(hit(ua), []).machine_reason, ua).toBe("link_scanner");
    }
    expect(judgeClick(hit("Googlebot/2.1 (+http://www.google.com/bot.html)"), []).machine_reason).toBe("bot");
    expect(judgeClick(hit("curl/8.5.0"), []).machine_reason).toBe("bot");
    expect(judgeClick(hit(browser, undefined, "HEAD"), []).machine_reason).toBe("head_request");
  });

  it("truncates addresses to /24 and /48", () => {
    expect(truncateIp("203.0.113.77")).toBe("203.0.113.0/24");
    expect(truncateIp("::ffff:203.0.113.77")).toBe("203.0.113.0/24");
    expect(truncateIp("2001:db8:1234:5678::1")).toBe("2001:db8:1234::/48");
    expect(truncateIp("2001:db8::1")).toBe("2001:db8::/48");
    expect(truncateIp("")).toBeNull();
  });
});

describe("status derivation ignores machine engagement", () => {
  const types = ["queued", "sent", "delivered", "opened", "clicked", "soft_bounced", "deferred"] as const;
  const event = fc.record({
    type: fc.constantFrom(...types),
    minute: fc.integer({ min: 0, max: 1000 }),
    machine: fc.boolean(),
  });

  it("adding machine opens and clicks never changes the status (property)", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 10 }), (evs) => {
        const all: StatusEvent[] = evs.map((e, i) => ({
          id: `e${String(i).padStart(3, "0")}`,
          type: e.type,
          at: new Date(e.minute * 60_000),
          detail: null,
          error_code: null,
          machine: e.machine && (e.type === "opened" || e.type === "clicked"),
        }));
        const human = all.filter((e) => !e.machine);
        expect(deriveStatus(all)).toEqual(deriveStatus(human));
      }),
    );
  });
});
