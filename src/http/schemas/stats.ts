import { isoTime, nullable } from './errors.js';

// GET /api/stats, as views/stats.ts builds it. Every field is listed: the response schema filters.

const object = (properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});
const count = { type: 'integer', minimum: 0 } as const;
const share = (description: string) => ({ type: ['number', 'null'], minimum: 0, maximum: 1, description });
const instant = (description: string) => ({
  type: 'string',
  description: `${description}; an ISO 8601 date (midnight UTC) or date-time with its offset`,
  examples: ['2026-12-01', '2026-12-01T09:00:00Z'],
});

export const statsQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    session: { type: 'string', minLength: 1, description: "one session's calls; every session's when absent" },
    from: instant('start of the period, included; default 7 days before `to`'),
    to: instant('end of the period, excluded; default now'),
    bucket: {
      type: 'string',
      enum: ['hour', 'day'],
      default: 'hour',
      description: '`byHour` buckets: UTC hours, or UTC days (each row then keyed `hour` = the start of its day)',
    },
  },
} as const;

export const statsSchema = object({
  calls: object({ total: count, answered: count, rejected: count, missed: count, ringing: count }),
  missedRate: share('missed / total; null without calls'),
  redirects: object({
    sent: { ...count, description: 'calls whose redirect reached the gateway' },
    skipped: {
      type: 'object',
      additionalProperties: count,
      description: 'calls by the reason no redirect was attempted (debounced, vip, group, ...)',
    },
    expired: { ...count, description: 'calls whose redirect expired before it could be sent' },
    failed: { ...count, description: 'calls whose redirect the gateway kept refusing' },
  }),
  conversions: { ...count, description: 'redirected calls whose caller wrote back' },
  conversionRate: share('conversions / redirects sent; null when none was sent'),
  medianSecondsToRedirect: nullable({ type: 'number', description: 'from the call to its redirect; null when none' }),
  medianSecondsToReply: nullable({ type: 'number', description: "from the redirect to the caller's reply" }),
  byVariant: {
    type: 'array',
    description: 'redirected calls by the text they were sent',
    items: object({
      template: { type: 'string' },
      language: nullable({ type: 'string' }),
      variant: object({ index: nullable({ type: 'integer' }), id: { type: 'string' } }),
      text: nullable({ type: 'string', description: 'as the config has it now; null when it no longer does' }),
      sent: count,
      replies: count,
      replyRate: share('replies / sent'),
      ci95: {
        type: ['array', 'null'],
        items: { type: 'number' },
        minItems: 2,
        maxItems: 2,
        description: 'Wilson score interval of the reply rate at 95%, [low, high]; null without sends',
      },
    }),
  },
  byHour: {
    type: 'array',
    description: 'calls by UTC hour (or day, with bucket=day) they rang in; only buckets that had calls, oldest first',
    items: object({ hour: isoTime, answered: count, rejected: count, missed: count }),
  },
});
