import { describe, expect, it } from 'vitest';
import {
  formatOpensAt,
  holidayProblem,
  isOpen,
  nextClosing,
  nextOpening,
  overlapProblem,
  parseRange,
  type BusinessHours,
  type OpenRange,
} from '../../../src/domain/hours.js';

const DAY = 86_400_000;

function ranges(...texts: string[]): OpenRange[] {
  return texts.map((text) => {
    const range = parseRange(text);
    if (typeof range === 'string') throw new Error(range);
    return range;
  });
}

/** Instants are written with their UTC offset, so each test states the wall clock it means. */
const at = (iso: string) => Date.parse(iso);

const weekday = ranges('09:00-13:30', '15:00-19:00');
// 2026-12-07 is a Monday; Christmas is a Friday and so is New Year's Day.
const shop: BusinessHours = {
  timezone: 'Europe/Madrid',
  weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [], sun: [] },
  holidays: ['2026-12-25', '2027-01-01'],
};
const bar: BusinessHours = {
  timezone: 'Europe/Madrid',
  weekly: { fri: ranges('22:00-02:00'), sun: ranges('22:00-02:00') },
  holidays: [],
};
const madrid = (weekly: BusinessHours['weekly']): BusinessHours => ({
  timezone: 'Europe/Madrid',
  weekly,
  holidays: [],
});
const newYork = (weekly: BusinessHours['weekly']): BusinessHours => ({
  ...madrid(weekly),
  timezone: 'America/New_York',
});

describe('whether a session is open', () => {
  it('is open until the minute it closes, and from the minute it opens', () => {
    expect(isOpen(shop, at('2026-12-07T18:59+01:00'))).toBe(true);
    expect(isOpen(shop, at('2026-12-07T19:00+01:00'))).toBe(false);
    expect(isOpen(shop, at('2026-12-07T19:01+01:00'))).toBe(false);
    expect(isOpen(shop, at('2026-12-07T08:59+01:00'))).toBe(false);
    expect(isOpen(shop, at('2026-12-07T09:00+01:00'))).toBe(true);
  });

  it('is closed over lunch and opens again at 15:00', () => {
    expect(isOpen(shop, at('2026-12-07T13:29+01:00'))).toBe(true);
    expect(isOpen(shop, at('2026-12-07T14:00+01:00'))).toBe(false);
    expect(nextOpening(shop, at('2026-12-07T14:00+01:00'))).toBe(at('2026-12-07T15:00+01:00'));
  });

  it('opens "now" while open', () => {
    expect(nextOpening(shop, at('2026-12-07T10:00+01:00'))).toBe(at('2026-12-07T10:00+01:00'));
  });

  it('keeps a 22:00-02:00 range open past midnight, also from Sunday into Monday', () => {
    expect(isOpen(bar, at('2026-12-06T23:59+01:00'))).toBe(true);
    expect(isOpen(bar, at('2026-12-07T01:59+01:00'))).toBe(true);
    expect(isOpen(bar, at('2026-12-07T02:01+01:00'))).toBe(false);
    expect(isOpen(bar, at('2026-12-12T01:59+01:00'))).toBe(true);
    expect(nextOpening(bar, at('2026-12-07T02:01+01:00'))).toBe(at('2026-12-11T22:00+01:00'));
  });

  it('is closed on a weekday not listed, and opens on Monday after the weekend', () => {
    expect(isOpen(shop, at('2026-12-12T10:00+01:00'))).toBe(false);
    expect(nextOpening(shop, at('2026-12-11T19:30+01:00'))).toBe(at('2026-12-14T09:00+01:00'));
  });

  it('is closed all day on a holiday, and the next opening skips it over a long weekend', () => {
    expect(isOpen(shop, at('2026-12-24T10:00+01:00'))).toBe(true);
    expect(isOpen(shop, at('2026-12-25T10:00+01:00'))).toBe(false);
    expect(isOpen(shop, at('2026-12-25T16:00+01:00'))).toBe(false);
    expect(nextOpening(shop, at('2026-12-24T19:30+01:00'))).toBe(at('2026-12-28T09:00+01:00'));
    expect(nextOpening(shop, at('2026-12-31T19:30+01:00'))).toBe(at('2027-01-04T09:00+01:00'));
  });

  it("runs the night before a holiday until 02:00, but not the holiday's own night", () => {
    const holidays = { ...bar, holidays: ['2026-12-12', '2026-12-13'] };
    expect(isOpen(holidays, at('2026-12-12T01:59+01:00'))).toBe(true);
    expect(isOpen(holidays, at('2026-12-13T23:00+01:00'))).toBe(false);
    expect(isOpen(holidays, at('2026-12-14T01:00+01:00'))).toBe(false);
    expect(nextOpening(holidays, at('2026-12-12T03:00+01:00'))).toBe(at('2026-12-18T22:00+01:00'));
  });

  it('never opens without ranges, nor when every open day of the next 400 is a holiday', () => {
    expect(nextOpening(madrid({}), at('2026-12-07T10:00+01:00'))).toBeNull();
    const mondays = Array.from({ length: 60 }, (_, week) => new Date(Date.UTC(2026, 11, 7) + week * 7 * DAY));
    const everyMonday = { ...madrid({ mon: weekday }), holidays: mondays.map((d) => d.toISOString().slice(0, 10)) };
    expect(nextOpening(everyMonday, at('2026-12-06T10:00+01:00'))).toBeNull();
  });
});

