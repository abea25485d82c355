import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { normaliseChatId } from './domain/jid.js';
import { formatDuration, parseDuration } from './duration.js';
import { nameInPattern, sessionPattern } from './sessions.js';

// ---------------------------------------------------------------------------------------------
// The validated configuration. Durations are milliseconds, sizes are bytes, and empty secrets
// are undefined, so nothing downstream re-parses or re-checks a setting.
// ---------------------------------------------------------------------------------------------

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface HttpConfig {
  host: string;
  port: number;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** Where callbridge is reachable from outside, for links in alerts. */
  publicUrl?: string | undefined;
}

export interface DatabaseConfig {
  /** `sqlite:<file>`, `sqlite::memory:`, or `postgres://...` / `postgresql://...`. */
  url: string;
  poolSize: number;
}

export interface WahaGatewayConfig {
  type: 'waha';
  url: string;
  apiKey?: string | undefined;
  hmacKey?: string | undefined;
  /** Keep-alive connections in this gateway's pool. */
  connections: number;
  /** Outbound request timeout, ms. */
  timeout: number;
}

export interface WawpGatewayConfig {
  type: 'wawp';
  url: string;
  instanceId: string;
  accessToken: string;
  hmacKey?: string | undefined;
  connections: number;
  timeout: number;
}

export interface EvolutionGatewayConfig {
  type: 'evolution';
  url: string;
  apiKey: string;
  /** When set, webhooks must carry `Authorization: Bearer <HS256 JWT>` signed with it (Evolution's `jwt_key`). */
  jwtKey?: string | undefined;
  connections: number;
  timeout: number;
}

export type GatewayConfig = WahaGatewayConfig | WawpGatewayConfig | EvolutionGatewayConfig;

export interface RedirectConfig {
  enabled: boolean;
  /** At most one redirect per caller per session in this window, ms. */
  debounce: number;
  /** Never send a redirect later than this after the ring, ms. */
  expireAfter: number;
  /** Message templates; `{{name}}` is the caller's name. */
  voice: string;
  video: string;
  /** For a caller redirected before (within `repeatWithin`) who calls again after the debounce window. */
  repeat: string;
  /** `repeat` for a stressed caller: says that a person has been told. */
  repeatStressed: string;
  repeatWithin: number;
}

export const ALERT_KINDS = [
  'received',
  'redirected',
  'answered',
  'rejected',
  'missed',
  'vip',
  'stressed',
  'escalated',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface SessionAlertsConfig {
  /** Which kinds go to Slack (when `alerts.slack` is configured). */
  slack: AlertKind[];
  /** Which kinds go to the signed webhook, the CRM stream (when `alerts.webhook` is configured). */
  webhook: AlertKind[];
}

export interface VipConfig {
  /** Normalised chat ids (`15550001111@c.us`). */
  numbers: string[];
  bypassRedirect: boolean;
}

export interface FrustrationConfig {
  /** Calls are counted in this sliding window, ms. */
  window: number;
  elevated: number;
  stressed: number;
  /** How long a stressed caller's next text is escalated, ms. */
  escalateFor: number;
}

export interface WelcomeConfig {
  enabled: boolean;
  text: string;
  /** At most one welcome per caller in this period, ms. */
  every: number;
}

export interface ContactLookupConfig {
  enabled: boolean;
  /** How long the redirect may wait for the caller's name, ms. */
  budget: number;
  cacheTtl: number;
}

export interface SessionConfig {
  /** Key of `Config.gateways`. */
  gateway: string;
  /** The session name the gateway uses in its webhooks (defaults to the session's key). */
  name: string;
  /** No accept/reject by then → missed, ms. */
  ringTimeout: number;
  rejectCalls: boolean;
  redirect: RedirectConfig;
  contactLookup: ContactLookupConfig;
  vip: VipConfig;
  frustration: FrustrationConfig;
  /** A redirected caller who writes within this is counted as converted, ms. */
  conversionWindow: number;
  welcome: WelcomeConfig;
  alerts: SessionAlertsConfig;
}

export interface AlertsConfig {
  slack?: { webhookUrl: string } | undefined;
  /** Standard Webhooks: `secret` is `whsec_<base64>`. */
  webhook?: { url: string; secret: string; expireAfter: number } | undefined;
}

export interface CrmConfig {
  lookup?: { url: string; timeout: number; cacheTtl: number } | undefined;
}

/** Outbox retry and polling, all ms. */
export interface DispatchConfig {
  retryInitial: number;
  retryMax: number;
  pollInterval: number;
  lease: number;
}

/** How long stored history (events, calls, actions and their attempts) is kept. */
export interface RetentionConfig {
  enabled: boolean;
  keep: number;
}

export interface Config {
  http: HttpConfig;
  database: DatabaseConfig;
  api: { token?: string | undefined };
  log: { level: LogLevel };
  gateways: Record<string, GatewayConfig>;
  sessions: Record<string, SessionConfig>;
  dispatch: DispatchConfig;
  alerts: AlertsConfig;
  crm: CrmConfig;
  retention: RetentionConfig;
}

/** Every problem found, one `<dotted.path>: <message>` per line of `message`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

// ---------------------------------------------------------------------------------------------
// Schema building blocks. Values that arrive through `${VAR}` are always strings, so numbers
// and booleans also accept their string spelling.
// ---------------------------------------------------------------------------------------------

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;
const name = z.string().regex(NAME, 'names start with a letter or digit and contain only letters, digits, "_" and "-"');

/** A session's key: a name, or a pattern with one `*` standing for every other session of its gateway. */
const sessionKey = z
  .string()
  .regex(
    /^(?:[a-z0-9][a-z0-9_-]*|[a-z0-9_-]*\*[a-z0-9_-]*)$/i,
    'session keys contain only letters, digits, "_" and "-" (starting with a letter or digit), or one "*" for every other session of the gateway',
  );

/** A strict object whose unknown-key error lists the keys that are allowed. */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  const allowed = `allowed: ${Object.keys(shape).join(', ')}`;
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? allowed : undefined),
  });
}

