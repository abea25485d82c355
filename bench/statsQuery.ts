import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openStore, type Store } from '../src/store/db.js';
import { statsOf, type StatsQuery } from '../src/store/stats.js';
import { statsView } from '../src/views/stats.js';
import { createPgSchema } from './postgres.js';
import { median, round } from './stats.js';

/**
 * How long `GET /api/stats` takes on a large history: `npx tsx bench/statsQuery.ts [--calls 1000000]`,
 * on a temporary SQLite file and, with TEST_DATABASE_URL set, on a fresh PostgreSQL schema.
 * `--index` adds the index on calls (received_at) that the figures in docs/performance.md ask for.
 */
const { values: args } = parseArgs({
  options: { calls: { type: 'string', default: '1000000' }, index: { type: 'boolean', default: false } },
});
const N = Number(args.calls);
const DAY = 86_400_000;
const SPAN = 90 * DAY; // retention.keep's default: the most history a database holds
const end = Date.now();
const start = end - SPAN;

/**
 * Calls spread evenly over the span across 10 sessions, their outcomes mixed by hashes of their
 * number (the same data on both dialects): 40% missed, 35% answered, 23% rejected, 2% ringing; 70%
 * redirected, 30% of those answered in chat, two thirds with one of 3 variants in 2 languages; the
 * rest skipped for 4 reasons, or their redirect expired or failed.
 */
const callColumns = `session, call_id, caller, is_video, is_group, from_me, is_vip, status, received_at, updated_at,
  redirect_skipped, redirected_at, converted_at, template, language, variant_index, variant_id`;
const callValues = (i: string) => `
  'session-' || (${i} % 10), 'bench-' || ${i}, '1555' || (${i} % 50000) || '@c.us', 0, 0, 0, 0,
  case when (${i} * 7919) % 100 < 40 then 'missed' when (${i} * 7919) % 100 < 75 then 'answered'
       when (${i} * 7919) % 100 < 98 then 'rejected' else 'ringing' end,
  ${start} + ${i} * ${Math.floor(SPAN / N)}, ${start} + ${i} * ${Math.floor(SPAN / N)},
  case when (${i} * 104729) % 100 between 70 and 79 then 'debounced' when (${i} * 104729) % 100 between 80 and 84 then 'vip'
       when (${i} * 104729) % 100 between 85 and 89 then 'group' end,
  case when (${i} * 104729) % 100 < 70 then ${start} + ${i} * ${Math.floor(SPAN / N)} + 200 + ${i} % 5000 end,
  case when (${i} * 104729) % 100 < 70 and (${i} * 1299709) % 100 < 30
       then ${start} + ${i} * ${Math.floor(SPAN / N)} + 10200 + (${i} * 31) % 1800000 end,
  case when (${i} * 104729) % 100 < 70 and ${i} % 3 > 0 then 'voice' end,
  case when (${i} * 104729) % 100 < 70 and ${i} % 3 > 0 then case ${i} % 2 when 0 then 'en' else 'pt' end end,
  case when (${i} * 104729) % 100 < 70 and ${i} % 3 > 0 then (${i} / 7) % 3 end,
  case when (${i} * 104729) % 100 < 70 and ${i} % 3 > 0 then 'v' || (${i} % 2) || ((${i} / 7) % 3) end`;

/** One sendRedirect action per call that had a redirect decided: done, or (not sent) expired or failed. */
const actionsInsert = `insert into actions (key, kind, session, call_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
  select 'redirect:' || session || ':' || call_id, 'sendRedirect', session, call_id, '{}',
    case when redirected_at is not null then 'done' when received_at % 2 = 0 then 'expired' else 'failed' end,
    1, received_at, received_at, received_at
  from calls where redirected_at is not null or redirect_skipped is null`;

async function fill(store: Store): Promise<number> {
  const began = performance.now();
  const db = store.db;
  if (store.dialect === 'sqlite') {
    await sql`pragma synchronous = OFF`.execute(db);
    await sql
      .raw(
        `with recursive n(i) as (select 0 union all select i + 1 from n where i < ${N - 1})
         insert into calls (${callColumns}) select ${callValues('i')} from n`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `insert into calls (${callColumns}) select ${callValues('i')} from generate_series(0::bigint, ${N - 1}) as n(i)`,
      )
      .execute(db);
  }
  await sql.raw(actionsInsert).execute(db);
  if (args.index) await db.schema.createIndex('calls_by_time').on('calls').column('received_at').execute();
  // PostgreSQL's autovacuum would analyze tables this size on its own; SQLite is never analyzed by callbridge.
  if (store.dialect === 'postgres') await sql`analyze`.execute(db);
  return performance.now() - began;
}

/** The median of 3 runs after one to warm the cache, in ms. */
async function time(store: Store, q: StatsQuery): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const began = performance.now();
    statsView(await statsOf(store.db, store.dialect, q), () => null);
    if (i > 0) runs.push(performance.now() - began);
  }
  return round(median(runs));
}

async function measure(store: Store) {
  const took = round((await fill(store)) / 1000);
  console.log(
    `${store.dialect}: ${N.toLocaleString('en')} calls written in ${took} s${args.index ? ', with calls_by_time' : ''}`,
  );
  const cases: Array<[string, StatsQuery]> = [
    ['7 days, every session', { from: end - 7 * DAY, to: end }],
    ['7 days, one session', { session: 'session-3', from: end - 7 * DAY, to: end }],
    ['all time (90 days), every session', { from: 0, to: end + 1 }],
    ['all time (90 days), one session', { session: 'session-3', from: 0, to: end + 1 }],
    ['all time (90 days), every session, bucket=day', { from: 0, to: end + 1, bucket: 'day' }],
  ];
  for (const [name, q] of cases) console.log(`  ${name}: ${await time(store, q)} ms`);
}

const dir = mkdtempSync(join(tmpdir(), 'callbridge-stats-'));
try {
  const store = await openStore(`sqlite:${join(dir, 'stats.db')}`);
  await measure(store).finally(() => store.close());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const pgUrl = process.env.TEST_DATABASE_URL;
if (pgUrl) {
  const schema = await createPgSchema(pgUrl);
  try {
    const store = await openStore(pgUrl, { schema: schema.schema });
    await measure(store).finally(() => store.close());
  } finally {
    await schema.drop();
  }
}
