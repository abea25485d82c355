import { sql, type Kysely, type Selectable } from 'kysely';
import { followUpKey } from '../domain/followUp.js';
import { ADMIN, priorityOf, type Resolution, type WorkItemKind } from '../domain/workItems.js';
import type { Database, WorkItemsTable } from './schema.js';
import { cancelTimers } from './timers.js';

export type WorkItemRow = Selectable<WorkItemsTable>;

const openItemOf = (db: Kysely<Database>, session: string, caller: string) =>
  db.updateTable('work_items').where('session', '=', session).where('caller', '=', caller).where('done_at', 'is', null);

/**
 * Opens the caller's work item, or joins the open one: its priority (and kind) rise to `kind`'s if
 * higher, in the statement itself, so concurrent joins can't lower it. Returns the item's id, or
 * null when the open item was closed between the two statements (the caller decides again).
 */
export async function openOrJoinItem(
  db: Kysely<Database>,
  session: string,
  item: { caller: string; kind: WorkItemKind; callId: string | null; message: string | null },
  now: number,
): Promise<number | null> {
  const priority = priorityOf(item.kind);
  const inserted = await db
    .insertInto('work_items')
    .values({
      session,
      caller: item.caller,
      kind: item.kind,
      priority,
      opened_at: now,
      call_id: item.callId,
      message: item.message,
      updated_at: now,
    })
    // The partial unique index: one open item per caller, across replicas.
    .onConflict((oc) => oc.columns(['session', 'caller']).where('done_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  let id = inserted?.id;
  if (id === undefined) {
    const joined = await openItemOf(db, session, item.caller)
      .set((eb) => ({
        kind: sql<string>`case when priority < ${priority} then ${item.kind} else kind end`,
        priority: sql<number>`case when priority < ${priority} then ${priority} else priority end`,
        message: item.message ?? eb.ref('message'),
        updated_at: now,
      }))
      .returning('id')
      .executeTakeFirst();
    if (!joined) return null;
    id = joined.id;
  }
  if (item.callId !== null) {
    await db
      .insertInto('work_item_calls')
      .values({ item_id: id, call_id: item.callId })
      .onConflict((oc) => oc.columns(['item_id', 'call_id']).doNothing())
      .execute();
  }
  return id;
}

/** The caller wrote: their open item, if any, shows the text. Returns its id. */
export async function showMessage(
  db: Kysely<Database>,
  session: string,
  caller: string,
  text: string,
  now: number,
): Promise<number | null> {
  const row = await openItemOf(db, session, caller)
    .set({ message: text, updated_at: now })
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** A person at the business wrote to the caller: their open item is done, replied from the phone. */
export async function closeByPhone(
  db: Kysely<Database>,
  session: string,
  caller: string,
  resolution: string,
  now: number,
): Promise<number | null> {
  const row = await openItemOf(db, session, caller)
    .set({ done_by: 'phone', done_at: now, resolution, updated_at: now })
    .returning('id')
    .executeTakeFirst();
  if (!row) return null;
  await cancelFollowUps(db, row.id);
  return row.id;
}

/** Deletes the follow-up timers of the item's calls. */
async function cancelFollowUps(db: Kysely<Database>, itemId: number): Promise<void> {
  const calls = await db
    .selectFrom('work_item_calls as l')
    .innerJoin('work_items as w', 'w.id', 'l.item_id')
    .select(['w.session', 'l.call_id'])
    .where('l.item_id', '=', itemId)
    .execute();
  await cancelTimers(
    db,
    calls.map((c) => followUpKey(c.session, c.call_id)),
  );
}

/** What an agent does to an item. `agent` is the name their token gives (the admin's is `admin`). */
export type QueueCommand =
  | { op: 'claim'; id: number; agent: string }
  | { op: 'release'; id: number; agent: string }
  | { op: 'done'; id: number; agent: string; resolution: Resolution; note: string | null };

/** Done, or refused: then the item as it is (null when there is none), for the refusal to explain. */
export type QueueOutcome = { ok: true; session: string } | { ok: false; item: WorkItemRow | null };

/**
 * Runs an agent's command as one conditional UPDATE: of two agents (or replicas) claiming at once,
 * the database lets exactly one through. Claiming and closing cancel the item's follow-ups.
 */
export async function runQueueCommand(db: Kysely<Database>, cmd: QueueCommand, now: number): Promise<QueueOutcome> {
  const item = db.updateTable('work_items').where('id', '=', cmd.id).where('done_at', 'is', null);
  let changed: { session: string } | undefined;
  if (cmd.op === 'claim') {
    // Claiming what one holds already (a second click) changes nothing and is no refusal.
    changed = await item
      .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_by', '=', cmd.agent)]))
      .set((eb) => ({ claimed_by: cmd.agent, claimed_at: eb.fn.coalesce('claimed_at', eb.val(now)), updated_at: now }))
      .returning('session')
      .executeTakeFirst();
  } else if (cmd.op === 'release') {
    // The holder, or the admin for anyone.
    const held =
      cmd.agent === ADMIN ? item.where('claimed_by', 'is not', null) : item.where('claimed_by', '=', cmd.agent);
    changed = await held
      .set({ claimed_by: null, claimed_at: null, updated_at: now })
      .returning('session')
      .executeTakeFirst();
  } else {
    changed = await item
      .set({ done_by: cmd.agent, done_at: now, resolution: cmd.resolution, note: cmd.note, updated_at: now })
      .returning('session')
      .executeTakeFirst();
  }
  if (!changed) {
    const current = await db.selectFrom('work_items').selectAll().where('id', '=', cmd.id).executeTakeFirst();
    return { ok: false, item: current ?? null };
  }
  if (cmd.op !== 'release') await cancelFollowUps(db, cmd.id);
  return { ok: true, session: changed.session };
}
