import type { CallerState } from './types.js';

/**
 * Whether the caller's next text goes to a person as Priority 1: a `caller.stressed` alert marked
 * them until `escalateUntil`, that moment included, and no text has used the mark up yet.
 */
export const escalationPending = (caller: Pick<CallerState, 'escalateUntil'>, now: number): boolean =>
  caller.escalateUntil !== null && now <= caller.escalateUntil;
