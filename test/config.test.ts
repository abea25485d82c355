import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, redactConfig, type Config } from '../src/config.js';
import { formatDuration, parseDuration } from '../src/duration.js';

const dir = mkdtempSync(join(tmpdir(), 'callbridge-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeYaml(source: string): string {
  const file = join(dir, `config-${++fileCount}.yaml`);
  writeFileSync(file, source);
  return file;
}

/** The problems a config produces, or a failure if it is accepted. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

/** The smallest valid explicit config, to vary one setting at a time. */
const minimal = {
  gateways: { local: { type: 'waha', url: 'http://127.0.0.1:3001' } },
  sessions: { default: { gateway: 'local' } },
};

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['0ms', 0],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['30d', 2_592_000_000],
    ['1.5s', 1_500],
    ['0.25m', 15_000],
    ['1.0005s', 1_001],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    '',
    '2',
    'm',
    '2 m',
    ' 2m',
    '2m ',
    '-2m',
    '+2m',
    '2M',
    '2min',
    '.5s',
    '5.s',
    '1e3ms',
    '2m30s',
    '99999999999999999999d',
  ])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [1_500, '1500ms'],
    [90_000, '90s'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
    [2_592_000_000, '30d'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('is the inverse of parseDuration', () => {
    for (const ms of [0, 1, 999, 1_000, 61_000, 86_400_000, 86_400_001]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});

describe('defaults', () => {
  it('with no file, gives a local WAHA gateway and a default session', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      http: { host: '0.0.0.0', port: 3000, bodyLimit: 262_144 },
      database: { url: 'sqlite:./data/callbridge.db', poolSize: 10 },
      api: {},
      log: { level: 'info' },
      gateways: {
        waha: { type: 'waha', url: 'http://127.0.0.1:3001', connections: 16, timeout: 10_000 },
      },
      sessions: {
        default: {
          gateway: 'waha',
          name: 'default',
          ringTimeout: 60_000,
          rejectCalls: false,
          redirect: {
            enabled: true,
            debounce: 120_000,
            expireAfter: 120_000,
            voice: 'Hi {{name}}! We saw you trying to call. We answer fastest here in chat: how can we help?',
            video:
              "Hi {{name}}! Video calls aren't answered here. Send us photos or a short video of the issue and we'll take it from there.",
            repeat:
              "Hi {{name}}, this number doesn't take calls, but we're right here in chat. Please write your question and we'll answer it here.",
            repeatStressed:
              "Hi {{name}}, we can see you've been trying to reach us. A member of our team has been told and will write to you here shortly.",
            repeatWithin: 86_400_000,
          },
          contactLookup: { enabled: true, budget: 300, cacheTtl: 3_600_000 },
          vip: { numbers: [], bypassRedirect: true },
          frustration: { window: 600_000, elevated: 3, stressed: 5, escalateFor: 1_800_000 },
          conversionWindow: 1_800_000,
          welcome: {
            enabled: false,
            text: 'Hi {{name}}! Thanks for your message. This number answers in chat, not by phone: write to us here any time.',
            every: 2_592_000_000,
          },
          alerts: {
            slack: ['vip', 'missed', 'stressed', 'escalated'],
            webhook: ['received', 'redirected', 'answered', 'rejected', 'missed', 'vip', 'stressed', 'escalated'],
          },
        },
      },
      dispatch: { retryInitial: 1_000, retryMax: 300_000, pollInterval: 1_000, lease: 30_000 },
      alerts: {},
      crm: {},
      retention: { enabled: true, keep: 7_776_000_000 },
    } satisfies Config);
  });

  it('empty secrets become undefined, not empty strings', () => {
    const config = loadConfig({ env: { WAHA_API_KEY: '', WAHA_HMAC_KEY: '' } });
    const gateway = config.gateways.waha;
    expect(gateway).toBeDefined();
    expect(gateway && 'apiKey' in gateway && gateway.apiKey).toBeFalsy();
    expect(gateway).not.toHaveProperty('hmacKey', expect.anything());
    expect(parseConfig({ ...minimal, api: { token: '' } }, {}).api.token).toBeUndefined();
  });

  it('the default gateway reads WAHA_URL, WAHA_API_KEY and WAHA_HMAC_KEY', () => {
    const config = loadConfig({
      env: { WAHA_URL: 'https://waha.internal:8443', WAHA_API_KEY: 'key-1', WAHA_HMAC_KEY: 'hmac-1' },
    });
    expect(config.gateways.waha).toMatchObject({
      type: 'waha',
      url: 'https://waha.internal:8443',
      apiKey: 'key-1',
      hmacKey: 'hmac-1',
    });
  });

  it('uses process.env when no env is given', () => {
    expect(loadConfig({}).gateways.waha?.type).toBe('waha');
    expect(parseConfig({}).sessions.default?.gateway).toBe('waha');
  });

  it('an empty file means all defaults', () => {
    expect(loadConfig({ file: writeYaml(''), env: {} })).toEqual(loadConfig({ env: {} }));
  });

  it('gateways and sessions in the input replace the defaults entirely', () => {
    const config = parseConfig(minimal, {});
    expect(Object.keys(config.gateways)).toEqual(['local']);
    expect(Object.keys(config.sessions)).toEqual(['default']);
    expect(config.sessions.default?.gateway).toBe('local');
  });

  it('a file that sets only other sections keeps the default gateway and session', () => {
    const config = loadConfig({ file: writeYaml('http: { port: 8080 }\n'), env: {} });
    expect(config.http.port).toBe(8080);
    expect(Object.keys(config.gateways)).toEqual(['waha']);
    expect(Object.keys(config.sessions)).toEqual(['default']);
  });

  it('a file with gateways but no sessions still gets the default session, which then names a missing gateway', () => {
    const problems = problemsOf(() => parseConfig({ gateways: minimal.gateways }, {}));
    expect(problems).toEqual(['sessions.default.gateway: unknown gateway "waha"; configured: local']);
  });
});

