// Telling machine opens and clicks from human ones (issue 5 item 5, DESIGN §3.9). Privacy proxies fetch
// every image of a mail whether or not anyone reads it (Apple Mail Privacy Protection prefetches on
// delivery); link scanners of mail gateways follow every link before the recipient sees the mail. Such
// events are stored, flagged machine = true with the rule that matched, and never counted as human.
// The rules are heuristics by nature; the reason is kept so a user can see why an event was judged so.

export type MachineReason =
  | "apple_mail_privacy_protection"
  | "google_image_proxy"
  | "yahoo_mail_proxy"
  | "head_request"
  | "link_scanner"
  | "bot"
  | "too_soon_after_sending";

export interface Verdict {
  machine: boolean;
  machine_reason: MachineReason | null;
}

export interface Hit {
  method: string;
  userAgent: string;
  ip: string;
  at: Date;
}

/** Clicks this soon after the message was sent or delivered are taken for a gateway's link scanner. */
export const SCANNER_WINDOW_SECONDS = 10;

const HUMAN: Verdict = { machine: false, machine_reason: null };
const machine = (machine_reason: MachineReason): Verdict => ({ machine: true, machine_reason });

/** Apple's network 17.0.0.0/8, from which Mail Privacy Protection's prefetching proxies fetch. */
function isAppleIp(ip: string): boolean {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return /^17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

// Mail security gateways and link-preview services that fetch links on the recipient's behalf.
const SCANNER_AGENTS =
  /barracuda|proofpoint|mimecast|safelinks|safe links|microsoft defender|urldefense|trend ?micro|forcepoint|sophos|symantec|messagelabs|fireeye|cisco|ironport|bingpreview|skypeuripreview|linkcheck|scanner/i;
// Generic automation: crawlers, headless browsers and HTTP libraries that are no one's mail program.
const BOT_AGENTS =
  /bot\b|bot\/|crawler|spider|headlesschrome|phantomjs|python-requests|python-urllib|curl\/|wget\/|go-http-client|java\/|okhttp|libwww|httpclient|axios\/|node-fetch/i;

/** An open through the pixel. */
export function judgeOpen(hit: Hit): Verdict {
  const ua = hit.userAgent.trim();
  if (hit.method === "HEAD") return machine("head_request");
  if (ua === "Mozilla/5.0" && isAppleIp(hit.ip)) return machine("apple_mail_privacy_protection");
  if (/GoogleImageProxy/i.test(ua)) return machine("google_image_proxy");
  if (/YahooMailProxy/i.test(ua)) return machine("yahoo_mail_proxy");
  if (SCANNER_AGENTS.test(ua)) return machine("link_scanner");
  if (BOT_AGENTS.test(ua) || ua === "") return machine("bot");
  return HUMAN;
}

/** A click through a redirect. `sentAt` are the times the message was sent and delivered (where known). */
export function judgeClick(
  hit: Hit,
  sentAt: Array<Date | null>,
  windowSeconds = SCANNER_WINDOW_SECONDS,
): Verdict {
  const ua = hit.userAgent.trim();
  if (hit.method === "HEAD") return machine("head_request");
  if (SCANNER_AGENTS.test(ua)) return machine("link_scanner");
  if (BOT_AGENTS.test(ua) || ua === "") return machine("bot");
  const t = hit.at.getTime();
  const soon = sentAt.some((s) => s !== null && t >= s.getTime() && t - s.getTime() <= windowSeconds * 1000);
  return soon ? machine("too_soon_after_sending") : HUMAN;
}

/** The client address kept as evidence: IPv4 cut to its /24, IPv6 to its /48 (DSGVO data minimisation). */
export function truncateIp(ip: string): string | null {
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(v4);
  if (m) return `${m[1]}.${m[2]}.${m[3]}.0/24`;
  if (!ip.includes(":")) return null;
  const [head] = ip.split("::");
  const groups = head.split(":").filter((g) => g !== "");
  const kept = groups.slice(0, 3);
  return `${kept.join(":")}${kept.length < 8 ? "::" : ""}/48`;
}