describe('the days the clocks change', () => {
  it('opens at 03:00 in Madrid when 02:30 does not exist (spring forward, 2027-03-28)', () => {
    const spring = madrid({ sun: ranges('02:30-05:00'), mon: ranges('09:00-10:00') });
    expect(nextOpening(spring, at('2027-03-27T12:00+01:00'))).toBe(at('2027-03-28T03:00+02:00'));
    expect(isOpen(spring, at('2027-03-28T01:59+01:00'))).toBe(false);
    expect(isOpen(spring, at('2027-03-28T03:00+02:00'))).toBe(true);
    expect(isOpen(spring, at('2027-03-28T04:59+02:00'))).toBe(true);
    expect(isOpen(spring, at('2027-03-28T05:00+02:00'))).toBe(false);
    expect(nextOpening(spring, at('2027-03-28T05:00+02:00'))).toBe(at('2027-03-29T09:00+02:00'));
  });

  it('stays open through the repeated hour in Madrid (fall back, 2026-10-25)', () => {
    const night = madrid({ sun: ranges('01:00-04:00') });
    expect(nextOpening(night, at('2026-10-24T12:00+02:00'))).toBe(at('2026-10-25T01:00+02:00'));
    expect(isOpen(night, at('2026-10-25T02:59+02:00'))).toBe(true);
    expect(isOpen(night, at('2026-10-25T02:30+01:00'))).toBe(true);
    expect(isOpen(night, at('2026-10-25T03:59+01:00'))).toBe(true);
    expect(isOpen(night, at('2026-10-25T04:00+01:00'))).toBe(false);
  });

  it('opens at the first 02:30 when 02:30 happens twice', () => {
    const late = madrid({ sun: ranges('02:30-05:00') });
    expect(nextOpening(late, at('2026-10-24T12:00+02:00'))).toBe(at('2026-10-25T02:30+02:00'));
    expect(isOpen(late, at('2026-10-25T02:29+02:00'))).toBe(false);
    expect(isOpen(late, at('2026-10-25T02:10+01:00'))).toBe(true);
    expect(isOpen(late, at('2026-10-25T04:59+01:00'))).toBe(true);
  });

  it('keeps 09:00 at 09:00 in New York across the change, and handles its gap and repeated hour', () => {
    const office = newYork({ fri: ranges('09:00-17:00'), mon: ranges('09:00-17:00') });
    expect(nextOpening(office, at('2027-03-12T17:00-05:00'))).toBe(at('2027-03-15T09:00-04:00'));
    expect(isOpen(office, at('2027-03-15T08:59-04:00'))).toBe(false);
    expect(isOpen(office, at('2027-03-15T16:59-04:00'))).toBe(true);
    expect(isOpen(office, at('2027-03-15T17:00-04:00'))).toBe(false);
    const spring = newYork({ sun: ranges('02:00-03:30') });
    expect(nextOpening(spring, at('2027-03-13T12:00-05:00'))).toBe(at('2027-03-14T03:00-04:00'));
    expect(nextClosing(spring, at('2027-03-13T12:00-05:00'))).toBe(at('2027-03-14T03:30-04:00'));
    const fall = newYork({ sun: ranges('01:00-01:30') });
    expect(nextOpening(fall, at('2026-10-31T12:00-04:00'))).toBe(at('2026-11-01T01:00-04:00'));
    expect(isOpen(fall, at('2026-11-01T01:15-05:00'))).toBe(true);
    expect(isOpen(fall, at('2026-11-01T01:30-05:00'))).toBe(false);
  });
});

