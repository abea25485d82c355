import { sql, type Kysely } from 'kysely';
import { distinctSessions } from './distinctSessions.js';
import type { Dialect } from './db.js';
import type { Database } from './schema.js';

export type StatsBucket = 'hour' | 'day';

export interface StatsQuery {
  /** One session's calls; all sessions' when absent. */
  session?: string;
  /** Calls received in [from, to), epoch ms. */
  from: number;
  to: number;
  /** The size of the `buckets`: UTC hours (the default) or UTC days. */
  bucket?: StatsBucket;
}

/** The calls of one variant of a template's text that were redirected with it. */
export interface VariantRow {
  /** A session that sent it, to look its text up by: the id is a hash of the text, so any one of them has it. */
  session: string;
  template: string;
  language: string | null;
  variantId: string;
  /** Its place in the template's list; the highest seen if the list was reordered within the period. */
  variantIndex: number | null;
  sent: number;
  replies: number;
}

export interface BucketRow {
  /** The bucket's start, epoch ms: a UTC hour or day. */
  start: number;
  answered: number;
  rejected: number;
  missed: number;
}

/** The period's figures as counted, before any rate is worked out (views/stats.ts does that). */
export interface StatsRow {
  calls: { total: number; answered: number; rejected: number; missed: number; ringing: number };
  redirected: number;
  converted: number;
  /** Calls by the reason no redirect was attempted. */
  skipped: Record<string, number>;
  /** Calls whose redirect action ended expired or failed. */
  expired: number;
  failed: number;
  medianMsToRedirect: number | null;
  medianMsToReply: number | null;
  variants: VariantRow[];
  /** Only buckets that had calls, oldest first. */
  buckets: BucketRow[];
}

const BUCKET_MS: Record<StatsBucket, number> = { hour: 3_600_000, day: 86_400_000 };

const INDEXED_PERIOD = 31 * 86_400_000;

/** The calls of the period. */
function callsIn(db: Kysely<Database>, q: StatsQuery) {
  // Qualified: the redirect outcomes join the actions, which have a session column too.
  const inPeriod = db
    .selectFrom('calls')
    .where('calls.received_at', '>=', q.from)
    .where('calls.received_at', '<', q.to);
  if (q.session !== undefined) return inPeriod.where('calls.session', '=', q.session);
  // Every session's over weeks: still through `calls_recent`, a range per session, rather than the
  // whole table (7 days of 1M calls: 650 ms against 1.2 s); over months, one pass over the table
  // costs less than a lookup per call (3.5 s against 10.7 s).
  return q.to - q.from <= INDEXED_PERIOD ? inPeriod.where('calls.session', 'in', distinctSessions('calls')) : inPeriod;
}

/** The period's figures: a handful of grouped queries, each one pass over the period's calls. */
export async function statsOf(db: Kysely<Database>, dialect: Dialect, q: StatsQuery): Promise<StatsRow> {
  const [byReason, outcomes, medians, variants, buckets] = await Promise.all([
    totalsByReason(db, q),
    // Driven by the period's calls that were not redirected (an expired or failed redirect never
    // was), each action found through `actions_by_call`. SQLite keeps the tables of a CROSS JOIN in
    // the order given; joined as it likes, it reads every action ever in `actions_due` order, to
    // group by status without sorting (seconds at 1M calls). PostgreSQL plans it as any join.
    callsIn(db, q)
      .crossJoin('actions')
      .whereRef('actions.session', '=', 'calls.session')
      .whereRef('actions.call_id', '=', 'calls.call_id')
      .where('actions.kind', '=', 'sendRedirect')
      .where('calls.redirected_at', 'is', null)
      .groupBy('actions.status')
      .select((eb) => ['actions.status as status', eb.fn.countAll<number>().as('n')])
      .execute(),
    dialect === 'postgres' ? postgresMedians(db, q) : sqliteMedians(db, q),
    variantsOf(db, q),
    bucketsOf(db, q, BUCKET_MS[q.bucket ?? 'hour']),
  ]);
  const outcome = (status: string) => outcomes.find((o) => o.status === status)?.n ?? 0;
  const sum = (column: Exclude<keyof (typeof byReason)[number], 'reason'>) =>
    byReason.reduce((n, row) => n + row[column], 0);
  const skipped = byReason.filter((r) => r.reason !== null);
  return {
    calls: {
      total: sum('total'),
      answered: sum('answered'),
      rejected: sum('rejected'),
      missed: sum('missed'),
      ringing: sum('ringing'),
    },
    redirected: sum('redirected'),
    converted: sum('converted'),
    skipped: Object.fromEntries(skipped.map((r) => [r.reason!, r.total])),
    expired: outcome('expired'),
    failed: outcome('failed'),
    ...medians,
    variants,
    buckets,
  };
}

