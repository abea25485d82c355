import { AUTO, RESOLUTIONS, WORK_ITEM_KINDS } from '../../domain/workItems.js';
import { isoTime, nullable } from './errors.js';

// The work queue's JSON, as src/views/queue.ts builds it (a response schema filters what is sent).

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

export const queueStates = ['open', 'claimed', 'done'] as const;

export const workItemSchema = {
  $id: 'WorkItem',
  ...object({
    id: int,
    session: str,
    caller: str,
    number: nullable(str),
    name: nullable(str),
    kind: { type: 'string', enum: WORK_ITEM_KINDS, description: 'the most urgent of its reasons: p1 > vip > missed' },
    priority: { ...int, description: '3 p1, 2 vip, 1 missed' },
    state: { type: 'string', enum: queueStates },
    openedAt: isoTime,
    callId: { ...nullable(str), description: 'the call that opened it; null for a P1 opened by a message' },
    message: { ...nullable(str), description: "the caller's last message while it is open" },
    claimedBy: nullable(str),
    claimedAt: nullable(isoTime),
    doneBy: { ...nullable(str), description: 'an agent, "admin", or "phone" for a reply typed on the business phone' },
    doneAt: nullable(isoTime),
    resolution: {
      type: ['string', 'null'],
      enum: [...RESOLUTIONS, AUTO, null],
      description: 'auto: a call of the caller was answered',
    },
    note: nullable(str),
    calls: { type: 'array', items: object({ id: int, callId: str, status: str, receivedAt: isoTime }) },
  }),
};
