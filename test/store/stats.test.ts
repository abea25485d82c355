import type { Insertable } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import type { CallsTable } from '../../src/store/schema.js';
import { statsOf } from '../../src/store/stats.js';
import { statsView } from '../../src/views/stats.js';
import { describeOnEachDatabase, useFreshStore } from '../helpers/stores.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const at = (time: string) => Date.parse(`2026-12-01T${time}Z`);
const day = { from: T0, to: T0 + 86_400_000 };

type Row = Pick<Insertable<CallsTable>, 'call_id' | 'status' | 'received_at'> & Partial<Insertable<CallsTable>>;

/** A call as stored, redirected `redirectMs` after it rang and converted `replyMs` after that, when given. */
const call = (r: Row & { redirectMs?: number; replyMs?: number }): Insertable<CallsTable> => {
  const { redirectMs, replyMs, ...row } = r;
  const redirected = redirectMs === undefined ? null : r.received_at + redirectMs;
  return {
    session: 'default',
    caller: '15550000111@c.us',
    is_video: 0,
    is_group: 0,
    from_me: 0,
    is_vip: 0,
    updated_at: r.received_at,
    redirected_at: redirected,
    converted_at: redirected !== null && replyMs !== undefined ? redirected + replyMs : null,
    ...row,
  };
};
const voice = (variant_index: number, variant_id: string) =>
  ({ template: 'voice', language: 'en', variant_index, variant_id }) as const;

const calls = [
  // Out of the day: just before it, and at its (exclusive) end.
  call({ call_id: 'before', status: 'answered', received_at: T0 - 1 }),
  call({ call_id: 'end', status: 'answered', received_at: day.to }),
  call({ call_id: 'a1', status: 'answered', received_at: T0 }),
  call({ call_id: 'a2', status: 'answered', received_at: at('09:30:00') }),
  call({
    call_id: 'r1',
    status: 'rejected',
    received_at: at('09:59:59.999'),
    redirectMs: 2000,
    replyMs: 60_000,
    ...voice(0, 'aaaa1111'),
  }),
  call({ call_id: 'r2', status: 'rejected', received_at: at('10:00:00'), redirectMs: 4000, ...voice(0, 'aaaa1111') }),
  call({
    call_id: 'm1',
    status: 'missed',
    received_at: at('10:15:00'),
    redirectMs: 6000,
    replyMs: 120_000,
    ...voice(1, 'bbbb2222'),
  }),
  // Redirected before variants existed: in every figure but byVariant.
  call({ call_id: 'm2', status: 'missed', received_at: at('11:00:00'), redirectMs: 8000, replyMs: 30_000 }),
  call({ call_id: 'g1', status: 'ringing', received_at: at('11:05:00'), redirect_skipped: 'debounced' }),
  call({ call_id: 'g2', status: 'missed', received_at: at('11:06:00'), redirect_skipped: 'debounced' }),
  call({ call_id: 'g3', status: 'missed', received_at: at('23:59:00'), redirect_skipped: 'vip' }),
  // A variant was chosen but the send expired: not among the variant's sends.
  call({ call_id: 'e1', status: 'missed', received_at: at('11:10:00'), ...voice(0, 'aaaa1111') }),
  call({ call_id: 'f1', status: 'missed', received_at: at('11:20:00') }),
  call({
    session: 'other',
    call_id: 'o1',
    status: 'missed',
    received_at: at('12:00:00'),
    redirectMs: 1000,
    replyMs: 10_000,
    ...voice(0, 'aaaa1111'),
  }),
  call({
    session: 'other',
    call_id: 'o2',
    status: 'answered',
    received_at: at('12:30:00'),
    redirectMs: 3000,
    ...{ template: 'voice', language: 'pt', variant_index: 0, variant_id: 'cccc3333' },
  }),
  call({ session: 'other', call_id: 'o3', status: 'answered', received_at: at('12:45:00'), redirectMs: 5000 }),
];

const actions: Array<[session: string, callId: string, kind: string, status: string]> = [
  ['default', 'r1', 'sendRedirect', 'done'],
  ['default', 'e1', 'sendRedirect', 'expired'],
  ['default', 'f1', 'sendRedirect', 'failed'],
  // Not redirects, or not of the day: not counted.
  ['default', 'a1', 'sendWelcome', 'failed'],
  ['default', 'before', 'sendRedirect', 'failed'],
];

