import { describe, expect, it } from 'vitest';
import { checkChatId, normaliseChatId, parseChatId, phoneOf } from '../../../src/domain/jid.js';

describe('parseChatId', () => {
  it.each([
    // Phone numbers at E.164's bounds: 7 to 15 digits.
    ['1234567@c.us', '1234567@c.us'],
    ['123456789012345@c.us', '123456789012345@c.us'],
    ['15550001111@s.whatsapp.net', '15550001111@c.us'],
    // A device suffix names one of the person's devices; the chat is the person's.
    ['15550001111:12@s.whatsapp.net', '15550001111@c.us'],
    ['15550001111:3@c.us', '15550001111@c.us'],
    ['1551234@lid', '1551234@lid'],
    ['123@lid', '123@lid'],
    ['155123456789012:7@lid', '155123456789012@lid'],
    // As a person writes a number (the config's VIPs, the API).
    ['+1 555-000-1111', '15550001111@c.us'],
    ['+1 (555) 000.1111', '15550001111@c.us'],
    ['15550001111', '15550001111@c.us'],
    ['  15550001111@c.us ', '15550001111@c.us'],
    ['1234567', '1234567@c.us'],
  ])('%j → %s', (raw, chatId) => {
    expect(parseChatId(raw)).toBe(chatId);
  });

  it.each([
    '123456@c.us',
    '1234567890123456@c.us',
    '123456',
    '+1 234 567 890 123 456',
    '123',
    '',
    'abc@c.us',
    '1555abc0001111@c.us',
    '<img src=x onerror=alert(3)>@c.us',
    '<img src=x onerror=alert(3)>15550001111',
    'x@lid',
    '@lid',
    '123456789012345678901@lid',
    '15550001111@g.us',
    '15550001111@C.US',
    '15550001111@c.us.evil',
    '15550001111:@c.us',
    '1555 000 1111@c.us',
    '1555+0001111',
    '1555\n0001111',
    'boss',
  ])('refuses %j', (raw) => {
    expect(parseChatId(raw)).toBeNull();
  });

  it('refuses what is not a string', () => {
    for (const raw of [15550001111, null, undefined, {}, ['15550001111']]) expect(parseChatId(raw)).toBeNull();
  });
});

describe('checkChatId', () => {
  it('says why, quoting a short excerpt of the input', () => {
    expect(checkChatId('123')).toEqual({ ok: false, problem: '"123" is not a WhatsApp number (7 to 15 digits)' });
    expect(checkChatId('x@lid')).toEqual({ ok: false, problem: '"x@lid" is not a WhatsApp chat id (digits@lid)' });
    expect(checkChatId(42)).toEqual({ ok: false, problem: 'expected a WhatsApp number or chat id' });
    const long = checkChatId('9'.repeat(1000));
    expect(long.ok).toBe(false);
    expect(!long.ok && long.problem).toBe(`"${'9'.repeat(40)}…" is not a WhatsApp number (7 to 15 digits)`);
  });

  it('gives the chat id when there is one', () => {
    expect(checkChatId('+1 555-000-1111')).toEqual({ ok: true, chatId: '15550001111@c.us' });
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
