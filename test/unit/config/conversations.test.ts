import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { variantId } from '../../../src/config/texts.js';
import { minimal, problemsOf } from './helpers.js';

/** The default session with `session` merged in. */
const withSession = (session: Record<string, unknown>) =>
  parseConfig({ ...minimal, sessions: { default: { gateway: 'local', ...session } } }, {}).sessions.default!;
const problems = (session: Record<string, unknown>) => problemsOf(() => withSession(session));

describe('texts to callers', () => {
  it('a string, a list of variants, or a map by language become variants by language', () => {
    const s = withSession({
      redirect: {
        voice: 'Hi {{name}}',
        video: ['A {{name}}', { text: 'B {{name}}', weight: 3 }],
        repeat: { en: 'Again', es: ['Otra vez', { text: 'De nuevo', weight: 2 }] },
      },
    });
    expect(s.redirect.voice).toEqual({ '*': [{ text: 'Hi {{name}}', weight: 1, id: variantId('Hi {{name}}') }] });
    expect(s.redirect.video['*']!.map((v) => [v.text, v.weight])).toEqual([
      ['A {{name}}', 1],
      ['B {{name}}', 3],
    ]);
    expect(Object.keys(s.redirect.repeat)).toEqual(['en', 'es']);
    expect(s.redirect.repeat.es!.map((v) => v.weight)).toEqual([1, 2]);
  });

  it("a variant's id is the first 8 hex of the SHA-256 of its text", () => {
    expect(variantId('Hi {{name}}')).toMatch(/^[0-9a-f]{8}$/);
    expect(variantId('Hi {{name}}')).not.toBe(variantId('Hi {{name}}!'));
  });

  it('refuses a weight of 0 or less, naming the variant', () => {
    expect(problems({ redirect: { voice: ['A', { text: 'B', weight: 0 }] } })).toEqual([
      'sessions.default.redirect.voice[1].weight: a weight must be more than 0',
    ]);
  });

  it('refuses a placeholder a text cannot have: {{opensAt}} outside the closed texts', () => {
    expect(problems({ redirect: { voice: 'Back {{opensAt}}' } })[0]).toMatch(
      /^sessions\.default\.redirect\.voice: unknown placeholder \{\{opensAt\}\}/,
    );
    expect(() =>
      withSession({ hours: { timezone: 'UTC' }, redirect: { closed: { voice: 'Back {{opensAt}}' } } }),
    ).not.toThrow();
  });

  it('a text written by language needs the default language', () => {
    expect(
      problems({ languages: { default: 'en', byCountry: { '34': 'es' } }, redirect: { voice: { es: 'Hola' } } }),
    ).toEqual([
      'sessions.default.redirect.voice: written by language, it needs a text for the default language "en" (languages.default), which callers of other languages get',
    ]);
  });

  it('refuses a language code that is not one', () => {
    expect(problems({ languages: { byCountry: { '34': 'Spanish!' } } })[0]).toMatch(
      /byCountry\.34: expected a language code/,
    );
  });
});

describe('business hours', () => {
  it('reads ranges, holidays and the time zone', () => {
    const s = withSession({
      hours: {
        timezone: 'Europe/Madrid',
        weekly: { mon: ['09:00-13:30', '15:00-19:00'], fri: ['22:00-02:00'] },
        holidays: ['2026-12-25'],
      },
    });
    expect(s.hours).toEqual({
      timezone: 'Europe/Madrid',
      weekly: {
        mon: [
          { from: 540, to: 810 },
          { from: 900, to: 1140 },
        ],
        fri: [{ from: 1320, to: 120 }],
      },
      holidays: ['2026-12-25'],
    });
    expect(withSession({}).hours).toBeNull();
  });

  it('names each mistake by its path', () => {
    expect(problems({ hours: { timezone: 'Mars/Olympus' } })).toEqual([
      'sessions.default.hours.timezone: expected an IANA time zone like "Europe/Madrid"',
    ]);
    expect(problems({ hours: { timezone: 'UTC', weekly: { mon: ['09:00-25:00'] } } })[0]).toMatch(
      /^sessions\.default\.hours\.weekly\.mon\[0\]: .*25:00/,
    );
    expect(problems({ hours: { timezone: 'UTC', weekly: { mon: ['09:00-13:00', '12:00-14:00'] } } })[0]).toMatch(
      /^sessions\.default\.hours\.weekly: .*overlap/i,
    );
    expect(problems({ hours: { timezone: 'UTC', weekly: { monday: [] } } })[0]).toMatch(
      /^sessions\.default\.hours\.weekly\.monday: unknown key; allowed: mon, tue/,
    );
    expect(problems({ hours: { timezone: 'UTC', holidays: ['2026-02-30'] } })[0]).toMatch(
      /^sessions\.default\.hours\.holidays\[0\]: /,
    );
  });
});

describe('opt-out, follow-up and group calls', () => {
  it('adds the language defaults to the keywords, compared without case or accents', () => {
    const s = withSession({ optOut: { keywords: ['Arrêtez'] } });
    expect(s.optOut.keywords.has('ARRETEZ')).toBe(true);
    expect(s.optOut.keywords.has('STOP')).toBe(true);
    expect(s.optOut.keywords.has('BAJA')).toBe(true);
    expect(s.optOut.resume.has('START')).toBe(true);
  });

  it('refuses a word that would both opt out and resume', () => {
    expect(problems({ optOut: { resume: ['stop'] } })).toEqual([
      'sessions.default.optOut.resume: STOP cannot both opt out and resume',
    ]);
  });

  it('the follow-up waits at least a minute, and whenClosed is one of wait, skip, send', () => {
    expect(withSession({ followUp: { enabled: true, after: '90m' } }).followUp).toMatchObject({
      after: 5_400_000,
      whenClosed: 'wait',
    });
    expect(problems({ followUp: { after: '10s' } })[0]).toMatch(/followUp\.after: must be at least 1m/);
    expect(problems({ followUp: { whenClosed: 'later' } })[0]).toMatch(/followUp\.whenClosed: /);
    expect(problems({ groupCalls: { action: 'call back' } })[0]).toMatch(/groupCalls\.action: /);
  });
});
