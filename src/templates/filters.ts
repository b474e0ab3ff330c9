// Merge-field filters for German and English correspondence: dates in the office's time zone
// (Europe/Berlin unless a zone is named), amounts as "1.234,56 €" / "€1,234.56", plain numbers.
// Intl formatters are costly to build, so each distinct one is built once and reused for every recipient.
import type { Context, Liquid } from "liquidjs";
import { PlaceholderDrop } from "./merge-fields.js";

export const DEFAULT_TIME_ZONE = "Europe/Berlin";

const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, build: () => T): T {
  let f = formatters.get(key);
  if (!f) {
    f = build();
    formatters.set(key, f);
  }
  return f as T;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date without a time ("2026-11-23") names a day, not an instant: it is never shifted by a zone. */
interface CalendarDay {
  year: number;
  month: number;
  day: number;
}

type DateInput = { instant: Date } | { day: CalendarDay };

function toDateInput(filter: string, value: unknown, today: () => Date): DateInput | null {
  if (value === null || value === undefined || value === "") return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`${filter}: the date is invalid`);
    return { instant: value };
  }
  if (typeof value === "number") return { instant: new Date(value * 1000) };
  if (typeof value === "string") {
    const s = value.trim();
    if (s === "now" || s === "today") return { instant: today() };
    const m = DATE_ONLY.exec(s);
    if (m) return { day: { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } };
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return { instant: d };
  }
  throw new Error(`${filter}: '${String(value)}' is not a date (use ISO 8601, e.g. 2026-11-23)`);
}

// Zone offsets only change at multiples of 15 minutes (UTC), so one formatToParts call per zone and
// quarter hour serves every recipient of a campaign; the fields then come from plain UTC arithmetic.
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const offsets = new Map<string, number>();

function zoneOffsetMs(filter: string, instant: Date, timeZone: string): number {
  const bucket = Math.floor(instant.getTime() / QUARTER_HOUR_MS);
  const key = `${timeZone}|${bucket}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  let f: Intl.DateTimeFormat;
  try {
    f = cached(
      `parts|${timeZone}`,
      () =>
        new Intl.DateTimeFormat("en-GB", {
          timeZone,
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }),
    );
  } catch {
    throw new Error(`${filter}: unknown time zone '${timeZone}'`);
  }
  const start = bucket * QUARTER_HOUR_MS;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(start)))
    if (part.type !== "literal") p[part.type] = Number(part.value);
  const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - start;
  if (offsets.size > 10_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

function zonedParts(filter: string, instant: Date, timeZone: string) {
  const local = new Date(instant.getTime() + zoneOffsetMs(filter, instant, timeZone));
  return {
    day: { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() },
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
  };
}

const pad2 = (n: number) => String(n).padStart(2, "0");

const MONTHS_EN = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const dayDe = (d: CalendarDay) => `${pad2(d.day)}.${pad2(d.month)}.${d.year}`;
const dayEn = (d: CalendarDay) => `${d.day} ${MONTHS_EN[d.month - 1]} ${d.year}`;

function formatDate(
  filter: string,
  value: unknown,
  zone: unknown,
  today: () => Date,
  day: (d: CalendarDay) => string,
): string {
  const input = toDateInput(filter, value, today);
  if (!input) return "";
  if ("day" in input) return day(input.day);
  return day(zonedParts(filter, input.instant, timeZoneArg(zone)).day);
}

function formatDateTime(
  filter: string,
  value: unknown,
  zone: unknown,
  today: () => Date,
  day: (d: CalendarDay) => string,
  separator: string,
): string {
  const input = toDateInput(filter, value, today);
  if (!input) return "";
  if ("day" in input) return day(input.day);
  const p = zonedParts(filter, input.instant, timeZoneArg(zone));
  return `${day(p.day)}${separator}${pad2(p.hour)}:${pad2(p.minute)}`;
}

function timeZoneArg(zone: unknown): string {
  return typeof zone === "string" && zone.trim() ? zone.trim() : DEFAULT_TIME_ZONE;
}

function toNumber(filter: string, value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`${filter}: '${String(value)}' is not a number`);
  return n;
}

// Intl puts a no-break space between amount and symbol; correspondence uses a plain one ("1.234,56 €").
const NBSP = /[\u00a0\u202f]/g;

function formatMoney(filter: string, locale: string, value: unknown, currency: unknown): string {
  const n = toNumber(filter, value);
  if (n === null) return "";
  const code = typeof currency === "string" && currency.trim() ? currency.trim().toUpperCase() : "EUR";
  let f: Intl.NumberFormat;
  try {
    f = cached(
      `money|${locale}|${code}`,
      () => new Intl.NumberFormat(locale, { style: "currency", currency: code }),
    );
  } catch {
    throw new Error(`${filter}: unknown currency '${code}' (use an ISO 4217 code such as EUR)`);
  }
  return f.format(n).replace(NBSP, " ");
}

function formatNumber(filter: string, locale: string, value: unknown, decimals: unknown): string {
  const n = toNumber(filter, value);
  if (n === null) return "";
  const digits = decimals === undefined || decimals === null ? null : Number(decimals);
  if (digits !== null && (!Number.isInteger(digits) || digits < 0 || digits > 10)) {
    throw new Error(`${filter}: the number of decimals must be a whole number from 0 to 10`);
  }
  const key = `number|${locale}|${digits ?? "auto"}`;
  const f = cached(key, () =>
    digits === null
      ? new Intl.NumberFormat(locale, { maximumFractionDigits: 3 })
      : new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  );
  return f.format(n).replace(NBSP, " ");
}

/** The scope's `today` (the clock of the render), so "now" | date_de follows a pinned clock too. */
function scopeToday(ctx: Context): () => Date {
  return () => {
    const env = ctx.environments as { today?: unknown } | undefined;
    return env?.today instanceof Date ? env.today : new Date();
  };
}

/** The part of liquidjs's filter `this` the formatters use. */
interface FilterThis {
  context: Context;
}

type Formatter = (this: FilterThis, value: unknown, arg?: unknown) => string;

export function registerCorrespondenceFilters(liquid: Liquid): void {
  const register = (name: string, format: Formatter) =>
    liquid.registerFilter(name, function (this: FilterThis, value: unknown, arg?: unknown) {
      // A preview placeholder stays itself: "[data.amount]" tells more than an error about formatting it.
      return value instanceof PlaceholderDrop ? value : format.call(this, value, arg);
    });
  register("date_de", function (v, zone) {
    return formatDate("date_de", v, zone, scopeToday(this.context), dayDe);
  });
  register("datetime_de", function (v, zone) {
    return formatDateTime("datetime_de", v, zone, scopeToday(this.context), dayDe, " ");
  });
  register("date_en", function (v, zone) {
    return formatDate("date_en", v, zone, scopeToday(this.context), dayEn);
  });
  register("datetime_en", function (v, zone) {
    return formatDateTime("datetime_en", v, zone, scopeToday(this.context), dayEn, ", ");
  });
  register("money_de", (v, currency) => formatMoney("money_de", "de-DE", v, currency));
  register("money_en", (v, currency) => formatMoney("money_en", "en-US", v, currency));
  register("number_de", (v, decimals) => formatNumber("number_de", "de-DE", v, decimals));
  register("number_en", (v, decimals) => formatNumber("number_en", "en-US", v, decimals));
}