describe('a full YAML file', () => {
  const source = `
http:
  host: 127.0.0.1
  port: 8080
  bodyLimit: 1mb
  publicUrl: https://calls.example.com
database:
  url: postgres://callbridge:\${PG_PASSWORD}@db.internal/callbridge
  poolSize: 20
api: { token: "\${CALLBRIDGE_TOKEN}" }
log: { level: debug }
gateways:
  wawp:  { type: wawp, instanceId: inst-1, accessToken: "\${WAWP_TOKEN}", hmacKey: hmac-wawp, connections: 4, timeout: 5s }
  local: { type: waha, url: http://127.0.0.1:3001, apiKey: "\${WAHA_API_KEY}", hmacKey: "\${WAHA_HMAC_KEY:-}" }
sessions:
  default:
    gateway: local
    ringTimeout: 45s
    rejectCalls: true
    redirect:
      enabled: true
      debounce: 10m
      expireAfter: 90s
      voice: "Hello {{name}}, chat with us here."
      video: "No video calls, {{name}}."
    contactLookup: { enabled: false, budget: 250ms, cacheTtl: 2h }
  sales:
    gateway: wawp
    name: "447700900123"
    redirect: { enabled: false }
dispatch:
  retryInitial: 500ms
  retryMax: 10m
  pollInterval: 250
  lease: 1m
`;
  const env = {
    PG_PASSWORD: 'pg-secret',
    CALLBRIDGE_TOKEN: 'a-token-of-32-characters-length!',
    WAWP_TOKEN: 'wawp-secret',
    WAHA_API_KEY: 'waha-secret',
  };

  it('parses every section, with durations in ms and sizes in bytes', () => {
    const config = loadConfig({ file: writeYaml(source), env });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimit: 1_048_576,
      publicUrl: 'https://calls.example.com',
    });
    expect(config.database).toEqual({ url: 'postgres://callbridge:pg-secret@db.internal/callbridge', poolSize: 20 });
    expect(config.api.token).toBe('a-token-of-32-characters-length!');
    expect(config.log.level).toBe('debug');
    expect(config.gateways).toEqual({
      wawp: {
        type: 'wawp',
        url: 'https://api.wawp.net',
        instanceId: 'inst-1',
        accessToken: 'wawp-secret',
        hmacKey: 'hmac-wawp',
        connections: 4,
        timeout: 5_000,
      },
      local: {
        type: 'waha',
        url: 'http://127.0.0.1:3001',
        apiKey: 'waha-secret',
        hmacKey: undefined,
        connections: 16,
        timeout: 10_000,
      },
    });
    expect(config.sessions.default).toMatchObject({
      gateway: 'local',
      name: 'default',
      ringTimeout: 45_000,
      rejectCalls: true,
      redirect: {
        enabled: true,
        debounce: 600_000,
        expireAfter: 90_000,
        voice: 'Hello {{name}}, chat with us here.',
        video: 'No video calls, {{name}}.',
      },
      contactLookup: { enabled: false, budget: 250, cacheTtl: 7_200_000 },
    });
    expect(config.sessions.sales).toMatchObject({
      gateway: 'wawp',
      name: '447700900123',
      ringTimeout: 60_000,
      redirect: { enabled: false, debounce: 120_000 },
    });
    expect(config.dispatch).toEqual({ retryInitial: 500, retryMax: 600_000, pollInterval: 250, lease: 60_000 });
  });

  it('narrows gateways by type', () => {
    const gateway = loadConfig({ file: writeYaml(source), env }).gateways.wawp;
    if (gateway?.type !== 'wawp') throw new Error('expected the wawp gateway');
    expect(gateway.instanceId).toBe('inst-1');
  });

  it('accepts the example from the design document', () => {
    const design = `
http: { host: 0.0.0.0, port: 3000 }
database: sqlite:./data/callbridge.db
api: { token: "\${CALLBRIDGE_TOKEN}" }
gateways:
  wawp:  { type: wawp, url: https://api.example, instanceId: abc, accessToken: xyz }
  local: { type: waha, url: http://127.0.0.1:3001, apiKey: "\${WAHA_API_KEY}", hmacKey: "\${WAHA_HMAC_KEY}" }
sessions:
  default:
    gateway: local
    ringTimeout: 60s
    redirect:
      enabled: true
      debounce: 2m
      expireAfter: 2m
`;
    const config = loadConfig({
      file: writeYaml(design),
      env: { CALLBRIDGE_TOKEN: '0123456789abcdef', WAHA_API_KEY: 'k', WAHA_HMAC_KEY: 'h' },
    });
    expect(config.gateways.wawp).toMatchObject({ type: 'wawp', url: 'https://api.example' });
    expect(config.sessions.default?.redirect.debounce).toBe(120_000);
  });
});

