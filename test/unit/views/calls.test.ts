import { describe, expect, it } from 'vitest';
import type { StoredCall } from '../../../src/store/calls.js';
import { callDetail } from '../../../src/views/callDetail.js';
import { callSummary, conversionView } from '../../../src/views/calls.js';
import { aCall } from '../../helpers/calls.js';

const T = Date.parse('2026-12-01T09:00:00.000Z');
const stored = (over: Partial<StoredCall> = {}): StoredCall => ({
  id: 7,
  ...aCall({ receivedAt: T }),
  redirectAction: null,
  ...over,
});

describe('the call summary', () => {
  it('shows times as ISO and a delivered redirect as sent, with the conversion in seconds', () => {
    const summary = callSummary(
      stored({
        endedAt: T + 5_000,
        redirectedAt: T + 1_000,
        convertedAt: T + 91_400,
        redirectAction: { status: 'done', attempts: 1, lastError: null, sentText: 'Hi John' },
        name: 'John',
        template: 'voice',
        variant: { index: 1, id: 'abcd1234' },
        reply: 'I need help',
      }),
    );
    expect(summary).toEqual({
      id: 7,
      session: 'default',
      callId: 'c1',
      caller: '15550000111@c.us',
      name: 'John',
      isVideo: false,
      isGroup: false,
      isVip: false,
      status: 'ringing',
      level: 'calm',
      receivedAt: '2026-12-01T09:00:00.000Z',
      endedAt: '2026-12-01T09:00:05.000Z',
      closed: false,
      language: 'en',
      redirect: {
        status: 'sent',
        attempts: 1,
        lastError: null,
        sentAt: '2026-12-01T09:00:01.000Z',
        template: 'voice',
        variant: { index: 1, id: 'abcd1234' },
        text: 'Hi John',
      },
      conversion: { at: '2026-12-01T09:01:31.400Z', seconds: 90, text: 'I need help' },
    });
  });

  it("names the redirect's outbox status, or why no redirect was decided", () => {
    const failed = { status: 'failed', attempts: 3, lastError: 'HTTP 500', sentText: null } as const;
    expect(callSummary(stored({ redirectAction: failed })).redirect).toEqual({
      status: 'failed',
      attempts: 3,
      lastError: 'HTTP 500',
      sentAt: null,
      template: null,
      variant: null,
      text: null,
    });
    expect(callSummary(stored({ redirectSkipped: 'debounced' })).redirect.status).toBe('skipped:debounced');
    expect(callSummary(stored()).redirect).toMatchObject({ status: 'none', attempts: 0, lastError: null, text: null });
    expect(callSummary(stored()).conversion).toBeNull();
  });

  it('a conversion in the caller detail', () => {
    expect(
      conversionView({ id: 3, callId: 'c3', receivedAt: T, redirectedAt: T + 2_000, convertedAt: T + 62_000 }),
    ).toEqual({
      id: 3,
      callId: 'c3',
      receivedAt: '2026-12-01T09:00:00.000Z',
      redirectedAt: '2026-12-01T09:00:02.000Z',
      at: '2026-12-01T09:01:02.000Z',
      seconds: 60,
    });
  });
});

describe('the call detail', () => {
  it("lists each action's tries under it, oldest first", () => {
    const action = (id: number) => ({
      id,
      key: `k${id}`,
      kind: 'sendRedirect' as const,
      session: 'default',
      callId: 'c1',
      payload: { chatId: '15550000111@c.us', template: 'hi', name: null, isVideo: false },
      status: 'done' as const,
      attempts: 2,
      nextAttemptAt: T,
      expiresAt: null,
      createdAt: T,
      lastError: null,
      sentText: 'hi',
      done: null,
    });
    const attempt = (actionId: number, at: number) => ({
      actionId,
      startedAt: at,
      durationMs: 4,
      outcome: 'ok' as const,
      statusCode: 200,
      error: null,
    });
    const detail = callDetail(
      stored(),
      [],
      [action(1), action(2)],
      [attempt(2, T + 1), attempt(1, T + 2), attempt(2, T + 3)],
    );
    expect(detail.actions.map((a) => a.history.map((h) => h.at))).toEqual([
      ['2026-12-01T09:00:00.002Z'],
      ['2026-12-01T09:00:00.001Z', '2026-12-01T09:00:00.003Z'],
    ]);
    expect(detail.actions[0]).toMatchObject({ createdAt: '2026-12-01T09:00:00.000Z', expiresAt: null });
  });
});
