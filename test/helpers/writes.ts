import type { Kysely } from 'kysely';
import { actionWrites, type Action } from '../../src/store/actions.js';
import { callerWrite } from '../../src/store/callers.js';
import { callWrite } from '../../src/store/calls.js';
import type { Database } from '../../src/store/schema.js';
import { timerWrites } from '../../src/store/timers.js';
import { writeTogether, type Write } from '../../src/store/together.js';

/** The store's writes one at a time, as a decision makes them together (`applyCallEvent`). */

async function alone<T>(db: Kysely<Database>, write: Write<T>): Promise<T> {
  await writeTogether(db, [write]);
  return write.value;
}

/** The call's row id, or null when its stored status was not the one expected. */
export const saveCall = (...args: Parameters<typeof callWrite>) => alone(args[0], callWrite(...args));

/** False when the stored caller was not the one expected. */
export const saveCaller = (...args: Parameters<typeof callerWrite>) => alone(args[0], callerWrite(...args));

export const scheduleTimers = async (...args: Parameters<typeof timerWrites>) => {
  await writeTogether(args[0], timerWrites(...args));
};

/** The actions that are new (a key stored already is skipped). */
export async function insertActions(...args: Parameters<typeof actionWrites>): Promise<Action[]> {
  const writes = actionWrites(...args);
  await writeTogether(args[0], writes);
  return writes.flatMap((w) => (w.value ? [w.value] : []));
}
