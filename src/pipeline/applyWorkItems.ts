import type { Kysely } from 'kysely';
import type { DecisionState } from '../domain/decide.js';
import type { CallEvent, Decision } from '../domain/types.js';
import { workItemChange } from '../domain/workItems.js';
import type { FeedRef } from '../store/feed.js';
import type { Database } from '../store/schema.js';
import { closeByPhone, openOrJoinItem, showMessage } from '../store/workItems.js';
import { StaleDecision } from './groupCommit.js';

/**
 * Opens, joins or closes the caller's work item as the event's decision says, in the event's own
 * transaction. Returns the item it changed, for the live feed.
 */
export async function applyWorkItems(
  trx: Kysely<Database>,
  session: string,
  event: CallEvent,
  state: DecisionState,
  decision: Decision,
  now: number,
): Promise<FeedRef[]> {
  const change = workItemChange(event, state, decision, now);
  if (change === null) return [];
  let id: number | null;
  if (change.type === 'open') {
    id = await openOrJoinItem(trx, session, change, now);
    // The open item it would join was closed meanwhile: decided again, it opens a new one.
    if (id === null) throw new StaleDecision('work item');
  } else if (change.type === 'message') {
    id = await showMessage(trx, session, change.caller, change.text, now);
  } else {
    id = await closeByPhone(trx, session, change.caller, change.resolution, now);
  }
  return id === null ? [] : [{ session, itemId: id }];
}