describe('loadConfig errors', () => {
  it('names a missing file', () => {
    const file = join(dir, 'nope.yaml');
    expect(() => loadConfig({ file, env: {} })).toThrow(
      new ConfigError([`cannot read config file ${file}: no such file`]),
    );
  });

  it('names a file that is not valid YAML', () => {
    const file = writeYaml('http: { port: 3000\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(`cannot parse config file ${file}: `);
  });

  it('rejects a file that is not a mapping', () => {
    expect(problemsOf(() => loadConfig({ file: writeYaml('- a\n- b\n'), env: {} }))).toEqual([
      'config: expected a mapping of settings',
    ]);
  });

  it('ConfigError is an Error with a name', () => {
    const err = new ConfigError(['a: b', 'c: d']);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe('a: b\nc: d');
  });
});

describe('environment interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default} anywhere in a string', () => {
    const config = parseConfig(
      {
        ...minimal,
        http: { host: '${HOST}', publicUrl: 'https://${DOMAIN:-example.com}/callbridge' },
        database: 'sqlite:${DATA_DIR:-./data}/${DB_NAME}.db',
      },
      { HOST: '::1', DB_NAME: 'calls' },
    );
    expect(config.http.host).toBe('::1');
    expect(config.http.publicUrl).toBe('https://example.com/callbridge');
    expect(config.database.url).toBe('sqlite:./data/calls.db');
  });

  it('uses the default when the variable is set but empty, like the shell', () => {
    expect(parseConfig({ ...minimal, http: { host: '${HOST:-localhost}' } }, { HOST: '' }).http.host).toBe('localhost');
    expect(parseConfig({ ...minimal, http: { host: '${HOST:-localhost}' } }, { HOST: 'h' }).http.host).toBe('h');
  });

  it('a default may contain colons and slashes', () => {
    const config = parseConfig({ ...minimal, http: { publicUrl: '${URL:-http://a:1/b}' } }, {});
    expect(config.http.publicUrl).toBe('http://a:1/b');
  });

  it('works inside a YAML flow mapping when quoted', () => {
    const file = writeYaml(`
gateways:
  local: { type: waha, url: "\${WAHA_URL}", apiKey: "\${WAHA_API_KEY}", hmacKey: "\${WAHA_HMAC_KEY:-fallback-hmac}" }
sessions: { default: { gateway: local, ringTimeout: "\${RING:-30s}" } }
`);
    const config = loadConfig({ file, env: { WAHA_URL: 'http://waha:3000', WAHA_API_KEY: 'k-123' } });
    expect(config.gateways.local).toMatchObject({
      url: 'http://waha:3000',
      apiKey: 'k-123',
      hmacKey: 'fallback-hmac',
    });
    expect(config.sessions.default?.ringTimeout).toBe(30_000);
  });

  it('works unquoted in a block mapping', () => {
    const file = writeYaml(`
gateways:
  local:
    type: waha
    url: \${WAHA_URL}
sessions:
  default:
    gateway: local
`);
    expect(loadConfig({ file, env: { WAHA_URL: 'http://w:1' } }).gateways.local?.url).toBe('http://w:1');
  });

  it('numbers and booleans from the environment arrive as strings and are accepted', () => {
    const config = parseConfig(
      {
        ...minimal,
        http: { port: '${PORT}', bodyLimit: '${BODY}' },
        sessions: { default: { gateway: 'local', rejectCalls: '${REJECT}', redirect: { debounce: '${DEBOUNCE}' } } },
      },
      { PORT: '8081', BODY: '4096', REJECT: 'true', DEBOUNCE: '30000' },
    );
    expect(config.http.port).toBe(8081);
    expect(config.http.bodyLimit).toBe(4096);
    expect(config.sessions.default?.rejectCalls).toBe(true);
    expect(config.sessions.default?.redirect.debounce).toBe(30_000);
  });

  it('an unset variable without a default is an error naming its path', () => {
    const file = writeYaml(`
gateways:
  local: { type: waha, url: http://127.0.0.1:3001, apiKey: "\${WAHA_API_KEY}" }
sessions: { default: { gateway: local } }
`);
    expect(() => loadConfig({ file, env: {} })).toThrow(
      new ConfigError(['gateways.local.apiKey: environment variable WAHA_API_KEY is not set']),
    );
  });

  it('reports every unset variable at once', () => {
    const problems = problemsOf(() =>
      parseConfig({ ...minimal, api: { token: '${A}' }, http: { host: '${B}-${C}' } }, { C: 'c' }),
    );
    expect(problems).toEqual([
      'api.token: environment variable A is not set',
      'http.host: environment variable B is not set',
    ]);
  });

  it('leaves keys and non-variable dollar signs alone', () => {
    const config = parseConfig(
      {
        ...minimal,
        sessions: { default: { gateway: 'local', redirect: { voice: 'Costs $5 {{name}} ${not a var}' } } },
      },
      {},
    );
    expect(config.sessions.default?.redirect.voice).toBe('Costs $5 {{name}} ${not a var}');
  });
});

