import type { Kysely, Selectable } from 'kysely';
import type { Call, CallerState } from '../domain/types.js';
import { toCallerState } from './callers.js';
import { toCall } from './calls.js';
import { precompiled } from './precompiled.js';
import type { CallsTable, Database } from './schema.js';

/** What deciding a person's new ring reads besides the call and the caller. */
export interface RingFacts {
  /** Their calls received since the frustration window began. */
  recentCalls: number;
  /** A VIP added at run time (the config's live in the settings), with the name given, if any. */
  vip: { name: string | null } | null;
  optedOut: { at: number } | null;
}

/** Everything a ring reads: the call if it is known, and the caller's state and standing. */
export interface RingState {
  call: Call | null;
  caller: CallerState | null;
  facts: RingFacts;
}

type RingRow = { [K in keyof Selectable<CallsTable>]: Selectable<CallsTable>[K] | null } & {
  k_version: number | null;
  k_last_call_at: number | null;
  k_last_redirect_at: number | null;
  k_last_redirected_call_id: string | null;
  k_stressed_at: number | null;
  k_escalate_until: number | null;
  k_welcomed_at: number | null;
  k_name: string | null;
  recent: number | string;
  vip: number | boolean;
  vip_name: string | null;
  opted_at: number | string | null;
};

// One statement for five tables: on PostgreSQL each statement is a round trip that costs both sides
// more than the lookup itself, and on SQLite as much as SQLite takes to answer it.
const selectRing = precompiled<RingRow>((db, p) =>
  db
    .selectFrom(db.selectNoFrom((eb) => eb.val(1).as('one')).as('one'))
    .leftJoin('calls as c', (j) => j.on('c.session', '=', p(0)).on('c.call_id', '=', p(1)))
    .leftJoin('callers as k', (j) => j.on('k.session', '=', p(0)).on('k.caller', '=', p(2)))
    .selectAll('c')
    .select((eb) => [
      'k.version as k_version',
      'k.last_call_at as k_last_call_at',
      'k.last_redirect_at as k_last_redirect_at',
      'k.last_redirected_call_id as k_last_redirected_call_id',
      'k.stressed_at as k_stressed_at',
      'k.escalate_until as k_escalate_until',
      'k.welcomed_at as k_welcomed_at',
      'k.name as k_name',
      eb
        .selectFrom('calls')
        .select(eb.fn.countAll().as('n'))
        .where('session', '=', p(0))
        .where('caller', '=', p(2))
        .where('received_at', '>=', p(3))
        .as('recent'),
      eb
        .exists(eb.selectFrom('vips').select('caller').where('session', '=', p(0)).where('caller', '=', p(2)))
        .as('vip'),
      eb.selectFrom('vips').select('name').where('session', '=', p(0)).where('caller', '=', p(2)).as('vip_name'),
      eb.selectFrom('optouts').select('at').where('session', '=', p(0)).where('caller', '=', p(2)).as('opted_at'),
    ]),
);

/**
 * What a ring of `caller` reads, in one statement: the call `callId` (null: none is asked for), the
 * caller's state, their calls since `since`, VIP standing and opt-out.
 */
export async function findRing(
  db: Kysely<Database>,
  session: string,
  callId: string | null,
  caller: string,
  since: number,
): Promise<RingState> {
  const r = (await selectRing(db, session, callId, caller, since)).rows[0]!;
  return {
    call: r.id === null ? null : toCall(r as Selectable<CallsTable>),
    caller:
      r.k_version === null
        ? null
        : toCallerState({
            version: r.k_version,
            last_call_at: r.k_last_call_at,
            last_redirect_at: r.k_last_redirect_at,
            last_redirected_call_id: r.k_last_redirected_call_id,
            stressed_at: r.k_stressed_at,
            escalate_until: r.k_escalate_until,
            welcomed_at: r.k_welcomed_at,
            name: r.k_name,
          }),
    facts: {
      recentCalls: Number(r.recent),
      vip: r.vip ? { name: r.vip_name } : null,
      optedOut: r.opted_at === null ? null : { at: Number(r.opted_at) },
    },
  };
}
