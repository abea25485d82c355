import type { Kysely } from 'kysely';
import { precompiled } from './precompiled.js';
import type { Database } from './schema.js';

export interface NewEvent {
  gateway: string;
  eventId: string;
  session: string | null;
  type: string;
  callId: string | null;
  outcome: 'processed' | 'ignored' | 'unknown_session' | 'invalid_caller';
  receivedAt: number;
  body: string;
}

/** The most the stored summary of an event not acted on takes, in bytes. */
export const SUMMARY_MAX_BYTES = 1024;

/** `s` cut to at most `maxBytes` once JSON-encoded (escapes counted), marked `…` when cut. */
function clip(s: string, maxBytes: number): string {
  let out = '';
  let size = 2;
  for (const ch of s) {
    const encoded = Buffer.byteLength(JSON.stringify(ch)) - 2;
    if (size + encoded > maxBytes - 3) return `${out}…`;
    out += ch;
    size += encoded;
  }
  return out;
}

/**
 * What is stored of an event callbridge does not act on (ignored, unknown session, invalid
 * caller): what it was and how big, never its body, so junk costs the database a bounded row.
 */
export function eventSummary(e: {
  type: string;
  session: string;
  eventId: string;
  bytes: number;
  problem?: string | undefined;
}): string {
  return JSON.stringify({
    summary: 'not acted on: only this summary of the body is kept',
    type: clip(e.type, 96),
    session: clip(e.session, 96),
    eventId: clip(e.eventId, 256),
    bytes: e.bytes,
    ...(e.problem === undefined ? {} : { problem: clip(e.problem, 320) }),
  });
}

const insertEvent = precompiled((db, p) =>
  db
    .insertInto('events')
    .values({
      gateway: p(0),
      event_id: p(1),
      session: p(2),
      type: p(3),
      call_id: p(4),
      outcome: p(5),
      received_at: p(6),
      body: p(7),
    })
    .onConflict((oc) => oc.columns(['gateway', 'event_id']).doNothing())
    .returning('id'),
);

/** Stores an event unless one with the same (gateway, event id) is already stored. True when it is new. */
export async function recordEvent(db: Kysely<Database>, e: NewEvent): Promise<boolean> {
  const res = await insertEvent(db, e.gateway, e.eventId, e.session, e.type, e.callId, e.outcome, e.receivedAt, e.body);
  return res.rows.length > 0;
}

/** An event as stored, its body parsed. */
export interface StoredEvent {
  id: number;
  gateway: string;
  eventId: string;
  type: string;
  outcome: NewEvent['outcome'];
  receivedAt: number;
  body: unknown;
}

/** A call's events, in the order they arrived. */
export async function listEventsForCall(db: Kysely<Database>, session: string, callId: string): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .select(['id', 'gateway', 'event_id', 'type', 'outcome', 'received_at', 'body'])
    .where('session', '=', session)
    .where('call_id', '=', callId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    gateway: r.gateway,
    eventId: r.event_id,
    type: r.type,
    outcome: r.outcome as StoredEvent['outcome'],
    receivedAt: r.received_at,
    body: JSON.parse(r.body) as unknown,
  }));
}

export async function countEvents(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
