/**
 * Business hours: whether a session is open at an instant, when it opens next, and how a caller reads
 * that opening. Instants are epoch ms; the session's wall clock comes from Intl, never from the host's zone.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Minutes from local midnight; `to` <= `from` means the range runs past midnight into the next day.
 * "24:00" (1440) is allowed as an end.
 */
export interface OpenRange {
  from: number;
  to: number;
}

export interface BusinessHours {
  /** IANA name. */
  timezone: string;
  /** A weekday not listed is closed. */
  weekly: Partial<Record<Weekday, OpenRange[]>>;
  /** YYYY-MM-DD: whole days closed, in the session's timezone. */
  holidays: string[];
}

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/** How far ahead a schedule is searched before it counts as never opening. */
const HORIZON_DAYS = 400;
/** Open for longer than this without a break counts as never closing: a period that long is open around the clock. */
const LONGEST_PERIOD_DAYS = 8;

// The config checks.

const rangeSyntax = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/;

function minutesOf(hh: string, mm: string): number | string {
  const hour = Number(hh);
  const minute = Number(mm);
  if (minute > 59 || hour > 24 || (hour === 24 && minute > 0)) return `${hh}:${mm} is not a time of day (00:00-24:00)`;
  return hour * 60 + minute;
}

const twoDigits = (n: number) => String(n).padStart(2, '0');
const clock = (minutes: number) => `${twoDigits(Math.floor(minutes / 60))}:${twoDigits(minutes % 60)}`;
const rangeText = (r: OpenRange) => `${clock(r.from)}-${clock(r.to)}`;

/** "09:00-13:30" → range, or a problem in words ("25:00 is not a time of day (00:00-24:00)"). Rejects from === to. */
export function parseRange(text: string): OpenRange | string {
  const m = rangeSyntax.exec(text);
  if (!m) return `"${text}" is not a range like "09:00-13:30"`;
  const from = minutesOf(m[1]!, m[2]!);
  if (typeof from === 'string') return from;
  const to = minutesOf(m[3]!, m[4]!);
  if (typeof to === 'string') return to;
  if (from === DAY_MINUTES) return `${text.trim()} starts at 24:00: write it as 00:00 of the next day`;
  if (from === to) return `${text.trim()} opens and closes at the same time (a whole day is 00:00-24:00)`;
  return { from, to };
}

/**
 * A problem naming the two overlapping ranges of one weekday (also a past-midnight range overlapping the next
 * day's first range), or null. Ranges that only touch ("09:00-13:30", "13:30-19:00") do not overlap.
 */
export function overlapProblem(weekly: BusinessHours['weekly']): string | null {
  const spans = WEEKDAYS.flatMap((name, day) =>
    (weekly[name] ?? []).map((range) => {
      const start = day * DAY_MINUTES + range.from;
      const end = day * DAY_MINUTES + range.to + (range.to <= range.from ? DAY_MINUTES : 0);
      return { day, range, start, end };
    }),
  );
  const named = (span: (typeof spans)[number]) => `${WEEKDAYS[span.day]} ${rangeText(span.range)}`;
  for (const [i, a] of spans.entries()) {
    for (const b of spans.slice(i + 1)) {
      // Shifted by a week, so that Sunday's past-midnight range meets Monday's first one.
      const overlap = [-WEEK_MINUTES, 0, WEEK_MINUTES].some((s) => a.start < b.end + s && b.start + s < a.end);
      if (!overlap) continue;
      if (a.day === b.day) return `${WEEKDAYS[a.day]}: ${rangeText(a.range)} overlaps ${rangeText(b.range)}`;
      const [early, late] = (b.day - a.day + 7) % 7 === 1 ? [a, b] : [b, a];
      return `${named(early)} runs past midnight into ${named(late)}`;
    }
  }
  return null;
}