/** The period's calls counted by the reason their redirect was skipped (null: it was not): one pass for both. */
function totalsByReason(db: Kysely<Database>, q: StatsQuery) {
  return callsIn(db, q)
    .groupBy('redirect_skipped')
    .select((eb) => {
      const withStatus = (status: string) => eb.fn.countAll<number>().filterWhere('status', '=', status);
      return [
        'redirect_skipped as reason',
        eb.fn.countAll<number>().as('total'),
        withStatus('answered').as('answered'),
        withStatus('rejected').as('rejected'),
        withStatus('missed').as('missed'),
        withStatus('ringing').as('ringing'),
        eb.fn.count<number>('redirected_at').as('redirected'),
        eb.fn.count<number>('converted_at').as('converted'),
      ];
    })
    .execute();
}

type Medians = Pick<StatsRow, 'medianMsToRedirect' | 'medianMsToReply'>;

/** percentile_cont ignores nulls: calls not redirected (or not converted) drop out of their median. */
async function postgresMedians(db: Kysely<Database>, q: StatsQuery): Promise<Medians> {
  const row = await callsIn(db, q)
    .select([
      sql<number | null>`percentile_cont(0.5) within group (order by redirected_at - received_at)`.as('redirect'),
      sql<number | null>`percentile_cont(0.5) within group (order by converted_at - redirected_at)`.as('reply'),
    ])
    .executeTakeFirstOrThrow();
  return { medianMsToRedirect: row.redirect, medianMsToReply: row.reply };
}

/**
 * SQLite has no percentile: both series of delays are numbered in order in one query, and each
 * median is the middle value, or the mean of the two middle ones when a series has an even count.
 * (Numbering one read of the calls by both delays sorts every redirected call twice: slower.)
 */
async function sqliteMedians(db: Kysely<Database>, q: StatsQuery): Promise<Medians> {
  const rows = await db
    .with('series', () =>
      callsIn(db, q)
        .where('redirected_at', 'is not', null)
        .select([sql<string>`'redirect'`.as('m'), sql<number>`redirected_at - received_at`.as('v')])
        .unionAll(
          callsIn(db, q)
            .where('redirected_at', 'is not', null)
            .where('converted_at', 'is not', null)
            .select([sql<string>`'reply'`.as('m'), sql<number>`converted_at - redirected_at`.as('v')]),
        ),
    )
    .with('ranked', (qc) =>
      qc
        .selectFrom('series')
        .select([
          'm',
          'v',
          sql<number>`row_number() over (partition by m order by v)`.as('rn'),
          sql<number>`count(*) over (partition by m)`.as('n'),
        ]),
    )
    .selectFrom('ranked')
    .where(sql<boolean>`rn in ((n + 1) / 2, (n + 2) / 2)`)
    .groupBy('m')
    .select(['m', sql<number>`avg(v)`.as('median')])
    .execute();
  const median = (m: string) => rows.find((r) => r.m === m)?.median ?? null;
  return { medianMsToRedirect: median('redirect'), medianMsToReply: median('reply') };
}

async function variantsOf(db: Kysely<Database>, q: StatsQuery): Promise<VariantRow[]> {
  const rows = await callsIn(db, q)
    .where('redirected_at', 'is not', null)
    .where('template', 'is not', null)
    .where('variant_id', 'is not', null)
    .groupBy(['template', 'language', 'variant_id'])
    .select((eb) => [
      eb.fn.min('session').as('session'),
      'template',
      'language',
      'variant_id',
      eb.fn.max('variant_index').as('variant_index'),
      eb.fn.countAll<number>().as('sent'),
      eb.fn.count<number>('converted_at').as('replies'),
    ])
    .orderBy('template')
    // Placed alike on both dialects (PostgreSQL puts nulls last, SQLite first).
    .orderBy('language', (o) => o.asc().nullsFirst())
    .orderBy('variant_index')
    .execute();
  return rows.map((r) => ({
    session: r.session,
    template: r.template!,
    language: r.language,
    variantId: r.variant_id!,
    variantIndex: r.variant_index,
    sent: r.sent,
    replies: r.replies,
  }));
}

function bucketsOf(db: Kysely<Database>, q: StatsQuery, size: number): Promise<BucketRow[]> {
  // A literal, not a parameter: PostgreSQL matches the grouped expression to the selected one by its text.
  const start = sql<number>`received_at - received_at % ${sql.lit(size)}`;
  return callsIn(db, q)
    .groupBy(start)
    .select((eb) => {
      const withStatus = (status: string) => eb.fn.countAll<number>().filterWhere('status', '=', status);
      return [
        start.as('start'),
        withStatus('answered').as('answered'),
        withStatus('rejected').as('rejected'),
        withStatus('missed').as('missed'),
      ];
    })
    .orderBy('start')
    .execute();
}
