import { describe, expect, it } from 'vitest';
import { isLoopback, parseConfig } from '../../../src/config/index.js';
import { minimal, problemsOf } from './helpers.js';

describe('sessions', () => {
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
});

describe('Evolution API gateways', () => {
  it('refuse rejectCalls, which Evolution cannot do', () => {
    const gateways = { evo: { type: 'evolution', url: 'http://127.0.0.1:8080', apiKey: 'k' } };
    expect(() => parseConfig({ gateways, sessions: { s: { gateway: 'evo', rejectCalls: true } } }, {})).toThrow(
      'sessions.s.rejectCalls: Evolution API cannot reject calls; use the instance setting rejectCall instead',
    );
  });
});

describe('serving off loopback', () => {
  const TOKEN = 'an-api-token-0123456789';
  const unsigned = {
    local: { type: 'waha', url: 'http://127.0.0.1:3001' },
    cloud: { type: 'wawp', instanceId: 'i', accessToken: 't' },
    evo: { type: 'evolution', url: 'http://127.0.0.1:8080', apiKey: 'k' },
  };
  const on = (host: string, more: object = {}) => ({
    http: { host },
    gateways: unsigned,
    sessions: { default: { gateway: 'local' } },
    ...more,
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LocalHost'])(
    '%s is loopback: nothing is refused',
    (host) => {
      expect(isLoopback(host)).toBe(true);
      expect(parseConfig(on(host), {}).http.host).toBe(host);
    },
  );

  it.each(['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'calls.example.com', 'localhost.example.com'])(
    '%s is not loopback',
    (host) => expect(isLoopback(host)).toBe(false),
  );

  it('refuses every gateway without an authenticator, and an API without a token, naming the key to set', () => {
    expect(problemsOf(() => parseConfig(on('0.0.0.0'), {}))).toEqual([
      'gateways.local: set hmacKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on 0.0.0.0)',
      'gateways.cloud: set hmacKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on 0.0.0.0)',
      'gateways.evo: set jwtKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on 0.0.0.0)',
      'api.token: set a token of at least 16 characters so only you can read calls and callers (or insecure: true to serve the API without one on 0.0.0.0)',
    ]);
  });

  it('takes a signing key or a webhook token per gateway, and an API token', () => {
    const token = 'a-webhook-token-0123';
    const gateways = {
      local: { ...unsigned.local, hmacKey: 'k' },
      cloud: { ...unsigned.cloud, webhookToken: token },
      evo: { ...unsigned.evo, jwtKey: 'j' },
      evo2: { ...unsigned.evo, webhookToken: token },
      wawp2: { ...unsigned.cloud, hmacKey: 'k' },
    };
    expect(parseConfig(on('0.0.0.0', { gateways, api: { token: TOKEN } }), {}).http.host).toBe('0.0.0.0');
    // An empty ${VAR:-} is no key.
    expect(
      problemsOf(() =>
        parseConfig(on('::', { gateways: { local: { ...unsigned.local, hmacKey: '' } }, api: { token: TOKEN } }), {}),
      ),
    ).toEqual([
      'gateways.local: set hmacKey or webhookToken so only your gateway can post webhooks (or insecure: true to accept unsigned webhooks on ::)',
    ]);
  });

  it('serves anyway with insecure: true', () => {
    expect(parseConfig(on('0.0.0.0', { insecure: true }), {}).insecure).toBe(true);
    expect(parseConfig(on('0.0.0.0', { insecure: '${INSECURE}' }), { INSECURE: 'true' }).insecure).toBe(true);
  });

  it('is asked only of a config that is otherwise valid', () => {
    expect(problemsOf(() => parseConfig(on('0.0.0.0', { http: { host: '0.0.0.0', port: -1 } }), {}))).toEqual([
      'http.port: expected a whole number from 0 to 65535',
    ]);
  });
});
