import { z } from 'zod';
import { checkChatId } from '../domain/jid.js';
import { ALERT_KINDS, type AlertKind, type RedirectSettings, type SessionSettings } from '../domain/types.js';
import { sessionPattern } from '../sessionKeys.js';
import { agents, checkAgents } from './agents.js';
import {
  followUp,
  groupCalls,
  hours,
  languages,
  missingDefaultLanguage,
  optOut,
  sessionTexts,
  timeZone,
} from './conversations.js';
import { duration, flag, httpUrl, integer, isMapping, secret, size, strictObject, text, token } from './fields.js';
import { closedMessage, message } from './texts.js';

// The validated configuration, and the one place its shape is written down: the types below are
// what this schema outputs. Durations are milliseconds, sizes are bytes, and empty secrets are
// undefined, so nothing downstream re-parses or re-checks a setting.

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;
const name = z.string().regex(NAME, 'names start with a letter or digit and contain only letters, digits, "_" and "-"');

/** A session's key: a name, or a pattern with one `*` standing for every other session of its gateway. */
const sessionKey = z
  .string()
  .regex(
    /^(?:[a-z0-9][a-z0-9_-]*|[a-z0-9_-]*\*[a-z0-9_-]*)$/i,
    'session keys contain only letters, digits, "_" and "-" (starting with a letter or digit), or one "*" for every other session of the gateway',
  );

const DATABASE_URL = /^(sqlite:.+|postgres(ql)?:\/\/.+)$/;
/** `sqlite:<file>`, `sqlite::memory:`, or `postgres://...` / `postgresql://...`. */
const databaseUrl = z.string().regex(DATABASE_URL, 'expected "sqlite:<file>" or "postgres://..."');

const database = z
  .union(
    [
      databaseUrl.transform((url) => ({ url, poolSize: 10 })),
      strictObject({ url: databaseUrl, poolSize: integer(1, 1000, 10) }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? 'expected "sqlite:<file>", "postgres://..." or { url, poolSize }' : undefined,
    },
  )
  .prefault('sqlite:./data/callbridge.db');

/** Every gateway: a webhook URL secret, the keep-alive pool size and the outbound request timeout. */
const common = {
  /** Webhooks are taken at `/webhooks/<name>/<webhookToken>`, for gateways that cannot sign them. */
  webhookToken: token().refine(
    (t) => t === undefined || /^[A-Za-z0-9._~-]+$/.test(t),
    'must contain only letters, digits, "-", "_", "." and "~" (it goes in the webhook URL)',
  ),
  connections: integer(1, 1024, 16),
  timeout: duration('10s', 1),
};

const wahaGateway = strictObject({
  type: z.literal('waha'),
  url: httpUrl,
  apiKey: secret,
  hmacKey: secret,
  ...common,
});

const wawpGateway = strictObject({
  type: z.literal('wawp'),
  url: httpUrl.default('https://api.wawp.net'),
  instanceId: text,
  accessToken: text,
  hmacKey: secret,
  ...common,
});

const evolutionGateway = strictObject({
  type: z.literal('evolution'),
  url: httpUrl,
  apiKey: text,
  /** When set, webhooks must carry `Authorization: Bearer <HS256 JWT>` signed with it (Evolution's `jwt_key`). */
  jwtKey: secret,
  ...common,
});

const gateway = z.discriminatedUnion('type', [wahaGateway, wawpGateway, evolutionGateway], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected "waha", "wawp" or "evolution"' : undefined),
});

/**
 * A phone number as a person writes it (YAML may read it as a number), or a chat id, stored as
 * callers arrive; or `{ number, name }`, the name agents and the greeting know the VIP by.
 */
const vipNumber = z.unknown().transform((v, ctx): { chatId: string; name: string | null } => {
  const named = isMapping(v);
  if (named) {
    const extra = Object.keys(v).filter((k) => k !== 'number' && k !== 'name');
    const name = v.name;
    if (extra.length > 0 || (name !== undefined && (typeof name !== 'string' || name.trim() === ''))) {
      ctx.addIssue({ code: 'custom', message: 'expected a number, or { number, name } with a name that is not empty' });
      return z.NEVER;
    }
  }
  const raw = named ? v.number : v;
  const checked = checkChatId(typeof raw === 'number' ? String(raw) : raw);
  if (checked.ok) return { chatId: checked.chatId, name: named && typeof v.name === 'string' ? v.name.trim() : null };
  ctx.addIssue({ code: 'custom', message: checked.problem });
  return z.NEVER;
});

