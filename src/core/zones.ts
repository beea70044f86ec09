/**
 * Local time for reports (DESIGN §7 `tz`): logs and stored periods are UTC, people think in
 * local days. A {@link Calendar} names and bounds periods in one IANA time zone: its days
 * and months begin at local midnight (23- and 25-hour days included), and each is read as
 * the UTC periods that tile it exactly, which needs the zone's offset to be a multiple of
 * 30 minutes at its bounds (else {@link ZoneError}). 30-minute and hourly periods are the
 * stored ones in every zone: UTC hours, which in a zone of a half-hour offset (India) begin
 * at half past the local hour. The zone data is the runtime's own (`Intl`): no table here.
 * @module
 */
import { type Period, periodBounds, periodKey, WINDOW_MS } from "./windows.ts";

/** A time zone this calendar cannot serve, or a local period that does not fit windows. */
export class ZoneError extends RangeError {
  override name = "ZoneError";
}

/** Names and bounds of periods, in one zone. */
export interface Calendar {
  /** The IANA name (`UTC` for the stored calendar). */
  readonly zone: string;
  /** True for UTC: periods are the stored ones. */
  readonly utc: boolean;
  /** The key of the `period` that contains instant `ms` (local date for daily and monthly). */
  key(period: Period, ms: number): string;
  /** Bounds of a period by its key, epoch ms, end exclusive. @throws ZoneError, or on a bad key */
  bounds(period: Period, key: string): { start: number; end: number };
  /** The zone's offset from UTC at instant `ms`, in ms (east positive). */
  offset(ms: number): number;
  /**
   * The instant of a local wall time (given as if it were UTC): the earlier one where the
   * clock shows it twice, the time as far after the gap where the clock skips it.
   */
  instant(wall: number): number;
}

/** The stored periods' calendar. */
export const UTC_CALENDAR: Calendar = {
  zone: "UTC",
  utc: true,
  key: periodKey,
  bounds: periodBounds,
  offset: () => 0,
  instant: (wall) => wall,
};

