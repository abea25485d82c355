import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyHmacSha512 } from '../../../src/gateways/waha/signature.js';
import { parseWahaWebhook } from '../../../src/gateways/waha/webhook.js';
import { parseWawpWebhook } from '../../../src/gateways/wawp/webhook.js';
import { InvalidWebhook } from '../../../src/gateways/types.js';

const fixture = (p: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${p}`, import.meta.url), 'utf8')) as unknown;

describe('WAHA webhooks', () => {
  it('parses call.received into a ringing event', () => {
    expect(parseWahaWebhook(fixture('waha/call.received.json'))).toEqual({
      eventId: 'evt_01jq8z6ny1f3t9c1t0c6b2w6m4',
      type: 'call.received',
      session: 'default',
      event: {
        type: 'call.ringing',
        callId: 'ABCDEF0123456789ABCDEF0123456789',
        caller: '22222222222@c.us',
        isVideo: false,
        isGroup: false,
        fromMe: false,
      },
    });
  });
  it('keeps a LID caller as a LID', () => {
    expect(parseWahaWebhook(fixture('waha/call.received.lid.json')).event).toMatchObject({
      caller: '155123456789012@lid',
      isVideo: true,
    });
  });
  it('maps accepted and rejected', () => {
    expect(parseWahaWebhook(fixture('waha/call.accepted.json')).event).toMatchObject({ type: 'call.answered' });
    expect(parseWahaWebhook(fixture('waha/call.rejected.json')).event).toMatchObject({ type: 'call.rejected' });
  });
  it('passes over events it does not act on', () => {
    const status = {
      ...(fixture('waha/message.json') as object),
      event: 'session.status',
      payload: { status: 'WORKING' },
    };
    expect(parseWahaWebhook(status)).toMatchObject({ type: 'session.status', event: null });
  });
  it('reads an inbound message', () => {
    expect(parseWahaWebhook(fixture('waha/message.json')).event).toEqual({
      type: 'message.received',
      messageId: 'false_22222222222@c.us_AAAAAAAAAAAAAAAAAAAA',
      caller: '22222222222@c.us',
      text: 'Hi, my order arrived broken',
    });
  });
  describe("the business's own messages", () => {
    type Own = { event: string; engine: string; me?: unknown; payload: Record<string, unknown> };
    /** The fixture as an own message: `from` and `to` as the engine names them. */
    const own = (payload: Record<string, unknown>, engine = 'WEBJS') => {
      const body = fixture('waha/message.json') as Own;
      Object.assign(body, { event: 'message.any', engine });
      Object.assign(body.payload, { fromMe: true, ...payload });
      return body;
    };
    const business = '11111111111@c.us';
    const caller = '22222222222@c.us';
    it('name the caller whichever field the engine puts the chat in; typed on the phone is by a person', () => {
      const sent = { type: 'message.sent', messageId: 'false_22222222222@c.us_AAAAAAAAAAAAAAAAAAAA', caller };
      // WEBJS: from the business, to the caller.
      expect(parseWahaWebhook(own({ from: business, to: caller })).event).toEqual({ ...sent, byPerson: true });
      // NOWEB and GOWS: the chat in `from`.
      expect(parseWahaWebhook(own({ from: caller, to: null }, 'NOWEB')).event).toEqual({ ...sent, byPerson: true });
    });
    it('sent through the API (callbridge) are by no person; neither is one without a source', () => {
      expect(parseWahaWebhook(own({ from: business, to: caller, source: 'api' })).event).toMatchObject({
        byPerson: false,
      });
      expect(parseWahaWebhook(own({ from: business, to: caller, source: undefined })).event).toMatchObject({
        byPerson: false,
      });
    });
    it('are not acted on to a group, or without `me` to tell the business from the chat', () => {
      expect(parseWahaWebhook(own({ from: business, to: '120363025246125486@g.us' })).event).toBeNull();
      const anonymous = own({ from: business, to: caller });
      delete anonymous.me;
      expect(parseWahaWebhook(anonymous).event).toBeNull();
    });
  });
  it('marks a call from its own number as fromMe', () => {
    const body = fixture('waha/call.received.json') as { payload: { from: string } };
    body.payload.from = '11111111111@c.us';
    expect(parseWahaWebhook(body).event).toMatchObject({ fromMe: true });
  });
  it('names the bad field', () => {
    const body = fixture('waha/call.received.json') as { payload: { id: unknown } };
    body.payload.id = 7;
    expect(() => parseWahaWebhook(body)).toThrow(InvalidWebhook);
    expect(() => parseWahaWebhook(body)).toThrow(/^payload\.id: /);
    expect(() => parseWahaWebhook({})).toThrow(/^id: /);
  });
});

describe('Wawp webhooks', () => {
  it('parses the thin payloads', () => {
    expect(parseWawpWebhook(fixture('wawp/call.received.json')).event).toMatchObject({
      type: 'call.ringing',
      callId: 'call_12345',
      caller: '11111111111@c.us',
    });
    expect(parseWawpWebhook(fixture('wawp/call.accepted.json')).event).toEqual({
      type: 'call.answered',
      callId: 'call_12345',
      caller: null,
    });
    expect(parseWawpWebhook(fixture('wawp/call.rejected.json')).event).toEqual({
      type: 'call.rejected',
      callId: 'call_12345',
      caller: null,
    });
  });
});

describe('HMAC-SHA512 signatures', () => {
  const body = Buffer.from('{"event":"message","session":"default","engine":"WEBJS"}');
  const vector =
    '208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89';
  it('accepts the published test vector', () => {
    expect(verifyHmacSha512(body, vector, 'my-secret-key')).toBe(true);
  });
  it('refuses a wrong key, a tampered body, a missing or garbled header', () => {
    expect(verifyHmacSha512(body, vector, 'other-key')).toBe(false);
    expect(verifyHmacSha512(Buffer.from(body.toString().replace('default', 'other')), vector, 'my-secret-key')).toBe(
      false,
    );
    expect(verifyHmacSha512(body, undefined, 'my-secret-key')).toBe(false);
    expect(verifyHmacSha512(body, 'zz', 'my-secret-key')).toBe(false);
    expect(verifyHmacSha512(body, vector.slice(0, 64), 'my-secret-key')).toBe(false);
  });
});
