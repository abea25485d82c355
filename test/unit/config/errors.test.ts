import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../src/config/index.js';
import { minimal, problemsOf, writeYaml } from './helpers.js';

describe('ConfigError', () => {
  it('ConfigError is an Error with a name', () => {
    const err = new ConfigError(['a: b', 'c: d']);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe('a: b\nc: d');
  });
});

describe('messages', () => {
  it('an unknown key is rejected with its path and the allowed keys', () => {
    const file = writeYaml(`
sessions:
  default:
    gateway: waha
    redirect: { enabled: true, debounse: 2m }
`);
    expect(problemsOf(() => loadConfig({ file, env: {} }))).toEqual([
      'sessions.default.redirect.debounse: unknown key; allowed: enabled, debounce, expireAfter, voice, video, repeat, repeatStressed, repeatWithin, group, closed',
    ]);
    expect(problemsOf(() => parseConfig({ ...minimal, colour: 'blue' }, {}))).toEqual([
      'colour: unknown key; allowed: http, insecure, database, api, metrics, webhooks, log, gateways, sessions, dispatch, alerts, crm, retention',
    ]);
  });

  it('unknown keys are rejected per gateway type', () => {
    const problems = problemsOf(() =>
      parseConfig({ ...minimal, gateways: { local: { type: 'waha', url: 'http://h', accessToken: 'x' } } }, {}),
    );
    expect(problems).toEqual([
      'gateways.local.accessToken: unknown key; allowed: type, url, apiKey, hmacKey, webhookToken, connections, timeout',
    ]);
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