describe('validation errors', () => {
  it('a bad duration names its exact path', () => {
    const file = writeYaml(`
sessions:
  default:
    gateway: waha
    redirect: { debounce: 2 minutes }
`);
    expect(() => loadConfig({ file, env: {} })).toThrow(
      new ConfigError(['sessions.default.redirect.debounce: expected a duration like "2m"']),
    );
  });

  it('accepts a plain number of ms as a duration, but not a negative or fractional one', () => {
    const at = (debounce: unknown) => ({
      ...minimal,
      sessions: { default: { gateway: 'local', redirect: { debounce } } },
    });
    expect(parseConfig(at(1500), {}).sessions.default?.redirect.debounce).toBe(1500);
    expect(parseConfig(at('1500'), {}).sessions.default?.redirect.debounce).toBe(1500);
    for (const bad of [-1, 1.5, true, '', '99999999999999999999']) {
      expect(problemsOf(() => parseConfig(at(bad), {}))).toEqual([
        'sessions.default.redirect.debounce: expected a duration like "2m"',
      ]);
    }
  });

  it('rejects a zero duration where it would spin a loop or fire at once', () => {
    expect(problemsOf(() => parseConfig({ ...minimal, dispatch: { pollInterval: '0ms' } }, {}))).toEqual([
      'dispatch.pollInterval: must be at least 1ms',
    ]);
    expect(
      parseConfig({ ...minimal, sessions: { default: { gateway: 'local', redirect: { debounce: 0 } } } }, {}).sessions
        .default?.redirect.debounce,
    ).toBe(0);
  });

  it.each([
    [4096, 4096],
    ['4096', 4096],
    ['512b', 512],
    ['256kb', 262_144],
    ['1mb', 1_048_576],
    ['2MB', 2_097_152],
  ])('bodyLimit %j is %d bytes', (bodyLimit, bytes) => {
    expect(parseConfig({ ...minimal, http: { bodyLimit } }, {}).http.bodyLimit).toBe(bytes);
  });

  it.each([0, -1, 1.5, '1.5mb', '1 mb', '1gb', 'lots'])('rejects bodyLimit %j', (bodyLimit) => {
    expect(problemsOf(() => parseConfig({ ...minimal, http: { bodyLimit } }, {}))).toEqual([
      'http.bodyLimit: expected a size like "256kb" or "1mb" (or a number of bytes)',
    ]);
  });

  it('session keys follow the same naming rule as gateway keys, or hold one "*"', () => {
    expect(
      Object.keys(parseConfig({ ...minimal, sessions: { 'Shop_1-a': { gateway: 'local' } } }, {}).sessions),
    ).toEqual(['Shop_1-a']);
    expect(problemsOf(() => parseConfig({ ...minimal, sessions: { '-x': { gateway: 'local' } } }, {}))).toEqual([
      'sessions.-x: session keys contain only letters, digits, "_" and "-" (starting with a letter or digit), or one "*" for every other session of the gateway',
    ]);
  });

  it('rejects retryMax below retryInitial', () => {
    expect(
      problemsOf(() => parseConfig({ ...minimal, dispatch: { retryInitial: '10m', retryMax: '1m' } }, {})),
    ).toEqual(['dispatch.retryMax: must not be less than retryInitial']);
  });

  it('an unknown key is rejected with its path and the allowed keys', () => {
    const file = writeYaml(`
sessions:
  default:
    gateway: waha
    redirect: { enabled: true, debounse: 2m }
`);
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      'sessions.default.redirect.debounse: unknown key; allowed: enabled, debounce, expireAfter, voice, video, repeat, repeatStressed, repeatWithin',
    ]);
    expect(problemsOf(() => parseConfig({ ...minimal, colour: 'blue' }, {}))).toEqual([
      'colour: unknown key; allowed: http, database, api, log, gateways, sessions, dispatch, alerts, crm, retention',
    ]);
  });

  it('unknown keys are rejected per gateway type', () => {
    const problems = problemsOf(() =>
      parseConfig({ ...minimal, gateways: { local: { type: 'waha', url: 'http://h', accessToken: 'x' } } }, {}),
    );
    expect(problems).toEqual([
      'gateways.local.accessToken: unknown key; allowed: type, url, apiKey, hmacKey, connections, timeout',
    ]);
  });

  it('a session naming an unknown gateway lists the configured ones', () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          gateways: {
            a: { type: 'waha', url: 'http://a' },
            b: { type: 'wawp', instanceId: 'i', accessToken: 't' },
          },
          sessions: { default: { gateway: 'x' } },
        },
        {},
      ),
    );
    expect(problems).toEqual(['sessions.default.gateway: unknown gateway "x"; configured: a, b']);
  });

  it('two sessions may not claim the same gateway session name', () => {
    const problems = problemsOf(() =>
      parseConfig(
        { ...minimal, sessions: { default: { gateway: 'local' }, other: { gateway: 'local', name: 'default' } } },
        {},
      ),
    );
    expect(problems).toEqual(['sessions.other.name: session "default" of gateway "local" is already sessions.default']);
  });

  describe('"*" sessions: every other session of a gateway', () => {
    const twoGateways = {
      local: { type: 'waha', url: 'http://127.0.0.1:3001' },
      other: { type: 'waha', url: 'http://127.0.0.1:3002' },
    };
    const sessionsOf = (sessions: object) => parseConfig({ gateways: twoGateways, sessions }, {}).sessions;
    const problemsWith = (sessions: object) => problemsOf(() => parseConfig({ gateways: twoGateways, sessions }, {}));

    it('takes a key with one "*", its name "*", beside named sessions', () => {
      const sessions = sessionsOf({
        'shop-*': { gateway: 'local', ringTimeout: '30s' },
        front: { gateway: 'local' },
        'eu-*': { gateway: 'other' },
      });
      expect(sessions['shop-*']).toMatchObject({ gateway: 'local', name: '*', ringTimeout: 30_000 });
      expect(sessions['eu-*']!.name).toBe('*');
      expect(sessions.front!.name).toBe('front');
    });

    it('refuses a name beside a "*" key, a "*" in a name, and two "*" keys on one gateway', () => {
      expect(problemsWith({ 'shop-*': { gateway: 'local', name: 'acme' } })).toEqual([
        'sessions.shop-*.name: a "*" key stands for every other session of its gateway; leave out name',
      ]);
      expect(problemsWith({ shop: { gateway: 'local', name: '*' } })).toEqual([
        `sessions.shop.name: for every other session of the gateway, put the "*" in the key, where the session's name goes in its id (like "*" or "shop-*")`,
      ]);
      expect(problemsWith({ 'a-*': { gateway: 'local' }, 'b-*': { gateway: 'local' } })).toEqual([
        'sessions.b-*: gateway "local" already has a "*" session, sessions.a-*',
      ]);
      expect(
        problemsOf(() => parseConfig({ gateways: twoGateways, sessions: { 'a-*-*': { gateway: 'local' } } }, {}))[0],
      ).toMatch(/^sessions\.a-\*-\*: .*one "\*"/);
    });

    it('refuses keys that could give two sessions one id', () => {
      // "*" on one gateway and "eu-*" on another: session "eu-x" of the first and "x" of the second.
      expect(problemsWith({ '*': { gateway: 'local' }, 'eu-*': { gateway: 'other' } })).toEqual([
        'sessions.eu-*: its sessions could get the same ids as those of sessions.*; give the keys different text around the "*"',
      ]);
      expect(problemsWith({ 'shop-*': { gateway: 'local' }, 'shop-acme': { gateway: 'other' } })).toEqual([
        'sessions.shop-acme: sessions.shop-* would give session "acme" of gateway "local" this same id; rename one of them',
      ]);
      // The named session is the one a "*" key would have given that id anyway: no clash.
      expect(() => sessionsOf({ '*': { gateway: 'local' }, acme: { gateway: 'local' } })).not.toThrow();
      expect(() => sessionsOf({ 'a-*': { gateway: 'local' }, 'b-*': { gateway: 'other' } })).not.toThrow();
    });
  });

  it('lists every problem, one per line', () => {
    let error: unknown;
    try {
      parseConfig(
        {
          http: { port: 70000, bodyLimit: '1 mb', publicUrl: 'ftp://x' },
          database: 'mysql://localhost/db',
          api: { token: 'short' },
          log: { level: 'loud' },
          gateways: {
            'bad name': { type: 'waha', url: 'http://x' },
            nourl: { type: 'waha' },
            notype: { url: 'http://x' },
            wrongtype: { type: 'twilio' },
            scalar: 'http://x',
            wawp: { type: 'wawp', url: 'not a url', instanceId: 12345, accessToken: '' },
          },
          sessions: {
            default: { gateway: 'missing', rejectCalls: 'yes', redirect: { voice: '' } },
          },
        },
        {},
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      'http.port: expected a whole number from 0 to 65535',
      'http.bodyLimit: expected a size like "256kb" or "1mb" (or a number of bytes)',
      'http.publicUrl: expected an http(s) URL like "https://example.com"',
      'database: expected "sqlite:<file>" or "postgres://..."',
      'api.token: must be at least 16 characters',
      'log.level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      'gateways.bad name: names start with a letter or digit and contain only letters, digits, "_" and "-"',
      'gateways.nourl.url: required',
      'gateways.notype.type: expected "waha", "wawp" or "evolution"',
      'gateways.wrongtype.type: expected "waha", "wawp" or "evolution"',
      'gateways.scalar: expected a mapping, got a string',
      'gateways.wawp.url: expected an http(s) URL like "https://example.com"',
      'gateways.wawp.instanceId: expected a string, got a number (quote it)',
      'gateways.wawp.accessToken: must not be empty',
      'sessions.default.rejectCalls: expected true or false',
      'sessions.default.redirect.voice: must not be empty',
      'sessions.default.gateway: unknown gateway "missing"; configured: bad name, nourl, notype, wrongtype, scalar, wawp',
    ]);
  });

  it('reports problems inside a database mapping at their own path', () => {
    expect(
      problemsOf(() => parseConfig({ ...minimal, database: { url: 'postgres://h/db', poolSize: 0 } }, {})),
    ).toEqual(['database.poolSize: expected a whole number from 1 to 1000']);
    expect(problemsOf(() => parseConfig({ ...minimal, database: { url: 'redis://h' } }, {}))).toEqual([
      'database.url: expected "sqlite:<file>" or "postgres://..."',
    ]);
    expect(problemsOf(() => parseConfig({ ...minimal, database: 5 }, {}))).toEqual([
      'database: expected "sqlite:<file>", "postgres://..." or { url, poolSize }',
    ]);
  });

  it('a YAML null section says so', () => {
    expect(problemsOf(() => loadConfig({ file: writeYaml('gateways:\n'), env: {} }))).toEqual([
      'gateways: expected a mapping, got nothing',
    ]);
  });
});

