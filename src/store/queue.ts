import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { WorkItemRow } from './workItems.js';

export type QueueState = 'open' | 'claimed' | 'done';

/** A work item with what the queue shows of it: its calls, oldest first, and the caller's names. */
export interface StoredWorkItem {
  row: WorkItemRow;
  calls: Array<{ id: number; callId: string; status: string; receivedAt: number; name: string | null }>;
  vipName: string | null;
  /** The name a text to the caller was last delivered with. */
  greetedName: string | null;
}

/**
 * Where a page ends: open and claimed items go by priority, then age (oldest first); done items
 * by when they were done, latest first. Each ends with the id, so the order is total.
 */
export type QueueCursor = { priority: number; openedAt: number; id: number } | { doneAt: number; id: number };

export async function listWorkItems(
  db: Kysely<Database>,
  q: { session?: string | undefined; state?: QueueState | undefined; limit: number; after?: QueueCursor | undefined },
): Promise<StoredWorkItem[]> {
  let query = db.selectFrom('work_items').selectAll();
  if (q.session !== undefined) query = query.where('session', '=', q.session);
  const after = q.after;
  if (q.state === 'done') {
    query = query.where('done_at', 'is not', null).orderBy('done_at', 'desc').orderBy('id', 'desc');
    if (after && 'doneAt' in after)
      query = query.where((eb) =>
        eb.or([eb('done_at', '<', after.doneAt), eb.and([eb('done_at', '=', after.doneAt), eb('id', '<', after.id)])]),
      );
  } else {
    query = query.where('done_at', 'is', null);
    if (q.state === 'open') query = query.where('claimed_by', 'is', null);
    if (q.state === 'claimed') query = query.where('claimed_by', 'is not', null);
    query = query.orderBy('priority', 'desc').orderBy('opened_at').orderBy('id');
    if (after && 'priority' in after)
      query = query.where((eb) =>
        eb.or([
          eb('priority', '<', after.priority),
          eb.and([eb('priority', '=', after.priority), eb('opened_at', '>', after.openedAt)]),
          eb.and([eb('priority', '=', after.priority), eb('opened_at', '=', after.openedAt), eb('id', '>', after.id)]),
        ]),
      );
  }
  return withDetails(db, await query.limit(q.limit).execute());
}

/** The items with these ids, in no particular order; unknown ids are left out. */
export async function findWorkItems(db: Kysely<Database>, ids: number[]): Promise<StoredWorkItem[]> {
  if (ids.length === 0) return [];
  return withDetails(db, await db.selectFrom('work_items').selectAll().where('id', 'in', ids).execute());
}

async function withDetails(db: Kysely<Database>, rows: WorkItemRow[]): Promise<StoredWorkItem[]> {
  if (rows.length === 0) return [];
  const byCaller = (table: 'vips' | 'callers') =>
    db
      .selectFrom(table)
      .select(['session', 'caller', 'name'])
      .where((eb) =>
        eb(
          eb.refTuple('session', 'caller'),
          'in',
          rows.map((r) => eb.tuple(r.session, r.caller)),
        ),
      )
      .execute();
  const [calls, vips, callers] = await Promise.all([
    db
      .selectFrom('work_item_calls as l')
      .innerJoin('work_items as w', 'w.id', 'l.item_id')
      .innerJoin('calls as c', (join) => join.onRef('c.session', '=', 'w.session').onRef('c.call_id', '=', 'l.call_id'))
      .select(['l.item_id', 'c.id', 'c.call_id', 'c.status', 'c.received_at', 'c.name'])
      .where(
        'l.item_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('c.received_at')
      .orderBy('c.id')
      .execute(),
    byCaller('vips'),
    byCaller('callers'),
  ]);
  const names = (found: Array<{ session: string; caller: string; name: string | null }>) =>
    new Map(found.map((v) => [`${v.session}\u0000${v.caller}`, v.name]));
  const [vipNames, greetedNames] = [names(vips), names(callers)];
  return rows.map((row) => ({
    row,
    calls: calls
      .filter((c) => c.item_id === row.id)
      .map((c) => ({ id: c.id, callId: c.call_id, status: c.status, receivedAt: c.received_at, name: c.name })),
    vipName: vipNames.get(`${row.session}\u0000${row.caller}`) ?? null,
    greetedName: greetedNames.get(`${row.session}\u0000${row.caller}`) ?? null,
  }));
}