function integer(min: number, max: number, fallback: number) {
  const message = `expected a whole number from ${min} to ${max}`;
  return z
    .preprocess(
      (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
      z.int(message).min(min, message).max(max, message),
    )
    .default(fallback);
}

function flag(fallback: boolean) {
  return z
    .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean('expected true or false'))
    .default(fallback);
}

/** `"90s"`-style strings, or a whole number of ms (also as a digit string, as from `${VAR}`). */
function toMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  return /^\d+$/.test(value) ? toMs(Number(value)) : parseDuration(value);
}

/** A duration in ms; `min` rejects zero where it would spin a loop or fire a timer at once. */
function duration(fallback: string, min = 0) {
  return z
    .unknown()
    .transform((value, ctx) => {
      const ms = toMs(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration like "2m"' });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
        return z.NEVER;
      }
      return ms;
    })
    .prefault(fallback);
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };

/** A number of bytes, or a digit string with an optional `b` / `kb` / `mb` unit (binary multiples). */
function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? /^(\d+)(b|kb|mb)?$/i.exec(value) : null;
  if (!match) return undefined;
  const [, amount = '', unit = 'b'] = match;
  return Number(amount) * (SIZE_UNITS[unit.toLowerCase()] ?? Number.NaN);
}

function size(fallback: number) {
  return z
    .unknown()
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes < 1) {
        ctx.addIssue({ code: 'custom', message: 'expected a size like "256kb" or "1mb" (or a number of bytes)' });
        return z.NEVER;
      }
      return bytes;
    })
    .prefault(fallback);
}

const text = z.string().min(1, 'must not be empty');

/** An empty value (typically `${VAR:-}` with VAR unset) means "not configured". */
const secret = z
  .string()
  .optional()
  .transform((s) => (s === '' ? undefined : s));

function isHttpUrl(s: string): boolean {
  if (!URL.canParse(s)) return false;
  const { protocol } = new URL(s);
  return protocol === 'http:' || protocol === 'https:';
}

const httpUrl = z.string().refine(isHttpUrl, 'expected an http(s) URL like "https://example.com"');

const DATABASE_URL = /^(sqlite:.+|postgres(ql)?:\/\/.+)$/;
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

const wahaGateway = strictObject({
  type: z.literal('waha'),
  url: httpUrl,
  apiKey: secret,
  hmacKey: secret,
  connections: integer(1, 1024, 16),
  timeout: duration('10s', 1),
});

const wawpGateway = strictObject({
  type: z.literal('wawp'),
  url: httpUrl.default('https://api.wawp.net'),
  instanceId: text,
  accessToken: text,
  hmacKey: secret,
  connections: integer(1, 1024, 16),
  timeout: duration('10s', 1),
});

const evolutionGateway = strictObject({
  type: z.literal('evolution'),
  url: httpUrl,
  apiKey: text,
  jwtKey: secret,
  connections: integer(1, 1024, 16),
  timeout: duration('10s', 1),
});