describe('database', () => {
  it('normalises a string to { url, poolSize }', () => {
    expect(parseConfig({ ...minimal, database: 'postgresql://u@h/db' }, {}).database).toEqual({
      url: 'postgresql://u@h/db',
      poolSize: 10,
    });
    expect(parseConfig({ ...minimal, database: 'sqlite::memory:' }, {}).database.url).toBe('sqlite::memory:');
  });

  it('DATABASE_URL overrides a string database', () => {
    const config = parseConfig({ ...minimal, database: 'sqlite:./other.db' }, { DATABASE_URL: 'postgres://u@h/db' });
    expect(config.database).toEqual({ url: 'postgres://u@h/db', poolSize: 10 });
  });

  it('DATABASE_URL overrides the url of a database mapping and keeps its poolSize', () => {
    const config = parseConfig(
      { ...minimal, database: { url: 'sqlite:./other.db', poolSize: 3 } },
      { DATABASE_URL: 'postgres://u@h/db' },
    );
    expect(config.database).toEqual({ url: 'postgres://u@h/db', poolSize: 3 });
  });

  it('DATABASE_URL overrides the default, and an empty one is ignored', () => {
    expect(loadConfig({ env: { DATABASE_URL: 'sqlite::memory:' } }).database.url).toBe('sqlite::memory:');
    expect(loadConfig({ env: { DATABASE_URL: '' } }).database.url).toBe('sqlite:./data/callbridge.db');
  });

  it('a bad DATABASE_URL says where it came from', () => {
    expect(problemsOf(() => loadConfig({ env: { DATABASE_URL: 'mysql://h/db' } }))).toEqual([
      'database: expected "sqlite:<file>" or "postgres://..." (from DATABASE_URL)',
    ]);
  });
});

