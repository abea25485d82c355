import { describe, expect, it } from 'vitest';
import { parseConfig, redactConfig, redactUrl } from '../../../src/config/index.js';
import { minimal } from './helpers.js';

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

describe('alert and gateway credentials', () => {
  const base = { gateways: { g: { type: 'waha', url: 'http://127.0.0.1:3001' } } };
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
  it('webhook tokens and the metrics token', () => {
    const c = parseConfig(
      {
        ...base,
        metrics: { token: 'metrics-secret-0123456' },
        gateways: { g: { type: 'waha', url: 'http://127.0.0.1:3001', webhookToken: 'webhook-secret-0123456' } },
        sessions: { s: { gateway: 'g' } },
      },
      {},
    );
    const redacted = redactConfig(c);
    expect(redacted.metrics.token).toBe('***');
    expect(redacted.gateways.g?.webhookToken).toBe('***');
    expect(JSON.stringify(redacted)).not.toMatch(/metrics-secret|webhook-secret/);
  });
  it('an Evolution apiKey', () => {
    const gateways = { evo: { type: 'evolution', url: 'http://127.0.0.1:8080', apiKey: 'k', jwtKey: '${EVO_JWT:-}' } };
    const c = parseConfig({ gateways, sessions: { 'support-line': { gateway: 'evo' } } }, {});
    expect(JSON.stringify(redactConfig(c))).not.toContain('"k"');
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgres://app:hunter2@db/calls', 'postgres://app:***@db/calls'],
    ['postgres://app@db/calls?password=hunter2', 'postgres://app@db/calls?password=***'],
    [
      'postgres://app@db/calls?sslmode=require&sslpassword=hunter2',
      'postgres://app@db/calls?sslmode=require&sslpassword=***',
    ],
    ['postgresql://app:a@b@db/calls?PassWord=c&x=1', 'postgresql://app:***@db/calls?PassWord=***&x=1'],
    // Malformed (a port that is no number): masked all the same, never printed as given.
    ['postgres://app:hunter2@127.0.0.1:notaport/calls', 'postgres://app:***@127.0.0.1:notaport/calls'],
    ['postgres://app@127.0.0.1:x/calls?password=hunter2&a=b', 'postgres://app@127.0.0.1:x/calls?password=***&a=b'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('leaves a URL without a password as it was written', () => {
    for (const url of ['postgres://app@db/calls?sslmode=require', 'sqlite:./data/callbridge.db', 'sqlite::memory:'])
      expect(redactUrl(url)).toBe(url);
  });
});
