// A time in a request: ISO 8601 with an offset, at an instant the database can hold. PostgreSQL's timestamptz
// has no year 0 and the drivers write years past 9999 in a form it does not read, so
// `0001-01-01T00:00:00+14:00` (year 0 in UTC) or `9999-12-31T23:59:59-14:00` (year 10000) failed the
// statement with a 500; they are refused as a 400 instead.
import { z } from "zod";

const MIN = new Date("0001-01-01T00:00:00Z").getTime();
const MAX = new Date("9999-12-31T23:59:59.999Z").getTime();

export const isoTime = z.iso.datetime({ offset: true }).refine(
  (s) => {
    const t = Date.parse(s);
    return t >= MIN && t <= MAX;
  },
  { message: "must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z" },
);