const gateway = z.discriminatedUnion('type', [wahaGateway, wawpGateway, evolutionGateway], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected "waha", "wawp" or "evolution"' : undefined),
});

/** A phone number in any spelling, or a chat id; stored in the one spelling callers arrive in. */
const vipNumber = z
  .union([z.string(), z.number().transform(String)])
  .refine((v) => /\d/.test(v), 'expected a phone number like "+1 555 000 1111" or a chat id')
  .transform((v) => normaliseChatId(v));

const alertKinds = (fallback: readonly AlertKind[]) => z.array(z.enum(ALERT_KINDS)).default([...fallback]);

/** `whsec_` + base64, as Standard Webhooks defines the secret. */
const webhookSecret = z
  .string()
  .refine(
    (v) => /^whsec_[A-Za-z0-9+/]+=*$/.test(v) && Buffer.from(v.slice(6), 'base64').length >= 16,
    'expected a Standard Webhooks secret like "whsec_<base64 of 16+ bytes>"',
  );

const session = strictObject({
  gateway: z.string(),
  name: text.optional(),
  ringTimeout: duration('60s', 1),
  rejectCalls: flag(false),
  redirect: strictObject({
    enabled: flag(true),
    debounce: duration('2m'),
    expireAfter: duration('2m'),
    voice: text.default('Hi {{name}}! We saw you trying to call. We answer fastest here in chat: how can we help?'),
    video: text.default(
      "Hi {{name}}! Video calls aren't answered here. Send us photos or a short video of the issue and we'll take it from there.",
    ),
    repeat: text.default(
      "Hi {{name}}, this number doesn't take calls, but we're right here in chat. Please write your question and we'll answer it here.",
    ),
    repeatStressed: text.default(
      "Hi {{name}}, we can see you've been trying to reach us. A member of our team has been told and will write to you here shortly.",
    ),
    repeatWithin: duration('24h'),
  }).prefault({}),
  contactLookup: strictObject({
    enabled: flag(true),
    budget: duration('300ms'),
    cacheTtl: duration('1h'),
  }).prefault({}),
  vip: strictObject({
    numbers: z.array(vipNumber).default([]),
    bypassRedirect: flag(true),
  }).prefault({}),
  frustration: strictObject({
    window: duration('10m', 1),
    elevated: integer(1, 1000, 3),
    stressed: integer(1, 1000, 5),
    escalateFor: duration('30m'),
  })
    .refine((f) => f.stressed >= f.elevated, { message: 'must not be less than elevated', path: ['stressed'] })
    .prefault({}),
  conversionWindow: duration('30m'),
  welcome: strictObject({
    enabled: flag(false),
    text: text.default(
      'Hi {{name}}! Thanks for your message. This number answers in chat, not by phone: write to us here any time.',
    ),
    every: duration('30d', 1),
  }).prefault({}),
  alerts: strictObject({
    slack: alertKinds(['vip', 'missed', 'stressed', 'escalated']),
    webhook: alertKinds(ALERT_KINDS),
  }).prefault({}),
});

const configSchema: z.ZodType<Config, unknown> = strictObject({
  http: strictObject({
    host: text.default('0.0.0.0'),
    port: integer(0, 65535, 3000),
    bodyLimit: size(262_144),
    publicUrl: httpUrl.optional(),
  }).prefault({}),
  database,
  api: strictObject({
    token: secret.refine((t) => t === undefined || t.length >= 16, 'must be at least 16 characters'),
  }).prefault({}),
  log: strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
  gateways: z.record(name, gateway),
  sessions: z
    .record(sessionKey, session)
    .transform((sessions) =>
      Object.fromEntries(
        Object.entries(sessions).map(([key, s]) => [key, { ...s, name: s.name ?? (sessionPattern(key) ? '*' : key) }]),
      ),
    ),
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
  }).prefault({}),
  crm: strictObject({
    lookup: strictObject({ url: httpUrl, timeout: duration('300ms', 1), cacheTtl: duration('5m') }).optional(),
  }).prefault({}),
  retention: strictObject({
    enabled: flag(true),
    // At least a day: longer than any window the rules look back over in stored calls
    // (the frustration window, the conversion window).
    keep: duration('90d', 24 * 3_600_000),
  }).prefault({}),
});

