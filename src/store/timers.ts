import type { Kysely } from 'kysely';
import type { TimerSpec } from '../domain/types.js';
import type { Dialect } from './db.js';
import { precompiled } from './precompiled.js';
import type { Database } from './schema.js';
import { Write } from './together.js';

export interface DueTimer {
  key: string;
  kind: string;
  session: string;
  callId: string;
  dueAt: number;
}

const insertTimer = precompiled((db, p) =>
  db
    .insertInto('timers')
    .values({ key: p(0), kind: p(1), session: p(2), call_id: p(3), due_at: p(4), claimed_until: null })
    .onConflict((oc) => oc.column('key').doNothing()),
);

/** The writes of new timers (one whose key exists already is kept as it is). */
export const timerWrites = (db: Kysely<Database>, session: string, timers: TimerSpec[]): Write[] =>
  timers.map((t) => new Write(insertTimer.bind(db, t.key, t.kind, session, t.callId, t.dueAt)));

export async function cancelTimers(db: Kysely<Database>, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('timers').where('key', 'in', keys).execute();
}

/** Removes a timer as it fires. False when it was already fired (or cancelled) elsewhere. */
export async function takeTimer(db: Kysely<Database>, key: string): Promise<boolean> {
  const res = await db.deleteFrom('timers').where('key', '=', key).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/**
 * Leases due timers to this process. A lease that runs out (its holder crashed) makes the
 * timer claimable again; SKIP LOCKED keeps replicas from queueing behind each other.
 */
export async function claimDueTimers(
  db: Kysely<Database>,
  dialect: Dialect,
  now: number,
  lease: number,
  limit: number,
): Promise<DueTimer[]> {
  let due = db
    .selectFrom('timers')
    .select('id')
    .where('due_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('due_at')
    .limit(limit);
  if (dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('timers')
    .set({ claimed_until: now + lease })
    .where('id', 'in', due)
    .returning(['key', 'kind', 'session', 'call_id', 'due_at'])
    .execute();
  return rows.map((r) => ({ key: r.key, kind: r.kind, session: r.session, callId: r.call_id, dueAt: r.due_at }));
}

export async function countTimers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('timers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