const alertKinds = (fallback: readonly AlertKind[]) => z.array(z.enum(ALERT_KINDS)).default([...fallback]);

/** `whsec_` + base64, as Standard Webhooks defines the secret. */
const webhookSecret = z
  .string()
  .refine(
    (v) => /^whsec_[A-Za-z0-9+/]+=*$/.test(v) && Buffer.from(v.slice(6), 'base64').length >= 16,
    'expected a Standard Webhooks secret like "whsec_<base64 of 16+ bytes>"',
  );

const redirect = strictObject({
  enabled: flag(true),
  debounce: duration('2m'),
  expireAfter: duration('2m'),
  voice: message('Hi {{name}}! We saw you trying to call. We answer fastest here in chat: how can we help?'),
  video: message(
    "Hi {{name}}! Video calls aren't answered here. Send us photos or a short video of the issue and we'll take it from there.",
  ),
  repeat: message(
    "Hi {{name}}, this number doesn't take calls, but we're right here in chat. Please write your question and we'll answer it here.",
  ),
  repeatStressed: message(
    "Hi {{name}}, we can see you've been trying to reach us. A member of our team has been told and will write to you here shortly.",
  ),
  repeatWithin: duration('24h'),
  group: message(
    "Hi! We saw a call from this group. We don't take calls here: write your question and we'll answer in chat.",
  ),
  closed: strictObject({
    voice: closedMessage().optional(),
    video: closedMessage().optional(),
  })
    .prefault({})
    .transform((c) => ({ voice: c.voice ?? null, video: c.video ?? null })),
});

const frustration = strictObject({
  window: duration('10m', 1),
  elevated: integer(1, 1000, 3),
  stressed: integer(1, 1000, 5),
  escalateFor: duration('30m'),
}).refine((f) => f.stressed >= f.elevated, { message: 'must not be less than elevated', path: ['stressed'] });

const welcome = strictObject({
  enabled: flag(false),
  text: message(
    'Hi {{name}}! Thanks for your message. This number answers in chat, not by phone: write to us here any time.',
  ),
  every: duration('30d', 1),
});

const session = strictObject({
  gateway: z.string(),
  /** The session name the gateway uses in its webhooks (defaults to the session's key). */
  name: text.optional(),
  ringTimeout: duration('60s', 1),
  rejectCalls: flag(false),
  redirect: redirect.prefault({}),
  contactLookup: strictObject({
    enabled: flag(true),
    budget: duration('300ms'),
    cacheTtl: duration('1h'),
  }).prefault({}),
  vip: strictObject({
    numbers: z.array(vipNumber).default([]),
    bypassRedirect: flag(true),
  })
    .prefault({})
    .transform(({ numbers, bypassRedirect }) => ({
      numbers: numbers.map((n) => n.chatId),
      names: Object.fromEntries(numbers.flatMap((n) => (n.name ? [[n.chatId, n.name]] : []))) as Record<string, string>,
      bypassRedirect,
    })),
  frustration: frustration.prefault({}),
  conversionWindow: duration('30m'),
  welcome: welcome.prefault({}),
  alerts: strictObject({
    slack: alertKinds(['vip', 'missed', 'stressed', 'escalated', 'group']),
    webhook: alertKinds(ALERT_KINDS),
    chatwoot: alertKinds(['vip', 'missed', 'stressed', 'escalated']),
  }).prefault({}),
  hours,
  languages,
  followUp,
  optOut,
  groupCalls,
}).superRefine((s, ctx) => {
  for (const [path, t] of sessionTexts(s)) {
    const problem = missingDefaultLanguage(t, s.languages.default);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path });
  }
});