/** Used only when the input has no `gateways` / `sessions` at all: a local WAHA, so no file is needed to start. */
const DEFAULT_GATEWAYS = {
  waha: {
    type: 'waha',
    url: '${WAHA_URL:-http://127.0.0.1:3001}',
    apiKey: '${WAHA_API_KEY:-}',
    hmacKey: '${WAHA_HMAC_KEY:-}',
  },
};
const DEFAULT_SESSIONS = { default: { gateway: 'waha' } };

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/** Reads and validates the YAML file, or the defaults when there is none. Throws `ConfigError`. */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  if (opts.file === undefined) return parseConfig({}, env);

  let source: string;
  try {
    source = readFileSync(opts.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError([`cannot read config file ${opts.file}: ${READ_ERRORS[code] ?? errorMessage(err)}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (err) {
    throw new ConfigError([`cannot parse config file ${opts.file}: ${errorMessage(err)}`]);
  }
  return parseConfig(raw, env);
}

/** Validates an already-parsed config object: interpolates `${VAR}`, applies defaults. Throws `ConfigError`. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  // An empty YAML file parses to null: that is "all defaults", not an error.
  const given = raw ?? {};
  if (!isMapping(given)) throw new ConfigError(['config: expected a mapping of settings']);

  const withDefaults = {
    ...given,
    gateways: given.gateways === undefined ? DEFAULT_GATEWAYS : given.gateways,
    sessions: given.sessions === undefined ? DEFAULT_SESSIONS : given.sessions,
  };

  const missing: string[] = [];
  const input = interpolate(withDefaults, [], env, missing) as Record<string, unknown>;
  if (missing.length > 0) throw new ConfigError(missing);

  if (env.DATABASE_URL) {
    input.database = isMapping(input.database) ? { ...input.database, url: env.DATABASE_URL } : env.DATABASE_URL;
  }

  const result = configSchema.safeParse(input, { error: describeIssue });
  const problems = [...(result.success ? [] : result.error.issues.flatMap(formatIssue)), ...checkSessions(input)].map(
    // The file may say something else entirely; point at where the bad URL came from.
    (p) => (env.DATABASE_URL && /^database(\.url)?: /.test(p) ? `${p} (from DATABASE_URL)` : p),
  );
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

// `${VAR}` or `${VAR:-default}`; the default runs to the first `}`.
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces variables in every string scalar, recording each unset one (without a default) by path. */
function interpolate(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, missing: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, variable: string, fallback: string | undefined) => {
      const found = env[variable];
      // Like the shell's `:-`, the default also covers a variable that is set but empty.
      if (fallback !== undefined && !found) return fallback;
      if (found === undefined) {
        missing.push(`${formatPath(path)}: environment variable ${variable} is not set`);
        return whole;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, [...path, i], env, missing));
  if (isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, [...path, key], env, missing)]),
    );
  }
  return value;
}

/**
 * Cross-references that the schema cannot express. Runs on the raw input, so these problems are
 * reported together with the schema's instead of only after those are fixed.
 */
function checkSessions(input: Record<string, unknown>): string[] {
  const { gateways, sessions } = input;
  if (!isMapping(gateways) || !isMapping(sessions)) return [];
  const configured = Object.keys(gateways).join(', ') || '(none)';
  const problems: string[] = [];
  // Two sessions with the same gateway and name would both claim the same webhooks.
  const claimed = new Map<string, string>();
  for (const [key, s] of Object.entries(sessions)) {
    if (!isMapping(s) || typeof s.gateway !== 'string') continue;
    if (!Object.hasOwn(gateways, s.gateway)) {
      problems.push(`sessions.${key}.gateway: unknown gateway "${s.gateway}"; configured: ${configured}`);
    } else if (
      isMapping(gateways[s.gateway]) &&
      (gateways[s.gateway] as Record<string, unknown>).type === 'evolution' &&
      [true, 'true'].includes(s.rejectCalls as never)
    ) {
      problems.push(
        `sessions.${key}.rejectCalls: Evolution API cannot reject calls; use the instance setting rejectCall instead`,
      );
    }
    const pattern = sessionPattern(key);
    if (pattern && s.name !== undefined && s.name !== '*') {
      problems.push(`sessions.${key}.name: a "*" key stands for every other session of its gateway; leave out name`);
      continue;
    }
    if (!pattern && typeof s.name === 'string' && s.name.includes('*')) {
      problems.push(
        `sessions.${key}.name: for every other session of the gateway, put the "*" in the key, where the session's name goes in its id (like "*" or "shop-*")`,
      );
      continue;
    }
    const sessionName = pattern ? '*' : typeof s.name === 'string' ? s.name : key;
    const id = JSON.stringify([s.gateway, sessionName]);
    const other = claimed.get(id);
    if (other === undefined) claimed.set(id, key);
    else if (pattern)
      problems.push(`sessions.${key}: gateway "${s.gateway}" already has a "*" session, sessions.${other}`);
    else
      problems.push(
        `sessions.${key}.name: session "${sessionName}" of gateway "${s.gateway}" is already sessions.${other}`,
      );
  }
  return [...problems, ...sessionIdClashes(sessions)];
}

