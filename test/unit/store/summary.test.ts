import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX_BYTES, eventSummary } from '../../../src/store/events.js';

describe('eventSummary', () => {
  it('says what came and how big, in valid JSON', () => {
    expect(
      JSON.parse(eventSummary({ type: 'session.status', session: 'default', eventId: 'evt_1', bytes: 65_000 })),
    ).toEqual({
      summary: 'not acted on: only this summary of the body is kept',
      type: 'session.status',
      session: 'default',
      eventId: 'evt_1',
      bytes: 65_000,
    });
  });

  it('stays within its bound whatever the strings hold: escapes, emoji, lone surrogates, 64 KB', () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 2_000 }),
      fc.string({ unit: fc.constantFrom('\u0000', '"', '\\', '💥', '\ud800', 'a'), maxLength: 2_000 }),
      fc.constant('x'.repeat(65_536)),
    );
    fc.assert(
      fc.property(
        hostile,
        hostile,
        hostile,
        fc.option(hostile, { nil: undefined }),
        (type, session, eventId, problem) => {
          const s = eventSummary({ type, session, eventId, bytes: 65_536, problem });
          expect(Buffer.byteLength(s)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
          expect(() => JSON.parse(s) as unknown).not.toThrow();
        },
      ),
      { seed: 1024, numRuns: 500 },
    );
  });
});