describe('redactConfig', () => {
  const config = parseConfig(
    {
      database: 'postgres://app:hunter2@db:5432/calls?sslmode=require&password=hunter3',
      api: { token: '0123456789abcdef0123' },
      gateways: {
        local: { type: 'waha', url: 'http://h', apiKey: 'waha-key', hmacKey: 'waha-hmac' },
        bare: { type: 'waha', url: 'http://h2' },
        cloud: { type: 'wawp', instanceId: 'inst', accessToken: 'wawp-token', hmacKey: 'wawp-hmac' },
      },
      sessions: { default: { gateway: 'local' } },
    },
    {},
  );

  it('replaces every secret with ***', () => {
    const redacted = redactConfig(config);
    expect(redacted.api.token).toBe('***');
    expect(redacted.database.url).toBe('postgres://app:***@db:5432/calls?sslmode=require&password=***');
    expect(redacted.gateways.local).toMatchObject({ apiKey: '***', hmacKey: '***', url: 'http://h' });
    expect(redacted.gateways.cloud).toMatchObject({ accessToken: '***', hmacKey: '***', instanceId: 'inst' });
    const printed = JSON.stringify(redacted);
    for (const secret of [
      'hunter2',
      'hunter3',
      '0123456789abcdef0123',
      'waha-key',
      'waha-hmac',
      'wawp-token',
      'wawp-hmac',
    ]) {
      expect(printed).not.toContain(secret);
    }
  });

  it('leaves unset secrets unset, so the output shows what is configured', () => {
    const redacted = redactConfig(config);
    expect(redacted.gateways.bare).toMatchObject({ type: 'waha' });
    expect(redacted.gateways.bare).not.toHaveProperty('hmacKey', expect.anything());
    expect(redactConfig(parseConfig({}, {})).api.token).toBeUndefined();
  });

  it('leaves URLs without a password untouched', () => {
    expect(redactConfig(parseConfig({ ...minimal, database: 'postgres://app@db/calls' }, {})).database.url).toBe(
      'postgres://app@db/calls',
    );
    expect(redactConfig(parseConfig({}, {})).database.url).toBe('sqlite:./data/callbridge.db');
  });

  it('does not modify its input', () => {
    const before = structuredClone(config);
    redactConfig(config);
    expect(config).toEqual(before);
  });
});

