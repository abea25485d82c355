import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, type Config } from '../../../src/config/index.js';
import { ALERT_KINDS } from '../../../src/domain/types.js';
import { DEFAULT_OPT_OUT, DEFAULT_RESUME, keywordForm } from '../../../src/domain/optOut.js';
import { oneText } from '../../helpers/texts.js';
import { dir, minimal, problemsOf, writeYaml } from './helpers.js';

describe('defaults', () => {
  it('with no file, gives a local WAHA gateway and a default session', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      http: {
        host: '127.0.0.1',
        port: 3000,
        bodyLimit: 65_536,
        requestTimeout: 10_000,
        maxConnections: 1000,
        warmUp: 500,
      },
      insecure: false,
      database: { url: 'sqlite:./data/callbridge.db', poolSize: 10 },
      api: { agents: {}, rateLimit: { max: 600, tickets: 30, window: 60_000 } },
      metrics: {},
      webhooks: { tolerance: 300_000 },
      log: { level: 'info', requests: false },
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
            voice: oneText('Hi {{name}}! We saw you trying to call. We answer fastest here in chat: how can we help?'),
            video: oneText(
              "Hi {{name}}! Video calls aren't answered here. Send us photos or a short video of the issue and we'll take it from there.",
            ),
            repeat: oneText(
              "Hi {{name}}, this number doesn't take calls, but we're right here in chat. Please write your question and we'll answer it here.",
            ),
            repeatStressed: oneText(
              "Hi {{name}}, we can see you've been trying to reach us. A member of our team has been told and will write to you here shortly.",
            ),
            repeatWithin: 86_400_000,
            group: oneText(
              "Hi! We saw a call from this group. We don't take calls here: write your question and we'll answer in chat.",
            ),
            closed: { voice: null, video: null },
          },
          contactLookup: { enabled: true, budget: 300, cacheTtl: 3_600_000 },
          vip: { numbers: [], names: {}, bypassRedirect: true },
          frustration: { window: 600_000, elevated: 3, stressed: 5, escalateFor: 1_800_000 },
          conversionWindow: 1_800_000,
          welcome: {
            enabled: false,
            text: oneText(
              'Hi {{name}}! Thanks for your message. This number answers in chat, not by phone: write to us here any time.',
            ),
            every: 2_592_000_000,
          },
          alerts: {
            slack: ['vip', 'missed', 'stressed', 'escalated', 'group'],
            webhook: [...ALERT_KINDS],
            chatwoot: ['vip', 'missed', 'stressed', 'escalated'],
          },
          hours: null,
          languages: { default: 'en', byCountry: {} },
          followUp: {
            enabled: false,
            after: 7_200_000,
            text: oneText('Hi {{name}}, still need a hand? Just reply here.'),
            whenClosed: 'wait',
          },
          optOut: {
            keywords: new Set(['STOP', 'UNSUBSCRIBE', ...DEFAULT_OPT_OUT].map(keywordForm)),
            resume: new Set(['START', ...DEFAULT_RESUME].map(keywordForm)),
            confirm: oneText('Done: no more automatic messages from us. Write START to undo.'),
            resumed: oneText('Welcome back! Automatic replies are on again.'),
          },
          groupCalls: { action: 'ignore' },
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
      requestTimeout: 10_000,
      maxConnections: 1000,
      warmUp: 500,
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
        voice: oneText('Hello {{name}}, chat with us here.'),
        video: oneText('No video calls, {{name}}.'),
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

  it('accepts the example from the design document, once its wawp gateway can authenticate webhooks', () => {
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
    const env = { CALLBRIDGE_TOKEN: '0123456789abcdef', WAHA_API_KEY: 'k', WAHA_HMAC_KEY: 'h' };
    // It listens on 0.0.0.0, where a gateway that cannot prove its webhooks are its own is refused.
    expect(problemsOf(() => loadConfig({ file: writeYaml(design), env }))).toEqual([
      'gateways.wawp: set hmacKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on 0.0.0.0)',
    ]);
    const signed = design.replace('accessToken: xyz }', 'accessToken: xyz, webhookToken: wawp-webhook-token-1 }');
    const config = loadConfig({ file: writeYaml(signed), env });
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
    expect(
      parseConfig({ ...minimal, insecure: true, http: { host: '${HOST:-localhost}' } }, { HOST: 'h' }).http.host,
    ).toBe('h');
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

  it('an unset variable in a list is named by its position', () => {
    const sessions = { default: { gateway: 'local', vip: { numbers: ['15550001111', '${VIP}'] } } };
    expect(problemsOf(() => parseConfig({ ...minimal, sessions }, {}))).toEqual([
      'sessions.default.vip.numbers[1]: environment variable VIP is not set',
    ]);
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
    expect(config.sessions.default?.redirect.voice['*']?.[0]?.text).toBe('Costs $5 {{name}} ${not a var}');
  });
});

describe('DATABASE_URL', () => {
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
