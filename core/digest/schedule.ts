// When a person's digest is due, in their own timezone: pure date arithmetic over Intl, no I/O.

export interface DigestPreferences {
  frequency: 'weekly' | 'daily' | 'off';
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Local hour, 0..23. */
  hour: number;
  /** IANA timezone. */
  timezone: string;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

export function localTime(at: Date, timezone: string): LocalTime {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      hourCycle: 'h23',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    weekday: WEEKDAYS[parts.weekday!]!,
  };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return { year: date.getUTCFullYear(), week: Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7) };
}

/**
 * The period a digest sent at `at` belongs to, in the person's timezone: `2026-W48` for weekly,
 * `2026-11-26` for daily. One digest per person and period, whatever retries happen.
 */
export function digestPeriod(at: Date, prefs: Pick<DigestPreferences, 'frequency' | 'timezone'>): string {
  const t = localTime(at, prefs.timezone);
  if (prefs.frequency === 'daily') {
    return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
  }
  const w = isoWeek(t.year, t.month, t.day);
  return `${w.year}-W${String(w.week).padStart(2, '0')}`;
}

/**
 * Whether the person's digest is due in the local hour that contains `at`: the first hour at or after their
 * chosen one on a due day. That is the chosen hour itself, or the next one on the night a clock change skips
 * it; when a clock change repeats the hour, only its first pass is due.
 */
export function isDigestDue(at: Date, prefs: DigestPreferences): boolean {
  if (prefs.frequency === 'off') return false;
  const t = localTime(at, prefs.timezone);
  const onDueDay = prefs.frequency === 'daily' || t.weekday === prefs.weekday;
  if (!onDueDay || t.hour < prefs.hour) return false;
  const before = localTime(new Date(at.getTime() - 3_600_000), prefs.timezone);
  const sameDay = before.year === t.year && before.month === t.month && before.day === t.day;
  return !(sameDay && before.hour >= prefs.hour);
}

/**
 * When the digest is next due at or after `from`, to the quarter hour; null when digests are off. A period
 * in `finished` (its digest already sent, empty or failed for good) is skipped: a daily 09:00 digest sent
 * today is next due tomorrow at 09:00, not at the next quarter hour of today's 09:00 hour.
 */
export function nextDigestAt(
  from: Date,
  prefs: DigestPreferences,
  finished: ReadonlySet<string> = new Set(),
): Date | null {
  if (prefs.frequency === 'off') return null;
  const QUARTER = 15 * 60_000;
  // Quarter hours, because some timezones are offset from UTC by 30 or 45 minutes.
  const at = new Date(Math.ceil(from.getTime() / QUARTER) * QUARTER);
  // Every quarter hour of the coming eight days: enough for any weekday, hour and timezone offset.
  for (let i = 0; i < 8 * 24 * 4; i++, at.setTime(at.getTime() + QUARTER)) {
    if (isDigestDue(at, prefs) && !finished.has(digestPeriod(at, prefs))) return new Date(at);
  }
  return null;
}

/** How long after its hour a digest is still sent, so that a tick missed while workers were down catches up. */
export const DIGEST_GRACE_HOURS = 6;

/**
 * The period whose digest is due at `at`: that of the most recent due hour within the grace hours before
 * `at` (the period of that hour, not of `at`, which may already be the next day or week). Null when none is.
 */
export function dueDigestPeriod(at: Date, prefs: DigestPreferences, graceHours = DIGEST_GRACE_HOURS): string | null {
  for (let h = 0; h <= graceHours; h++) {
    const hour = new Date(at.getTime() - h * 3_600_000);
    if (isDigestDue(hour, prefs)) return digestPeriod(hour, prefs);
  }
  return null;
}

/**
 * When the digest last fell due at or before `at` (the start of its due local hour), looking back at most
 * `lookbackHours`; null when none did (digests off, or a run for everyone outside the person's hour). The
 * digest lag metric is measured from it.
 */
export function lastDueAt(at: Date, prefs: DigestPreferences, lookbackHours = 24): Date | null {
  // Quarter hours, because some timezones are offset from UTC by 30 or 45 minutes.
  const QUARTER = 15 * 60_000;
  const limit = at.getTime() - lookbackHours * 3_600_000;
  let t = Math.floor(at.getTime() / QUARTER) * QUARTER;
  while (t >= limit && !isDigestDue(new Date(t), prefs)) t -= QUARTER;
  if (t < limit) return null;
  while (isDigestDue(new Date(t - QUARTER), prefs)) t -= QUARTER;
  return new Date(t);
}