/**
 * Ids that two sessions could share: a named session whose key a `*` key would also give another
 * session, or two `*` keys that could give the same id. Sessions sharing an id would share callers,
 * counters and debounce windows.
 */
function sessionIdClashes(sessions: Record<string, unknown>): string[] {
  const entries = Object.entries(sessions).flatMap(([key, s]) =>
    isMapping(s) && typeof s.gateway === 'string'
      ? [{ key, gateway: s.gateway, name: typeof s.name === 'string' ? s.name : key, pattern: sessionPattern(key) }]
      : [],
  );
  const problems: string[] = [];
  for (const [i, p] of entries.entries()) {
    if (!p.pattern) continue;
    for (const [j, e] of entries.entries()) {
      if (j === i) continue;
      if (e.pattern) {
        // Two patterns meet when one prefix starts the other and one suffix ends the other.
        const a = p.pattern;
        const b = e.pattern;
        const meet =
          (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix)) &&
          (a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix));
        if (meet && j > i)
          problems.push(
            `sessions.${e.key}: its sessions could get the same ids as those of sessions.${p.key}; give the keys different text around the "*"`,
          );
        continue;
      }
      const name = nameInPattern(p.pattern, e.key);
      if (name !== null && !(e.gateway === p.gateway && e.name === name)) {
        problems.push(
          `sessions.${e.key}: sessions.${p.key} would give session "${name}" of gateway "${p.gateway}" this same id; rename one of them`,
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Error messages
// ---------------------------------------------------------------------------------------------

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
};

/** Plain-language messages for zod's built-in issues; schema-specific messages take precedence. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const got = describeValue(issue.input);
      // YAML reads `apiKey: 12345` as a number; quoting is the fix.
      const hint = issue.expected === 'string' && typeof issue.input !== 'object' ? ' (quote it)' : '';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}${hint}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key; ${issue.message}`);
    case 'invalid_union': {
      // zod gives up on a union when every branch fails; when exactly one branch got the right
      // type (e.g. a database mapping with a bad poolSize), its problems are the useful ones.
      const typed = issue.errors.filter(
        (branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      const only = typed.length === 1 ? typed[0] : undefined;
      if (only) return only.flatMap((i) => formatIssue({ ...i, path: [...issue.path, ...i.path] }));
      return [`${formatPath(issue.path)}: ${issue.message}`];
    }
    case 'invalid_key':
      // The record's own message is generic; the key schema's says what a valid name looks like.
      return [`${formatPath(issue.path)}: ${issue.issues.map((i) => i.message).join('; ')}`];
    default:
      return [`${formatPath(issue.path)}: ${issue.message}`];
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'config' : path.map(String).join('.');
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

const REDACTED = '***';

/** A copy safe to print or serve: every secret that is set becomes "***"; unset ones stay unset. */
export function redactConfig(c: Config): Config {
  const copy = structuredClone(c);
  copy.api.token = hide(copy.api.token);
  copy.database.url = redactDatabaseUrl(copy.database.url);
  if (copy.alerts.webhook) copy.alerts.webhook.secret = REDACTED;
  // A Slack incoming-webhook URL is itself the credential.
  if (copy.alerts.slack) copy.alerts.slack.webhookUrl = REDACTED;
  // Listed per gateway type so that adding a gateway with a new secret is a visible decision here.
  for (const g of Object.values(copy.gateways)) {
    if (g.type === 'waha') {
      g.hmacKey = hide(g.hmacKey);
      g.apiKey = hide(g.apiKey);
    } else if (g.type === 'wawp') {
      g.hmacKey = hide(g.hmacKey);
      g.accessToken = REDACTED;
    } else {
      g.apiKey = REDACTED;
      g.jwtKey = hide(g.jwtKey);
    }
  }
  return copy;
}

function hide(value: string | undefined): string | undefined {
  return value === undefined ? undefined : REDACTED;
}

/** Hides `user:password@` and a `?password=` parameter (libpq accepts both). */
function redactDatabaseUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  if (parsed.searchParams.has('password')) {
    parsed.searchParams.set('password', REDACTED);
    changed = true;
  }
  return changed ? parsed.toString() : url;
}
