import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../src/config/index.js';
import { minimal, problemsOf, writeYaml } from './helpers.js';

describe('values', () => {
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
});

describe('database', () => {
  it('normalises a string to { url, poolSize }', () => {
    expect(parseConfig({ ...minimal, database: 'postgresql://u@h/db' }, {}).database).toEqual({
      url: 'postgresql://u@h/db',
      poolSize: 10,
    });
    expect(parseConfig({ ...minimal, database: 'sqlite::memory:' }, {}).database.url).toBe('sqlite::memory:');
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
  it('takes { number, name } for a VIP the config names', () => {
    const vip = (numbers: unknown[]) =>
      parseConfig({ ...base, sessions: { s: { gateway: 'g', vip: { numbers } } } }, {}).sessions.s!.vip;
    expect(vip([{ number: '+1 555 000 1111', name: ' Victoria ' }, '15550002222'])).toEqual({
      numbers: ['15550001111@c.us', '15550002222@c.us'],
      names: { '15550001111@c.us': 'Victoria' },
      bypassRedirect: true,
    });
    expect(() => vip([{ number: '15550001111', name: '' }])).toThrow(
      'sessions.s.vip.numbers[0]: expected a number, or { number, name } with a name that is not empty',
    );
    expect(() => vip([{ number: '15550001111', nmae: 'V' }])).toThrow(/vip\.numbers\[0\]: expected a number, or/);
  });
  it('rejects a VIP entry that is no number', () => {
    expect(() => parseConfig({ ...base, sessions: { s: { gateway: 'g', vip: { numbers: ['boss'] } } } }, {})).toThrow(
      'sessions.s.vip.numbers[0]: "boss" is not a WhatsApp number (7 to 15 digits)',
    );
  });
  it('rejects a VIP number that is too short or too long, or junk around digits, naming each by its position', () => {
    const numbers = ['15550001111', '123', 1234567890123456, '<img src=x onerror=alert(3)>@c.us', 'x@lid', true];
    expect(
      problemsOf(() => parseConfig({ ...base, sessions: { default: { gateway: 'g', vip: { numbers } } } }, {})),
    ).toEqual([
      'sessions.default.vip.numbers[1]: "123" is not a WhatsApp number (7 to 15 digits)',
      'sessions.default.vip.numbers[2]: "1234567890123456" is not a WhatsApp number (7 to 15 digits)',
      'sessions.default.vip.numbers[3]: "<img src=x onerror=alert(3)>@c.us" is not a WhatsApp number (7 to 15 digits)',
      'sessions.default.vip.numbers[4]: "x@lid" is not a WhatsApp chat id (digits@lid)',
      'sessions.default.vip.numbers[5]: expected a WhatsApp number or chat id',
    ]);
  });
  it('checks alert kinds and the webhook secret', () => {
    expect(() =>
      parseConfig({ ...base, sessions: { s: { gateway: 'g', alerts: { slack: ['vip', 'sad'] } } } }, {}),
    ).toThrow(/^sessions\.s\.alerts\.slack\[1\]: expected one of/);
    expect(() =>
      parseConfig({ ...base, alerts: { webhook: { url: 'http://127.0.0.1:9', secret: 'plain' } } }, {}),
    ).toThrow('alerts.webhook.secret: expected a Standard Webhooks secret like "whsec_<base64 of 16+ bytes>"');
  });
  it('keeps stressed at or above elevated', () => {
    expect(() =>
      parseConfig({ ...base, sessions: { s: { gateway: 'g', frustration: { elevated: 5, stressed: 3 } } } }, {}),
    ).toThrow('sessions.s.frustration.stressed: must not be less than elevated');
  });
});

describe('Evolution API gateways', () => {
  it('parse, with an empty jwtKey as none', () => {
    const gateways = { evo: { type: 'evolution', url: 'http://127.0.0.1:8080', apiKey: 'k', jwtKey: '${EVO_JWT:-}' } };
    const c = parseConfig({ gateways, sessions: { 'support-line': { gateway: 'evo' } } }, {});
    expect(c.gateways.evo).toEqual({
      type: 'evolution',
      url: 'http://127.0.0.1:8080',
      apiKey: 'k',
      connections: 16,
      timeout: 10_000,
    });
  });
});

describe('message templates', () => {
  const withRedirect = (redirect: object, welcome: object = {}) => ({
    ...minimal,
    sessions: { default: { gateway: 'local', redirect, welcome } },
  });

  it('may use {{name}}, {{session}} and {{number}}, with a default and spaces', () => {
    const voice = 'Hi {{ name | there }}, this is {{session}} for {{number}}.';
    expect(parseConfig(withRedirect({ voice }), {}).sessions.default?.redirect.voice['*']?.[0]?.text).toBe(voice);
  });

  it('refuses a placeholder nobody fills, naming the template and what it may use', () => {
    expect(problemsOf(() => parseConfig(withRedirect({ voice: 'Hi {{nmae}}!' }), {}))).toEqual([
      'sessions.default.redirect.voice: unknown placeholder {{nmae}}; this template may use {{name}}, {{session}}, {{number}}',
    ]);
    expect(
      problemsOf(() =>
        parseConfig(
          withRedirect({ repeat: 'Hi {{first name}} {{}} {{nmae|x}} {{nmae}}' }, { text: '{{opensAt}}' }),
          {},
        ),
      ),
    ).toEqual([
      'sessions.default.redirect.repeat: unknown placeholders {{first name}}, {{}}, {{nmae}}; this template may use {{name}}, {{session}}, {{number}}',
      'sessions.default.welcome.text: unknown placeholder {{opensAt}}; this template may use {{name}}, {{session}}, {{number}}',
    ]);
  });

  it('checks the built-in texts the same way', () => {
    const { redirect, welcome } = parseConfig(minimal, {}).sessions.default!;
    for (const t of [redirect.voice, redirect.video, redirect.repeat, redirect.repeatStressed, welcome.text])
      expect(t['*']?.[0]?.text).toContain('{{name}}');
  });
});

describe('webhook, API and HTTP limits', () => {
  const token = 'a-webhook-token-0123';

  it('parse into the typed config', () => {
    const c = parseConfig(
      {
        http: { host: '127.0.0.1', bodyLimit: '32kb', requestTimeout: '5s', maxConnections: '200' },
        insecure: 'true',
        metrics: { token: 'metrics-token-0123456' },
        webhooks: { tolerance: '90s' },
        gateways: {
          local: { type: 'waha', url: 'http://127.0.0.1:3001', webhookToken: token },
          cloud: { type: 'wawp', instanceId: 'i', accessToken: 't', webhookToken: token },
          evo: { type: 'evolution', url: 'http://127.0.0.1:8080', apiKey: 'k', webhookToken: '${NONE:-}' },
        },
        sessions: { default: { gateway: 'local' } },
      },
      {},
    );
    expect(c.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      bodyLimit: 32_768,
      requestTimeout: 5000,
      maxConnections: 200,
      warmUp: 500,
    });
    expect(c.insecure).toBe(true);
    expect(c.metrics.token).toBe('metrics-token-0123456');
    expect(c.webhooks.tolerance).toBe(90_000);
    expect(c.gateways.local?.webhookToken).toBe(token);
    expect(c.gateways.cloud?.webhookToken).toBe(token);
    expect(c.gateways.evo?.webhookToken).toBeUndefined();
  });

  it('refuse a short or URL-unsafe webhook token, and limits that would refuse everything', () => {
    const gateway = (webhookToken: string) => ({ type: 'waha', url: 'http://h', webhookToken });
    expect(
      problemsOf(() =>
        parseConfig(
          {
            ...minimal,
            http: { requestTimeout: 0, maxConnections: 0 },
            insecure: 'yes',
            metrics: { token: 'short' },
            webhooks: { tolerance: '0s' },
            gateways: { local: gateway('short'), other: gateway('a/token?with#specials') },
          },
          {},
        ),
      ),
    ).toEqual([
      'http.requestTimeout: must be at least 1ms',
      'http.maxConnections: expected a whole number from 1 to 1000000',
      'insecure: expected true or false',
      'metrics.token: must be at least 16 characters',
      'webhooks.tolerance: must be at least 1ms',
      'gateways.local.webhookToken: must be at least 16 characters',
      'gateways.other.webhookToken: must contain only letters, digits, "-", "_", "." and "~" (it goes in the webhook URL)',
    ]);
  });
});