describe('when an open period closes', () => {
  it('is the end of the range open now, or of the next one while closed', () => {
    expect(nextClosing(shop, at('2026-12-07T10:00+01:00'))).toBe(at('2026-12-07T13:30+01:00'));
    expect(nextClosing(shop, at('2026-12-07T14:00+01:00'))).toBe(at('2026-12-07T19:00+01:00'));
    expect(nextClosing(shop, at('2026-12-24T19:30+01:00'))).toBe(at('2026-12-28T13:30+01:00'));
  });

  it('takes back-to-back ranges as one period, and is null when it never opens or never closes', () => {
    const late = madrid({ mon: ranges('18:00-24:00'), tue: ranges('00:00-02:00') });
    expect(nextClosing(late, at('2026-12-07T20:00+01:00'))).toBe(at('2026-12-08T02:00+01:00'));
    expect(nextClosing(madrid({}), at('2026-12-07T20:00+01:00'))).toBeNull();
    const always = ranges('00:00-24:00');
    const allWeek = madrid({
      mon: always,
      tue: always,
      wed: always,
      thu: always,
      fri: always,
      sat: always,
      sun: always,
    });
    expect(nextClosing(allWeek, at('2026-12-07T20:00+01:00'))).toBeNull();
  });
});

describe('the opening as a caller reads it', () => {
  // Thursday 2026-12-03, 10:00 in Madrid.
  const now = at('2026-12-03T10:00+01:00');
  const openings = [
    at('2026-12-03T15:00+01:00'),
    at('2026-12-04T09:00+01:00'),
    at('2026-12-07T09:00+01:00'),
    at('2026-12-09T09:00+01:00'),
    at('2026-12-10T09:00+01:00'),
    at('2026-12-25T09:00+01:00'),
  ];
  const read = (language: string) => openings.map((opening) => formatOpensAt(opening, now, 'Europe/Madrid', language));

  it('says today, tomorrow, a weekday within 6 days and a date beyond, in English', () => {
    expect(read('en')).toEqual([
      'today at 15:00',
      'tomorrow at 09:00',
      'Monday at 09:00',
      'Wednesday at 09:00',
      'on December 10 at 09:00',
      'on December 25 at 09:00',
    ]);
    expect(read('en-GB')[5]).toBe('on 25 December at 09:00');
  });

  it('says it in Spanish and Portuguese, with "a la" and "à" at one o’clock', () => {
    expect(read('es')).toEqual([
      'hoy a las 15:00',
      'mañana a las 09:00',
      'lunes a las 09:00',
      'miércoles a las 09:00',
      'el 10 de diciembre a las 09:00',
      'el 25 de diciembre a las 09:00',
    ]);
    expect(read('pt')).toEqual([
      'hoje às 15:00',
      'amanhã às 09:00',
      'segunda-feira às 09:00',
      'quarta-feira às 09:00',
      'em 10 de dezembro às 09:00',
      'em 25 de dezembro às 09:00',
    ]);
    const oneOClock = at('2026-12-04T01:30+01:00');
    expect(formatOpensAt(oneOClock, now, 'Europe/Madrid', 'es')).toBe('mañana a la 01:30');
    expect(formatOpensAt(oneOClock, now, 'Europe/Madrid', 'pt-BR')).toBe('amanhã à 01:30');
  });

  it("counts days on the session's calendar, not by 24 hours or in UTC", () => {
    const lateEvening = at('2026-12-03T23:30-05:00');
    expect(formatOpensAt(at('2026-12-04T00:30-05:00'), lateEvening, 'America/New_York', 'en')).toBe(
      'tomorrow at 00:30',
    );
    expect(formatOpensAt(at('2026-12-03T23:45-05:00'), lateEvening, 'America/New_York', 'en')).toBe('today at 23:45');
  });

  it('reads in English for a language it has no words for, or a tag that is not one', () => {
    for (const language of ['xx', 'ja', '', 'not a language!']) expect(read(language)).toEqual(read('en'));
  });
});

