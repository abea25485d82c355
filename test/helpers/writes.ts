import type { Kysely } from 'kysely';
import type { CallerState, Call, CallStatus, TimerSpec } from '../../src/domain/types.js';
import { actionWrites, type Action } from '../../src/store/actions.js';
import { callerWrite } from '../../src/store/callers.js';
import { callWrite } from '../../src/store/calls.js';
import type { Database } from '../../src/store/schema.js';
import { timerWrites } from '../../src/store/timers.js';
import { writeTogether } from '../../src/store/together.js';

/** The store's writes one at a time, as a decision makes them together (`applyCallEvent`). */

/** The call's row id, or null when its stored status was not `expected`. */
export async function saveCall(db: Kysely<Database>, call: Call, expected: CallStatus | null, now: number) {
  const write = callWrite(db, call, expected, now);
  await writeTogether(db, [write]);
  return write.value;
}

/** False when the stored caller was not the one `expected`. */
export async function saveCaller(
  db: Kysely<Database>,
  session: string,
  caller: string,
  next: CallerState,
  expected: CallerState | null,
  now: number,
) {
  const write = callerWrite(db, session, caller, next, expected, now);
  await writeTogether(db, [write]);
  return write.value;
}

export async function scheduleTimers(db: Kysely<Database>, session: string, timers: TimerSpec[]) {
  await writeTogether(db, timerWrites(db, session, timers));
}

/** The actions that are new (a key stored already is skipped). */
export async function insertActions(...args: Parameters<typeof actionWrites>): Promise<Action[]> {
  const writes = actionWrites(...args);
  await writeTogether(args[0], writes);
  return writes.flatMap((w) => (w.value ? [w.value] : []));
}