/** Whether `date` ("2026-12-25") is a real calendar date; a problem string otherwise, else null. */
export function holidayProblem(date: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return `"${date}" is not a date like 2026-12-25`;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `${date} is not a real date: there is no month ${month}`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return `${date} is not a real date: ${m[1]}-${m[2]} has ${daysInMonth} days`;
  return null;
}

// The session's wall clock. A "wall" value is the local date and time read as if it were UTC, in ms.

/** Formatters are costly to build and these run per call: one per kind, locale and timezone. */
const FORMATS = {
  wall: {
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  },
  time: { hourCycle: 'h23', hour: '2-digit', minute: '2-digit' },
  weekday: { weekday: 'long' },
  date: { day: 'numeric', month: 'long' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

const formats = new Map<string, Intl.DateTimeFormat>();

function format(kind: keyof typeof FORMATS, locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${locale} ${timeZone}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...FORMATS[kind], timeZone });
    formats.set(key, f);
  }
  return f;
}

/** How far the wall clock is ahead of UTC at `at` (to the second, as Intl reads it). */
function offsetAt(timeZone: string, at: number): number {
  const second = Math.floor(at / SECOND) * SECOND;
  const parts = format('wall', 'en-US', timeZone).formatToParts(second);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - second;
}

const wallAt = (timeZone: string, at: number) => at + offsetAt(timeZone, at);

/** The local calendar day at `at`, counted in days from 1970-01-01. */
const localDay = (timeZone: string, at: number) => Math.floor(wallAt(timeZone, at) / DAY);

/**
 * The instant at which the wall clock reads `wall`. Read twice (the fall-back hour): the first reading for an
 * opening and the last for a closing, so a range stays open through its whole wall-clock span. Never read
 * (the spring-forward gap): the first instant after the gap.
 */
function instantOf(timeZone: string, wall: number, reading: 'first' | 'last'): number {
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  if (before === after) return wall - before;
  const readings = [wall - before, wall - after].filter((t) => wallAt(timeZone, t) === wall);
  if (readings.length > 0) return reading === 'first' ? Math.min(...readings) : Math.max(...readings);
  // In the gap: the change of offset lies between these two instants; find it to the second.
  let [onOld, onNew] = [wall - after, wall - before];
  while (onNew - onOld > SECOND) {
    const mid = onOld + Math.floor((onNew - onOld) / (2 * SECOND)) * SECOND;
    if (offsetAt(timeZone, mid) === before) onOld = mid;
    else onNew = mid;
  }
  return onNew;
}

// Opening and closing.

interface Period {
  start: number;
  end: number;
}

const dateText = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
// 1970-01-01 was a Thursday.
const weekdayOf = (day: number): Weekday => WEEKDAYS[(((day + 3) % 7) + 7) % 7]!;

/** The periods whose ranges start on local `day`, in order; none on a holiday. A range wholly in a DST gap has none. */
function periodsOn(hours: BusinessHours, day: number): Period[] {
  const ranges = hours.weekly[weekdayOf(day)] ?? [];
  if (ranges.length === 0 || hours.holidays.includes(dateText(day))) return [];
  return ranges
    .map(({ from, to }) => {
      const endDay = to <= from ? day + 1 : day;
      return {
        start: instantOf(hours.timezone, day * DAY + from * MINUTE, 'first'),
        end: instantOf(hours.timezone, endDay * DAY + to * MINUTE, 'last'),
      };
    })
    .filter((p) => p.start < p.end)
    .sort((a, b) => a.start - b.start);
}

/** When the periods open at `at` close (the latest of them); null when the session is closed. */
function openUntil(hours: BusinessHours, at: number): number | null {
  const today = localDay(hours.timezone, at);
  const ends = [...periodsOn(hours, today - 1), ...periodsOn(hours, today)]
    .filter((p) => p.start <= at && at < p.end)
    .map((p) => p.end);
  return ends.length > 0 ? Math.max(...ends) : null;
}

/**
 * Open at instant `at`? A range belongs to the day it starts on: a holiday closes the ranges starting that day
 * (a 22:00-02:00 range of the day before a holiday still runs until 02:00 of the holiday).
 */
