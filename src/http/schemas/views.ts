import type { FastifyInstance } from 'fastify';
import { errorSchema, isoTime, nullable } from './errors.js';
import { workItemSchema } from './queue.js';

// The JSON the API answers with, as `src/views/` builds it. A Fastify response schema also filters
// what is sent (fast-json-stringify drops what it does not list), so every field a view returns is here.

const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
/** Stored JSON (a webhook's body, an action's payload), shown as it was stored. */
const anyJson = { description: 'stored JSON, as received or decided' };

const level = { type: 'string', enum: ['calm', 'elevated', 'stressed'] } as const;
export const callStatus = { type: 'string', enum: ['ringing', 'answered', 'rejected', 'missed'] } as const;

export const callSummarySchema = {
  $id: 'CallSummary',
  ...object({
    id: int,
    session: str,
    callId: str,
    caller: nullable(str),
    name: { ...nullable(str), description: 'push name, CRM or VIP name, when known' },
    isVideo: bool,
    isGroup: bool,
    isVip: bool,
    status: callStatus,
    level: { type: ['string', 'null'], enum: [...level.enum, null] },
    receivedAt: isoTime,
    endedAt: nullable(isoTime),
    closed: { ...bool, description: 'the session was outside its business hours when the call rang' },
    language: nullable(str),
    redirect: object({
      status: str,
      attempts: int,
      lastError: nullable(str),
      sentAt: nullable(isoTime),
      template: { ...nullable(str), description: 'the config key of its text: voice, video, repeat, closed.voice...' },
      variant: {
        ...object({ index: int, id: { ...str, description: 'first 8 hex of the SHA-256 of the text' } }),
        type: ['object', 'null'],
      },
      text: { ...nullable(str), description: 'exactly what the caller got, once the gateway took it' },
    }),
    conversion: {
      ...object({ at: isoTime, seconds: int, text: { ...nullable(str), description: "the caller's reply" } }),
      type: ['object', 'null'],
    },
  }),
};

export const callDetailSchema = object({
  call: { $ref: 'CallSummary#' },
  events: {
    type: 'array',
    items: object({
      id: int,
      gateway: str,
      eventId: str,
      type: str,
      outcome: str,
      receivedAt: isoTime,
      body: anyJson,
    }),
  },
  actions: {
    type: 'array',
    items: object({
      id: int,
      kind: str,
      status: str,
      attempts: int,
      payload: anyJson,
      createdAt: isoTime,
      expiresAt: nullable(isoTime),
      lastError: nullable(str),
      text: { ...nullable(str), description: 'exactly what the caller got, for a text the gateway took' },
      history: {
        type: 'array',
        items: object({
          at: isoTime,
          durationMs: int,
          outcome: str,
          statusCode: nullable(int),
          error: nullable(str),
        }),
      },
    }),
  },
});

const callerFields = {
  session: str,
  caller: str,
  number: nullable(str),
  name: { ...nullable(str), description: 'the name the last text to them was delivered with' },
  level,
  callsInWindow: int,
  lastCallAt: nullable(isoTime),
  lastRedirectAt: nullable(isoTime),
  vip: bool,
  escalation: object({ pending: bool, until: nullable(isoTime), lastStressedAt: nullable(isoTime) }),
  welcomedAt: nullable(isoTime),
};

export const callerSchema = { $id: 'Caller', ...object(callerFields) };

export const callerDetailSchema = object({
  ...callerFields,
  vipName: nullable(str),
  optedOut: {
    ...object({ at: isoTime }),
    type: ['object', 'null'],
    description: 'since when no automated text reaches them',
  },
  conversions: {
    type: 'array',
    items: {
      ...object({
        id: int,
        callId: str,
        receivedAt: isoTime,
        redirectedAt: nullable(isoTime),
        at: isoTime,
        seconds: int,
      }),
      // A conversion whose redirect time is unknown has no `at` and `seconds`.
      required: ['id', 'callId', 'receivedAt', 'redirectedAt'],
    },
  },
});

export const vipSchema = {
  $id: 'Vip',
  ...object({
    number: nullable(str),
    caller: str,
    name: nullable(str),
    source: { type: 'string', enum: ['config', 'api'] },
  }),
};

export const sessionSchema = object({
  id: str,
  gateway: str,
  name: str,
  pattern: nullable(str),
  lastCallAt: nullable(isoTime),
});

/**
 * The schemas routes refer to by `$ref` (the document's `components.schemas`): added on the root
 * before any route, and by each plugin that refers to them when it is served on its own (tests).
 */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const schema of [errorSchema, callSummarySchema, callerSchema, vipSchema, workItemSchema])
    if (!app.getSchema(schema.$id)) app.addSchema(schema);
}
