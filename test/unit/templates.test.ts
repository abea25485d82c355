import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/domain/templates.js';
import { normaliseChatId, phoneOf } from '../../src/domain/jid.js';
import { retryDelay } from '../../src/dispatch/backoff.js';

describe('templates', () => {
  it('fills placeholders', () => {
    expect(
      renderTemplate('Hi {{name}}, this is {{session}} ({{number}})', { name: 'John', session: 'shop', number: '123' }),
    ).toBe('Hi John, this is shop (123)');
  });
  it('drops a missing value with the space before it', () => {
    expect(renderTemplate('Hi {{name}}! We saw you.', { name: null })).toBe('Hi! We saw you.');
    expect(renderTemplate('Hi {{ name }}!', { name: '  ' })).toBe('Hi!');
  });
  it('uses a default when given', () => {
    expect(renderTemplate('Hi {{name|there}}!', {})).toBe('Hi there!');
    expect(renderTemplate('Hi {{name|there}}!', { name: 'Ana' })).toBe('Hi Ana!');
  });
  it('leaves text without placeholders alone', () => {
    expect(renderTemplate('Call us never.', { name: 'x' })).toBe('Call us never.');
  });
});

describe('chat ids', () => {
  it.each([
    ['+1 555-000 1111', '15550001111@c.us'],
    ['15550001111', '15550001111@c.us'],
    ['15550001111@c.us', '15550001111@c.us'],
    ['15550001111@s.whatsapp.net', '15550001111@c.us'],
    ['15550001111:12@s.whatsapp.net', '15550001111@c.us'],
    ['1551234@lid', '1551234@lid'],
    ['120363@g.us', '120363@g.us'],
  ])('%s → %s', (raw, want) => expect(normaliseChatId(raw)).toBe(want));
  it('knows no phone number for a LID, a group or junk', () => {
    expect(phoneOf('1551234@lid')).toBeNull();
    expect(phoneOf('120363@g.us')).toBeNull();
    expect(phoneOf('22222222222@c.us')).toBe('22222222222');
    expect(phoneOf('2222@c.us')).toBeNull();
    expect(phoneOf('<img src=x onerror=alert(3)>@c.us')).toBeNull();
  });
  it.each(['<img src=x onerror=alert(3)>@c.us', 'abc@c.us', 'x1@lid'])('never cleans %s into a number', (raw) =>
    expect(normaliseChatId(raw)).toBe(raw),
  );
});

describe('retry backoff', () => {
  const opts = { initial: 1000, max: 60_000 };
  it('doubles per attempt within jitter bounds', () => {
    expect(retryDelay(1, opts, null, () => 0)).toBe(500);
    expect(retryDelay(1, opts, null, () => 1)).toBe(1000);
    expect(retryDelay(3, opts, null, () => 1)).toBe(4000);
  });
  it('is capped', () => {
    expect(retryDelay(30, opts, null, () => 1)).toBe(60_000);
  });
  it('is a whole number of milliseconds (PostgreSQL stores it in a bigint)', () => {
    expect(retryDelay(2, { initial: 333, max: 60_000 }, null, () => 0.123456)).toBe(374);
    expect(retryDelay(1, opts, 1234.5, () => 0)).toBe(1235);
  });
  it('waits at least what Retry-After asks, up to the cap', () => {
    expect(retryDelay(1, opts, 5000, () => 1)).toBe(5000);
    expect(retryDelay(1, opts, 600_000, () => 1)).toBe(60_000);
  });
});