export const configSchema = strictObject({
  http: strictObject({
    // Loopback until the config says otherwise (and makes that safe: see checkExposure).
    host: text.default('127.0.0.1'),
    port: integer(0, 65535, 3000),
    // Call webhooks are under 2 KB; a larger body is not one.
    bodyLimit: size(65_536),
    /** A request not received in full by then is answered 408. */
    requestTimeout: duration('10s', 1),
    maxConnections: integer(1, 1_000_000, 1000),
    /** Synthetic call webhooks run through the hot path (and undone) before /readyz says ready; 0: ready at once. */
    warmUp: integer(0, 100_000, 500),
    /** Where callbridge is reachable from outside, for links in alerts. */
    publicUrl: httpUrl.optional(),
  }).prefault({}),
  /** Off loopback, serve without authenticating webhooks and the API (the checks refuse that otherwise). */
  insecure: flag(false),
  database,
  api: strictObject({
    token: token(),
    /** Named agents, each with their own token(s): claims and closes in the work queue record who. */
    agents: agents(name),
    /** Requests per client (its token, else its IP) in each window; webhooks and /healthz are not limited. */
    rateLimit: strictObject({
      max: integer(1, 1_000_000, 600),
      /** Stream tickets, counted apart from `max`: a browser needs one per (re)connect. */
      tickets: integer(1, 1_000_000, 30),
      window: duration('1m', 1),
    }).prefault({}),
  })
    .superRefine(checkAgents)
    .prefault({}),
  /** Bearer token for /metrics; without it, /metrics is open. */
  metrics: strictObject({ token: token() }).prefault({}),
  webhooks: strictObject({
    /** How far a webhook's `X-Webhook-Timestamp` may be from now. */
    tolerance: duration('5m', 1),
  }).prefault({}),
  log: strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Readable lines instead of JSON; unset: readable on a terminal. */
    pretty: z.boolean().optional(),
    /** One line per HTTP request (never for `GET /healthz`); off by default: at storm rates they cost more than the work. */
    requests: z.boolean().default(false),
  }).prefault({}),
  gateways: z.record(name, gateway),
  sessions: z
    .record(sessionKey, session)
    .transform((sessions) =>
      Object.fromEntries(
        Object.entries(sessions).map(([key, s]) => [key, { ...s, name: s.name ?? (sessionPattern(key) ? '*' : key) }]),
      ),
    ),
  /** Outbox retry and polling. */
  dispatch: strictObject({
    retryInitial: duration('1s', 1),
    retryMax: duration('5m', 1),
    pollInterval: duration('1s', 1),
    lease: duration('30s', 1),
  })
    .refine((d) => d.retryMax >= d.retryInitial, { message: 'must not be less than retryInitial', path: ['retryMax'] })
    .prefault({}),
  alerts: strictObject({
    slack: strictObject({ webhookUrl: httpUrl }).optional(),
    webhook: strictObject({ url: httpUrl, secret: webhookSecret, expireAfter: duration('24h', 1) }).optional(),
    /** Private notes in the caller's Chatwoot conversation (docs/chatwoot.md). */
    chatwoot: strictObject({
      url: httpUrl,
      accountId: integer(1, Number.MAX_SAFE_INTEGER, 1),
      inboxId: integer(1, Number.MAX_SAFE_INTEGER, 1),
      apiToken: text,
      timeZone: timeZone.optional(),
    }).optional(),
  }).prefault({}),
  crm: strictObject({
    lookup: strictObject({ url: httpUrl, timeout: duration('300ms', 1), cacheTtl: duration('5m') }).optional(),
  }).prefault({}),
  /** How long stored history (events, calls, actions and their attempts) is kept. */
  retention: strictObject({
    enabled: flag(true),
    // At least a day: longer than any window the rules look back over in stored calls
    // (the frustration window, the conversion window).
    keep: duration('90d', 24 * 3_600_000),
  }).prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type GatewayConfig = Config['gateways'][string];
export type WahaGatewayConfig = Extract<GatewayConfig, { type: 'waha' }>;
export type WawpGatewayConfig = Extract<GatewayConfig, { type: 'wawp' }>;
export type EvolutionGatewayConfig = Extract<GatewayConfig, { type: 'evolution' }>;
export type SessionConfig = Config['sessions'][string];

/** Compile-time: a session's settings as parsed are what the domain's policy takes (a mismatch fails tsc). */
type Fits<T extends U, U> = [T, U];
type _SettingsFitTheDomain = [
  Fits<z.output<typeof redirect>, RedirectSettings>,
  Fits<z.output<typeof frustration>, SessionSettings['frustration']>,
  Fits<z.output<typeof welcome>, SessionSettings['welcome']>,
];
