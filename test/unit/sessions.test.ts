import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { Sessions } from '../../src/sessions.js';

const sessionsOf = (sessions: object) =>
  new Sessions(
    parseConfig(
      {
        gateways: {
          local: { type: 'waha', url: 'http://127.0.0.1:3001' },
          eu: { type: 'waha', url: 'http://127.0.0.1:3002' },
        },
        sessions,
      },
      {},
    ),
  );

describe('sessions', () => {
  it('finds a named session by its gateway and name, and by its id', () => {
    const s = sessionsOf({ front: { gateway: 'local', name: 'default', ringTimeout: '30s' } });
    expect(s.forWebhook('local', 'default')).toMatchObject({ session: 'front', ringTimeout: 30_000 });
    expect(s.forWebhook('local', 'front')).toBeUndefined();
    expect(s.forWebhook('eu', 'default')).toBeUndefined();
    expect(s.get('front')?.session).toBe('front');
    expect(s.get('default')).toBeUndefined();
    expect(s.named).toEqual(['front']);
  });

  it('a "*" key stands for every other session of its gateway, its id the key with the name in place of "*"', () => {
    const s = sessionsOf({
      'shop-*': { gateway: 'local', ringTimeout: '45s' },
      front: { gateway: 'local', name: 'default' },
    });
    expect(s.forWebhook('local', 'acme')).toMatchObject({ session: 'shop-acme', ringTimeout: 45_000 });
    // A name the config gives its own entry stays with it.
    expect(s.forWebhook('local', 'default')?.session).toBe('front');
    expect(s.forWebhook('eu', 'acme')).toBeUndefined();
    expect(s.entry('shop-acme')).toMatchObject({ gateway: 'local', name: 'acme' });
  });

  it('knows a "*" session by its id before any webhook (a timer or a send after a restart)', () => {
    const s = sessionsOf({ 'shop-*': { gateway: 'local' }, front: { gateway: 'local', name: 'default' } });
    expect(s.entry('shop-bolt')).toMatchObject({ gateway: 'local', name: 'bolt', settings: { session: 'shop-bolt' } });
    expect(s.get('shop-default')).toBeUndefined();
    expect(s.get('shop-')).toBeUndefined();
    expect(s.get('other-bolt')).toBeUndefined();
    expect(s.named).toEqual(['front']);
  });

  it('remembers at most 10,000 "*" sessions; one forgotten is rebuilt the same when it comes back', () => {
    const s = sessionsOf({ 'shop-*': { gateway: 'local' }, front: { gateway: 'local', name: 'default' } });
    const first = s.forWebhook('local', 's0');
    for (let i = 1; i <= 10_000; i++) s.forWebhook('local', `s${i}`);
    const latest = s.forWebhook('local', 's10000');
    expect(s.forWebhook('local', 's10000')).toBe(latest);
    const again = s.forWebhook('local', 's0');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(s.forWebhook('local', 'default')?.session).toBe('front');
  });

  it('takes only names a gateway would give a session', () => {
    const s = sessionsOf({ '*': { gateway: 'local' } });
    expect(s.forWebhook('local', 'Acme_2.eu-1')?.session).toBe('Acme_2.eu-1');
    for (const bad of ['', 'a b', '../x', '-x', 'x'.repeat(65), 'a/b', 'ü'])
      expect(s.forWebhook('local', bad)).toBeUndefined();
  });
});
