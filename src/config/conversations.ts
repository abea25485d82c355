import { z } from 'zod';
import { holidayProblem, overlapProblem, parseRange, WEEKDAYS, type OpenRange, type Weekday } from '../domain/hours.js';
import { DEFAULT_OPT_OUT, DEFAULT_RESUME, keywordForm } from '../domain/optOut.js';
import type { MessageTemplate, SessionSettings } from '../domain/types.js';
import { redirectTexts } from '../domain/variants.js';
import { duration, flag, strictObject, text } from './fields.js';
import { languageCode, message } from './texts.js';

// The session's conversation rules: business hours, languages, the follow-up, opt-out, group calls.

/** An IANA time zone, checked against the runtime's own list. */
export const timeZone = text.refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone like "Europe/Madrid"');

const range = z.string('expected a range like "09:00-13:30"').transform((s, ctx): OpenRange => {
  const r = parseRange(s);
  if (typeof r !== 'string') return r;
  ctx.addIssue({ code: 'custom', message: r });
  return z.NEVER;
});

const holiday = z.string('expected a date like "2026-12-25"').superRefine((d, ctx) => {
  const problem = holidayProblem(d);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const weekly = strictObject(
  Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(range).optional()])) as Record<
    Weekday,
    z.ZodOptional<z.ZodArray<typeof range>>
  >,
).superRefine((w, ctx) => {
  const problem = overlapProblem(w);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const hours = strictObject({
  timezone: timeZone,
  weekly: weekly.prefault({}),
  holidays: z.array(holiday).default([]),
})
  .optional()
  .transform((h) => h ?? null);

export const languages = strictObject({
  default: languageCode.default('en'),
  /** Calling code of the caller's number → language; the longest matching code wins. */
  byCountry: z
    .record(z.string().regex(/^[1-9]\d{0,3}$/, 'expected a calling code like "34"'), languageCode)
    .default({}),
}).prefault({});

export const followUp = strictObject({
  enabled: flag(false),
  after: duration('2h', 60_000),
  text: message('Hi {{name}}, still need a hand? Just reply here.'),
  whenClosed: z.enum(['wait', 'skip', 'send']).default('wait'),
}).prefault({});

/** Keywords as callers' messages are compared with them, the language defaults added. */
const keywords = (defaults: string[]) =>
  z
    .array(text)
    .default([])
    .transform((words) => new Set([...words, ...defaults].map(keywordForm)) as ReadonlySet<string>);

export const optOut = strictObject({
  keywords: keywords(DEFAULT_OPT_OUT),
  resume: keywords(DEFAULT_RESUME),
  confirm: message('Done: no more automatic messages from us. Write START to undo.'),
  resumed: message('Welcome back! Automatic replies are on again.'),
})
  .superRefine((o, ctx) => {
    const both = [...o.keywords].filter((k) => o.resume.has(k));
    if (both.length > 0)
      ctx.addIssue({ code: 'custom', message: `${both.join(', ')} cannot both opt out and resume`, path: ['resume'] });
  })
  .prefault({});

export const groupCalls = strictObject({ action: z.enum(['ignore', 'redirect', 'alert']).default('ignore') }).prefault(
  {},
);

/** Where a session's texts are, for the checks that span them. */
export function sessionTexts(
  s: Pick<SessionSettings, 'redirect' | 'welcome' | 'followUp' | 'optOut'>,
): Array<[path: string[], template: MessageTemplate]> {
  const found = redirectTexts(s.redirect).map(([key, t]): [string[], MessageTemplate] => [
    ['redirect', ...key.split('.')],
    t,
  ]);
  found.push([['welcome', 'text'], s.welcome.text], [['followUp', 'text'], s.followUp.text]);
  found.push([['optOut', 'confirm'], s.optOut.confirm], [['optOut', 'resumed'], s.optOut.resumed]);
  return found;
}

/** A text written by language must have the default language's: callers of every other language fall back to it. */
export function missingDefaultLanguage(template: MessageTemplate, fallback: string): string | null {
  if ('*' in template || fallback in template) return null;
  return `written by language, it needs a text for the default language "${fallback}" (languages.default), which callers of other languages get`;
}