describeOnEachDatabase('stats', (dialect) => {
  const fresh = useFreshStore(dialect);
  const stats = (q: Parameters<typeof statsOf>[2]) => statsOf(fresh.store.db, dialect, q);

  beforeEach(async () => {
    const db = fresh.store.db;
    await db.insertInto('calls').values(calls).execute();
    await db
      .insertInto('actions')
      .values(
        actions.map(([session, call_id, kind, status]) => ({
          key: `${kind}:${session}:${call_id}`,
          kind,
          session,
          call_id,
          payload: '{}',
          status,
          attempts: 1,
          next_attempt_at: T0,
          created_at: T0,
          updated_at: T0,
        })),
      )
      .execute();
  });

  it("counts one session's calls of [from, to) by status, redirect outcome and conversion", async () => {
    const s = await stats({ session: 'default', ...day });
    expect(s.calls).toEqual({ total: 11, answered: 2, rejected: 2, missed: 6, ringing: 1 });
    expect(s).toMatchObject({ redirected: 4, converted: 3, skipped: { debounced: 2, vip: 1 }, expired: 1, failed: 1 });
    // Redirect delays 2, 4, 6, 8 s: the mean of the middle two. Reply delays 30, 60, 120 s: the middle one.
    expect(s).toMatchObject({ medianMsToRedirect: 5000, medianMsToReply: 60_000 });
  });

  it('counts every session without one, the medians then of odd and even series the other way round', async () => {
    const s = await stats(day);
    expect(s.calls).toEqual({ total: 14, answered: 4, rejected: 2, missed: 7, ringing: 1 });
    expect(s).toMatchObject({ redirected: 7, converted: 4 });
    // Redirect delays 1, 2, 3, 4, 5, 6, 8 s; reply delays 10, 30, 60, 120 s.
    expect(s).toMatchObject({ medianMsToRedirect: 4000, medianMsToReply: 45_000 });
  });

  it('groups redirected calls by template, language and variant', async () => {
    expect((await stats(day)).variants).toEqual([
      {
        session: 'default',
        template: 'voice',
        language: 'en',
        variantId: 'aaaa1111',
        variantIndex: 0,
        sent: 3,
        replies: 2,
      },
      {
        session: 'default',
        template: 'voice',
        language: 'en',
        variantId: 'bbbb2222',
        variantIndex: 1,
        sent: 1,
        replies: 1,
      },
      {
        session: 'other',
        template: 'voice',
        language: 'pt',
        variantId: 'cccc3333',
        variantIndex: 0,
        sent: 1,
        replies: 0,
      },
    ]);
  });

  it('buckets calls by UTC hour, only hours with calls, the period edges included and excluded', async () => {
    expect((await stats({ session: 'default', ...day })).buckets).toEqual([
      { start: T0, answered: 1, rejected: 0, missed: 0 },
      { start: at('09:00:00'), answered: 1, rejected: 1, missed: 0 },
      { start: at('10:00:00'), answered: 0, rejected: 1, missed: 1 },
      // g1 still rings: counted in the hour, under none of its statuses.
      { start: at('11:00:00'), answered: 0, rejected: 0, missed: 4 },
      { start: at('23:00:00'), answered: 0, rejected: 0, missed: 1 },
    ]);
  });

  it('buckets by UTC day when asked', async () => {
    const s = await stats({ session: 'default', from: T0 - 86_400_000, to: T0 + 2 * 86_400_000, bucket: 'day' });
    expect(s.buckets).toEqual([
      { start: T0 - 86_400_000, answered: 1, rejected: 0, missed: 0 },
      { start: T0, answered: 2, rejected: 2, missed: 6 },
      { start: T0 + 86_400_000, answered: 1, rejected: 0, missed: 0 },
    ]);
    expect(s.failed).toBe(2);
  });

  it('is all zeros and nulls for a period without calls, or a session without any', async () => {
    const empty = {
      calls: { total: 0, answered: 0, rejected: 0, missed: 0, ringing: 0 },
      redirected: 0,
      converted: 0,
      skipped: {},
      expired: 0,
      failed: 0,
      medianMsToRedirect: null,
      medianMsToReply: null,
      variants: [],
      buckets: [],
    };
    expect(await stats({ from: day.to + 1, to: day.to + 1000 })).toEqual(empty);
    expect(await stats({ session: 'nobody', ...day })).toEqual(empty);
    // An empty period: [from, from) holds nothing, not even the call at from.
    expect(await stats({ from: T0, to: T0 })).toEqual(empty);
  });

  it('reads as the API answers: rates to 4 decimals, medians in seconds to 1, variants with text and Wilson interval', async () => {
    const texts: Record<string, string> = {
      aaaa1111: 'Hi {{name}}! Write to us here.',
      bbbb2222: 'Hello! Chat with us.',
    };
    const asked: unknown[] = [];
    const view = statsView(await stats(day), (...args) => {
      asked.push(args);
      return texts[args[2]] ?? null;
    });
    expect(view).toEqual({
      calls: { total: 14, answered: 4, rejected: 2, missed: 7, ringing: 1 },
      missedRate: 0.5,
      redirects: { sent: 7, skipped: { debounced: 2, vip: 1 }, expired: 1, failed: 1 },
      conversions: 4,
      conversionRate: 0.5714,
      medianSecondsToRedirect: 4,
      medianSecondsToReply: 45,
      byVariant: [
        {
          template: 'voice',
          language: 'en',
          variant: { index: 0, id: 'aaaa1111' },
          text: 'Hi {{name}}! Write to us here.',
          sent: 3,
          replies: 2,
          replyRate: 0.6667,
          ci95: [0.2077, 0.9385],
        },
        {
          template: 'voice',
          language: 'en',
          variant: { index: 1, id: 'bbbb2222' },
          text: 'Hello! Chat with us.',
          sent: 1,
          replies: 1,
          replyRate: 1,
          ci95: [0.2065, 1],
        },
        {
          template: 'voice',
          language: 'pt',
          variant: { index: 0, id: 'cccc3333' },
          text: null,
          sent: 1,
          replies: 0,
          replyRate: 0,
          ci95: [0, 0.7935],
        },
      ],
      byHour: [
        { hour: '2026-12-01T00:00:00.000Z', answered: 1, rejected: 0, missed: 0 },
        { hour: '2026-12-01T09:00:00.000Z', answered: 1, rejected: 1, missed: 0 },
        { hour: '2026-12-01T10:00:00.000Z', answered: 0, rejected: 1, missed: 1 },
        { hour: '2026-12-01T11:00:00.000Z', answered: 0, rejected: 0, missed: 4 },
        { hour: '2026-12-01T12:00:00.000Z', answered: 2, rejected: 0, missed: 1 },
        { hour: '2026-12-01T23:00:00.000Z', answered: 0, rejected: 0, missed: 1 },
      ],
    });
    expect(asked).toContainEqual(['other', 'voice', 'cccc3333']);
  });
});
