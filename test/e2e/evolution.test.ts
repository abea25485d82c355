import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseEvolutionWebhook } from '../../src/gateways/evolution/webhook.js';
import { evolutionCall, evolutionMessage, postWebhook } from '../../src/sim/webhooks.js';
import { testConfig, useHarness } from '../helpers/harness.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/evolution/${name}`, import.meta.url), 'utf8')) as object;
const JWT_KEY = 'evolution-jwt-key';
const jwt = (key = JWT_KEY, expiresIn = '10m') =>
  new SignJWT({ app: 'evolution', action: 'webhook' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(key));

describe('Evolution API webhooks (parsing)', () => {
  it('maps call statuses to the lifecycle', () => {
    expect(parseEvolutionWebhook(fixture('call.offer.json'))).toEqual({
      eventId: 'call:3EB0C767D26A1B2C3D4E:offer',
      type: 'call.offer',
      session: 'support-line',
      event: {
        type: 'call.ringing',
        callId: '3EB0C767D26A1B2C3D4E',
        caller: '5511999999999@c.us',
        isVideo: false,
        isGroup: false,
        fromMe: false,
      },
    });
    expect(parseEvolutionWebhook(fixture('call.timeout.json')).event).toEqual({
      type: 'call.timeout',
      callId: '3EB0C767D26A1B2C3D4E',
    });
    const status = (s: string) =>
      parseEvolutionWebhook(evolutionCall({ callId: 'c', from: '15550000001@s.whatsapp.net', status: s })).event
        ?.type ?? null;
    expect(['ringing', 'accept', 'reject', 'terminate', 'preaccept', 'transport'].map(status)).toEqual([
      'call.ringing',
      'call.answered',
      'call.rejected',
      'call.timeout',
      null,
      null,
    ]);
  });
  it('prefers the phone number beside a LID', () => {
    const e = parseEvolutionWebhook(
      evolutionCall({ callId: 'c', from: '1551@lid', callerPn: '5511977777777@s.whatsapp.net', status: 'offer' }),
    );
    expect(e.event).toMatchObject({ caller: '5511977777777@c.us' });
  });
  it('reads text messages and names a bad field', () => {
    expect(
      parseEvolutionWebhook(evolutionMessage({ from: '5511966666666@s.whatsapp.net', text: 'hi', id: 'M1' })).event,
    ).toEqual({
      type: 'message.received',
      messageId: 'M1',
      caller: '5511966666666@c.us',
      text: 'hi',
    });
    expect(() => parseEvolutionWebhook({ event: 'call', instance: 'x', data: { id: 5 } })).toThrow(/^data\.id: /);
  });

  it('reads an own message as typed by a person: what its API sends comes as send.message instead', () => {
    const own = evolutionMessage({ from: '5511966666666@s.whatsapp.net', text: 'on it', id: 'M2', fromMe: true });
    expect(parseEvolutionWebhook(own).event).toEqual({
      type: 'message.sent',
      messageId: 'M2',
      caller: '5511966666666@c.us',
      byPerson: true,
    });
    expect(parseEvolutionWebhook({ ...own, event: 'send.message' }).event).toBeNull();
  });
});

describe('an Evolution API gateway', () => {
  const h = useHarness((db, url) => {
    const c = testConfig(db, url);
    c.gateways = {
      evo: { type: 'evolution', url, apiKey: 'evo-key', jwtKey: JWT_KEY, connections: 4, timeout: 5000 },
    };
    c.sessions = { 'support-line': { ...c.sessions.default!, gateway: 'evo', name: 'support-line' } };
    return c;
  });

  const post = async (body: object, token?: string) =>
    postWebhook(`${h.bridge.url}/webhooks/evo`, body, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it('redirects on offer, once for the statuses that follow, and takes timeout as missed', async () => {
    h.gateway.setContact('5511999999999', { pushname: 'Joana' });
    expect((await post(fixture('call.offer.json'), await jwt())).status).toBe(200);
    expect(
      (
        await post(
          evolutionCall({ callId: '3EB0C767D26A1B2C3D4E', from: '5511999999999@s.whatsapp.net', status: 'ringing' }),
          await jwt(),
        )
      ).status,
    ).toBe(200);
    // A redelivery of the same status is a duplicate.
    expect((await post(fixture('call.offer.json'), await jwt())).json).toMatchObject({ status: 'duplicate' });
    await h.gateway.waitFor((g) => g.sent.length === 1);
    expect(h.gateway.sent[0]).toMatchObject({
      api: 'evolution',
      session: 'support-line',
      chatId: '5511999999999@c.us',
      text: 'Hi Joana! We saw you trying to call. We answer fastest here in chat: how can we help?',
    });
    await post(fixture('call.timeout.json'), await jwt());
    const { body } = await h.api<{ calls: Array<{ id: number; status: string }> }>('/api/calls');
    expect(body.calls[0]!.status).toBe('missed');
    await h.settled();
    expect(h.gateway.sent).toHaveLength(1);
  });

  it('refuses a missing, foreign or expired JWT', async () => {
    const call = evolutionCall({ callId: 'jwt', from: '5511955555555@s.whatsapp.net', status: 'offer' });
    expect(await post(call)).toMatchObject({
      status: 401,
      json: { message: 'Authorization: Bearer <JWT> header is missing' },
    });
    expect((await post(call, await jwt('someone-else'))).status).toBe(401);
    expect((await post(call, await jwt(JWT_KEY, '-1m'))).status).toBe(401);
    expect((await post(call, 'not.a.jwt')).status).toBe(401);
  });

  it('never stores or serves the API key Evolution puts in its bodies', async () => {
    await post(
      evolutionCall({ callId: 'secretive', from: '5511944444444@s.whatsapp.net', status: 'offer', apikey: 'evo-key' }),
      await jwt(),
    );
    const { body } = await h.api<{ calls: Array<{ id: number }> }>('/api/calls');
    const detail = await fetch(`${h.bridge.url}/api/calls/${body.calls[0]!.id}`, {
      headers: { authorization: 'Bearer test-token-0123456789' },
    });
    const text = await detail.text();
    expect(text).not.toContain('evo-key');
    expect(text).toContain('"apikey":"***"');
  });
});