describe('the config checks', () => {
  it('reads ranges, past midnight and up to 24:00 too', () => {
    expect(ranges('09:00-13:30', '22:00-02:00', '00:00-24:00', ' 9:00 - 17:00 ')).toEqual([
      { from: 540, to: 810 },
      { from: 1320, to: 120 },
      { from: 0, to: 1440 },
      { from: 540, to: 1020 },
    ]);
  });

  it('says what is wrong with a range', () => {
    expect(parseRange('25:00-26:00')).toBe('25:00 is not a time of day (00:00-24:00)');
    expect(parseRange('09:00-09:60')).toBe('09:60 is not a time of day (00:00-24:00)');
    expect(parseRange('9-17')).toBe('"9-17" is not a range like "09:00-13:30"');
    expect(parseRange('09:00-09:00')).toBe(
      '09:00-09:00 opens and closes at the same time (a whole day is 00:00-24:00)',
    );
    expect(parseRange('24:00-02:00')).toBe('24:00-02:00 starts at 24:00: write it as 00:00 of the next day');
  });

  it('names two ranges that overlap on one day, or across midnight into the next', () => {
    expect(overlapProblem({ mon: ranges('09:00-13:30', '13:00-19:00') })).toBe('mon: 09:00-13:30 overlaps 13:00-19:00');
    expect(overlapProblem({ tue: ranges('22:00-02:00'), wed: ranges('01:00-09:00') })).toBe(
      'tue 22:00-02:00 runs past midnight into wed 01:00-09:00',
    );
    expect(overlapProblem({ mon: ranges('01:00-09:00'), sun: ranges('22:00-02:00') })).toBe(
      'sun 22:00-02:00 runs past midnight into mon 01:00-09:00',
    );
  });

  it('lets ranges touch without overlapping', () => {
    expect(overlapProblem({ mon: ranges('09:00-13:30', '13:30-19:00') })).toBeNull();
    expect(overlapProblem({ sun: ranges('22:00-02:00'), mon: ranges('02:00-09:00', '22:00-24:00') })).toBeNull();
  });

  it('takes only real calendar dates as holidays', () => {
    expect(holidayProblem('2026-12-25')).toBeNull();
    expect(holidayProblem('2028-02-29')).toBeNull();
    expect(holidayProblem('2026-02-30')).toBe('2026-02-30 is not a real date: 2026-02 has 28 days');
    expect(holidayProblem('2026-13-01')).toBe('2026-13-01 is not a real date: there is no month 13');
    expect(holidayProblem('25/12/2026')).toBe('"25/12/2026" is not a date like 2026-12-25');
  });
});