describe('agents-in-the-loop settings', () => {
  const base = { gateways: { g: { type: 'waha', url: 'http://127.0.0.1:3001' } } };
  it('normalises VIP numbers', () => {
    const c = parseConfig(
      {
        ...base,
        sessions: { s: { gateway: 'g', vip: { numbers: ['+1 555-000 1111', 15550002222, '15550003333@c.us'] } } },
      },
      {},
    );
    expect(c.sessions.s!.vip.numbers).toEqual(['15550001111@c.us', '15550002222@c.us', '15550003333@c.us']);
  });
  it('rejects a VIP entry that is no number', () => {
    expect(() => parseConfig({ ...base, sessions: { s: { gateway: 'g', vip: { numbers: ['boss'] } } } }, {})).toThrow(
      'sessions.s.vip.numbers.0: expected a phone number like "+1 555 000 1111" or a chat id',
    );
  });
  it('checks alert kinds and the webhook secret', () => {
    expect(() =>
      parseConfig({ ...base, sessions: { s: { gateway: 'g', alerts: { slack: ['vip', 'sad'] } } } }, {}),
    ).toThrow(/^sessions\.s\.alerts\.slack\.1: expected one of/);
    expect(() =>
      parseConfig({ ...base, alerts: { webhook: { url: 'http://127.0.0.1:9', secret: 'plain' } } }, {}),
    ).toThrow('alerts.webhook.secret: expected a Standard Webhooks secret like "whsec_<base64 of 16+ bytes>"');
  });
  it('keeps stressed at or above elevated', () => {
    expect(() =>
      parseConfig({ ...base, sessions: { s: { gateway: 'g', frustration: { elevated: 5, stressed: 3 } } } }, {}),
    ).toThrow('sessions.s.frustration.stressed: must not be less than elevated');
  });
  it('redacts alert credentials', () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const c = parseConfig(
      {
        ...base,
        sessions: { s: { gateway: 'g' } },
        alerts: {
          slack: { webhookUrl: 'https://hooks.slack.example/T/B/x' },
          webhook: { url: 'http://127.0.0.1:9', secret },
        },
      },
      {},
    );
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain('hooks.slack.example');
  });
});

describe('Evolution API gateways', () => {
  it('parse, and refuse rejectCalls, which Evolution cannot do', () => {
    const gateways = { evo: { type: 'evolution', url: 'http://127.0.0.1:8080', apiKey: 'k', jwtKey: '${EVO_JWT:-}' } };
    const c = parseConfig({ gateways, sessions: { 'support-line': { gateway: 'evo' } } }, {});
    expect(c.gateways.evo).toEqual({
      type: 'evolution',
      url: 'http://127.0.0.1:8080',
      apiKey: 'k',
      connections: 16,
      timeout: 10_000,
    });
    expect(() => parseConfig({ gateways, sessions: { s: { gateway: 'evo', rejectCalls: true } } }, {})).toThrow(
      'sessions.s.rejectCalls: Evolution API cannot reject calls; use the instance setting rejectCall instead',
    );
    expect(JSON.stringify(redactConfig(c))).not.toContain('"k"');
  });
});
