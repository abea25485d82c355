import { phoneOf } from '../domain/jid.js';
import { kindOf, type Resolution, type WorkItemKind } from '../domain/workItems.js';
import type { QueueCursor, QueueState, StoredWorkItem } from '../store/queue.js';
import { iso, isoOrNull } from './time.js';

/** A work item as `GET /api/queue` and the stream's `queue` events show it. */
export interface WorkItemView {
  id: number;
  session: string;
  caller: string;
  number: string | null;
  name: string | null;
  kind: WorkItemKind;
  priority: number;
  state: QueueState;
  openedAt: string;
  callId: string | null;
  message: string | null;
  claimedBy: string | null;
  claimedAt: string | null;
  doneBy: string | null;
  doneAt: string | null;
  resolution: Resolution | null;
  note: string | null;
  calls: Array<{ id: number; callId: string; status: string; receivedAt: string }>;
}

export function workItemView({ row, calls, vipName, greetedName }: StoredWorkItem): WorkItemView {
  // The name a call of the item was greeted with, the latest known; else the VIP list's, else the
  // one a text to the caller was last delivered with (a P1 opened by a text has no call).
  const named = [...calls].reverse().find((c) => c.name !== null);
  return {
    id: row.id,
    session: row.session,
    caller: row.caller,
    number: phoneOf(row.caller),
    name: named?.name ?? vipName ?? greetedName,
    kind: kindOf(row.priority),
    priority: row.priority,
    state: row.done_at !== null ? 'done' : row.claimed_by !== null ? 'claimed' : 'open',
    openedAt: iso(row.opened_at),
    callId: row.call_id,
    message: row.message,
    claimedBy: row.claimed_by,
    claimedAt: isoOrNull(row.claimed_at),
    doneBy: row.done_by,
    doneAt: isoOrNull(row.done_at),
    resolution: row.resolution as Resolution | null,
    note: row.note,
    calls: calls.map((c) => ({ id: c.id, callId: c.callId, status: c.status, receivedAt: iso(c.receivedAt) })),
  };
}

/** The next page's cursor after `last`, as the API hands it out: `<priority>.<openedAt>.<id>` or `<doneAt>.<id>`. */
export const queueCursor = (last: StoredWorkItem, done: boolean): string =>
  done ? `${last.row.done_at}.${last.row.id}` : `${last.row.priority}.${last.row.opened_at}.${last.row.id}`;

/** Reads a cursor back; undefined when it is not one of this listing's. */
export function parseQueueCursor(cursor: string, done: boolean): QueueCursor | undefined {
  const parts = cursor.split('.').map(Number);
  if (!parts.every(Number.isSafeInteger)) return undefined;
  const [a, b, c] = parts;
  if (done) return parts.length === 2 ? { doneAt: a!, id: b! } : undefined;
  return parts.length === 3 ? { priority: a!, openedAt: b!, id: c! } : undefined;
}