export function isOpen(hours: BusinessHours, at: number): boolean {
  return openUntil(hours, at) !== null;
}

/** `at` itself when open; else the next instant the session opens; null when it does not within 400 days. */
export function nextOpening(hours: BusinessHours, at: number): number | null {
  if (isOpen(hours, at)) return at;
  const today = localDay(hours.timezone, at);
  for (let day = today; day <= today + HORIZON_DAYS; day++) {
    const next = periodsOn(hours, day).find((p) => p.start > at);
    if (next) return next.start;
  }
  return null;
}

/**
 * When the open period at `at` (or else the next one) closes, for a follow-up that must wait; back-to-back
 * ranges ("mon 18:00-24:00", "tue 00:00-02:00") are one period. Null when it never opens, or stays open for
 * more than 8 days on end.
 */
export function nextClosing(hours: BusinessHours, at: number): number | null {
  const opening = nextOpening(hours, at);
  if (opening === null) return null;
  // Each step moves forward: a period open at `closing` ends after it.
  for (let closing = opening; closing - opening <= LONGEST_PERIOD_DAYS * DAY;) {
    const further = openUntil(hours, closing);
    if (further === null) return closing;
    closing = further;
  }
  return null;
}

// How a caller reads the opening.

type Phrases = { at: string; atOne?: string; on: string };

/** Per language, the word joining a day and a time (`atOne` at one o'clock) and the one before a date. */
const PHRASES = new Map<string, Phrases>([
  ['en', { at: 'at', on: 'on' }],
  ['es', { at: 'a las', atOne: 'a la', on: 'el' }],
  ['pt', { at: 'às', atOne: 'à', on: 'em' }],
  ['fr', { at: 'à', on: 'le' }],
  ['de', { at: 'um', on: 'am' }],
  ['it', { at: 'alle', on: 'il' }],
]);

const ENGLISH = { locale: 'en', phrases: PHRASES.get('en')! };

/**
 * The language and region of `language` ("es-MX", "pt") with its words; English for a language without words here
 * (so a caller never reads two languages at once) or a tag that is not one. Never throws.
 */
function wordsFor(language: string): { locale: string; phrases: Phrases } {
  try {
    const tag = new Intl.Locale(language.replace('_', '-'));
    const phrases = PHRASES.get(tag.language);
    if (!phrases) return ENGLISH;
    return { locale: tag.region ? `${tag.language}-${tag.region}` : tag.language, phrases };
  } catch {
    return ENGLISH;
  }
}

const relative = new Map<string, Intl.RelativeTimeFormat>();

function relativeDay(locale: string, days: number): string {
  let f = relative.get(locale);
  if (!f) {
    f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    relative.set(locale, f);
  }
  return f.format(days, 'day');
}

/**
 * `{{opensAt}}`: the opening as a caller reads it, in the session's timezone and the caller's language: "today at
 * 15:00", "tomorrow at 09:00", "Monday at 09:00" (within 6 days), "on December 25 at 09:00" beyond that. Days count
 * on the local calendar, so 00:30 is "tomorrow" at 23:30.
 */
export function formatOpensAt(opening: number, now: number, timezone: string, language: string): string {
  const { locale, phrases } = wordsFor(language);
  const days = localDay(timezone, opening) - localDay(timezone, now);
  let day: string;
  if (days === 0 || days === 1) day = relativeDay(locale, days);
  else if (days > 1 && days <= 6) day = format('weekday', locale, timezone).format(opening);
  else day = `${phrases.on} ${format('date', locale, timezone).format(opening)}`;
  const oneOClock = Math.floor((wallAt(timezone, opening) % DAY) / HOUR) === 1;
  const at = oneOClock && phrases.atOne ? phrases.atOne : phrases.at;
  return `${day} ${at} ${format('time', locale, timezone).format(opening)}`;
}