/** Whether `name` looks like an IANA zone name (checked before the runtime is asked). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/** Whether the runtime knows the zone `name`. */
export function isZoneName(name: string): boolean {
  if (name.length > 64 || !ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Offsets (ms) kept per zone, by minute (some zones changed at 00:01 until 2011). */
const OFFSETS_KEPT = 20_000;

/** A zone's UTC offset (ms, east positive) at any instant. */
function offsets(zone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const kept = new Map<number, number>();
  return (ms) => {
    const minute = Math.floor(ms / 60_000);
    let offset = kept.get(minute);
    if (offset === undefined) {
      const at = minute * 60_000;
      const p: Record<string, number> = {};
      for (const part of format.formatToParts(at)) {
        if (part.type !== "literal") p[part.type] = Number(part.value);
      }
      offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
      if (kept.size >= OFFSETS_KEPT) kept.clear();
      kept.set(minute, offset);
    }
    return offset;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * The calendar of zone `name`, spelt as the runtime spells it where only case differs
 * (`europe/berlin` is `Europe/Berlin`; `GMT`, `Zulu` and `utc` are UTC; `Asia/Kolkata`
 * stays so, though the runtime may call it `Asia/Calcutta`). @throws ZoneError when unknown
 */
export function calendar(given: string): Calendar {
  let cal = calendars.get(given);
  if (cal === undefined) {
    cal = makeCalendar(given);
    if (calendars.size >= CALENDARS_KEPT) calendars.clear();
    calendars.set(given, cal);
  }
  return cal;
}

/** Calendars made, by the name asked for: each keeps the offsets it has looked up. */
const calendars = new Map<string, Calendar>();
const CALENDARS_KEPT = 100;

function makeCalendar(given: string): Calendar {
  if (!isZoneName(given)) throw new ZoneError(`unknown time zone "${given}"`);
  const own = new Intl.DateTimeFormat("en-US", { timeZone: given }).resolvedOptions().timeZone;
  if (own === "UTC" || own === "Etc/UTC") return UTC_CALENDAR;
  const name = own.toLowerCase() === given.toLowerCase() ? own : given;
  const offset = offsets(name);
  /** Local wall time of an instant, as if it were UTC. */
  const wall = (ms: number) => ms + offset(ms);
  const localDate = (ms: number) => new Date(wall(ms)).toISOString().slice(0, 10);
  /** The first instant of the local day `ymd` (local midnight, or the end of a gap over it). */
  const dayStart = (y: number, m: number, d: number): number => {
    const midnight = Date.UTC(y, m - 1, d);
    // Every instant whose wall time is midnight has one of the offsets around it.
    const candidates = [-14, 0, 14].map((h) => midnight - offset(midnight + h * 3_600_000))
      .filter((t) => wall(t) === midnight);
    let start: number;
    if (candidates.length > 0) start = Math.min(...candidates);
    else {
      // Midnight falls in a gap (the clock jumps over it): the day begins at the jump.
      let lo = midnight - 15 * 3_600_000;
      let hi = midnight + 15 * 3_600_000;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (wall(mid) >= midnight) hi = mid;
        else lo = mid;
      }
      start = hi;
    }
    if (start % WINDOW_MS !== 0) {
      const o = offset(start) / 60_000;
      throw new ZoneError(
        `time zone ${name} is UTC${o < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(o) / 60))}:${
          pad(Math.abs(o) % 60)
        } on ${y}-${pad(m)}-${pad(d)}: its days do not begin on a 30-minute boundary, so ` +
          "they cannot be made of the stored 30-minute windows",
      );
    }
    return start;
  };
  return {
    zone: name,
    utc: false,
    offset,
    instant(w) {
      // The true instant lies within 14 hours of the wall time read as UTC.
      const around = [-14, 0, 14].map((h) => offset(w + h * 3_600_000));
      const valid = around.map((o) => w - o).filter((t) => wall(t) === w);
      // In a gap the offset grows: read the wall time with the offset before it.
      return valid.length > 0 ? Math.min(...valid) : w - Math.min(...around);
    },
    key(period, ms) {
      if (period === "30min" || period === "hourly") return periodKey(period, ms);
      const date = localDate(ms);
      return period === "daily" ? date : date.slice(0, 7);
    },
    bounds(period, key) {
      if (period === "30min" || period === "hourly") return periodBounds(period, key);
      // The UTC bounds check the key; the local ones are the same dates' midnights.
      const utc = periodBounds(period, key);
      const first = new Date(utc.start);
      const next = new Date(utc.end);
      return {
        start: dayStart(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate()),
        end: dayStart(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()),
      };
    },
  };
}

/**
 * An instant as a user wrote it: with an offset (`Z`, `+02:00`) it is that instant; a date
 * or a date-time without one is wall time in the calendar's zone (UTC by default).
 * @throws ZoneError when it does not parse
 */
export function parseInstant(text: string, cal: Calendar = UTC_CALENDAR): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/
    .exec(text);
  const bad = () => new ZoneError(`"${text}" is not an ISO-8601 date or time`);
  if (!m) {
    // With an offset, the instant it names; nothing else (Date.parse reads other text in
    // the server's own zone).
    if (!OFFSET_TIME.test(text)) throw bad();
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw bad();
    return t;
  }
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => (x === undefined ? 0 : Number(x)));
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // A day the calendar has (Date.UTC reads 30 February as 1 March), a clock that exists.
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw bad();
  }
  if (m[4] === undefined) return cal.bounds("daily", `${m[1]}-${m[2]}-${m[3]}`).start;
  return cal.instant(wall);
}

/** An ISO-8601 date-time with an explicit offset. */
const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An instant as local ISO-8601 with its offset (`2024-03-10T01:30:00.000-05:00`); UTC as `Z`. */
export function localIso(cal: Calendar, ms: number): string {
  if (cal.utc) return new Date(ms).toISOString();
  const o = cal.offset(ms) / 60_000;
  const sign = o < 0 ? "-" : "+";
  return new Date(ms + o * 60_000).toISOString().slice(0, 23) +
    `${sign}${pad(Math.floor(Math.abs(o) / 60))}:${pad(Math.abs(o) % 60)}`;
}

/**
 * The coarsest stored (UTC) periods that tile [start, end) exactly, in time order: a local
 * day in New York is 24 hours (23 or 25 on DST days), a local month its days and hours.
 * Both bounds must lie on 30-minute boundaries.
 */
export function tile(start: number, end: number): Array<{ period: Period; key: string }> {
  if (start % WINDOW_MS !== 0 || end % WINDOW_MS !== 0) {
    throw new ZoneError(`[${start}, ${end}) does not lie on 30-minute boundaries`);
  }
  const out: Array<{ period: Period; key: string }> = [];
  for (let t = start; t < end;) {
    for (const period of ["monthly", "daily", "hourly", "30min"] as const) {
      const key = periodKey(period, t);
      const b = periodBounds(period, key);
      if (b.start === t && b.end <= end) {
        out.push({ period, key });
        t = b.end;
        break;
      }
    }
  }
  return out;
}
