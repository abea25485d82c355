import { describe, expect, it } from 'vitest';
import { readChat } from '../../../src/gateways/caller.js';
import { parseEvolutionWebhook } from '../../../src/gateways/evolution/webhook.js';
import { parseWahaWebhook } from '../../../src/gateways/waha/webhook.js';
import { callReceived, evolutionCall, evolutionMessage, messageReceived } from '../../../src/sim/webhooks.js';

describe('readChat', () => {
  it.each([
    ['15550001111@c.us', { chatId: '15550001111@c.us', isGroup: false }],
    ['15550001111:3@s.whatsapp.net', { chatId: '15550001111@c.us', isGroup: false }],
    ['155123456789012@lid', { chatId: '155123456789012@lid', isGroup: false }],
    ['120363025246125486@g.us', { chatId: '120363025246125486@g.us', isGroup: true }],
    ['15550001111-1623456789@g.us', { chatId: '15550001111-1623456789@g.us', isGroup: true }],
  ])('%s is a chat', (raw, chat) => expect(readChat(raw, 'payload.from')).toEqual(chat));

  it.each([
    ['<img src=x onerror=alert(3)>@c.us', 'payload.from: "<img src=x onerror=alert(3)>@c.us" is not a WhatsApp number'],
    ['abc@c.us', 'payload.from: "abc@c.us" is not a WhatsApp number'],
    ['2222@c.us', 'payload.from: "2222@c.us" is not a WhatsApp number (7 to 15 digits)'],
    ['x@lid', 'payload.from: "x@lid" is not a WhatsApp chat id (digits@lid)'],
    ['<i>@g.us', 'payload.from: "<i>@g.us" is not a WhatsApp number'],
  ])('%s is none, and says why', (raw, problem) => {
    const chat = readChat(raw, 'payload.from');
    expect('problem' in chat && chat.problem).toContain(problem);
  });
});

describe('the gateway parsers', () => {
  it('turn no junk caller into a number: WAHA calls and messages', () => {
    const call = parseWahaWebhook(callReceived({ from: '<img src=x onerror=alert(3)>@c.us', callId: 'C1' }));
    expect(call).toMatchObject({ type: 'call.received', event: null });
    expect(call.invalidCaller).toMatch(/^payload\.from: "<img src=x onerror=alert\(3\)>@c\.us" is not/);
    const text = parseWahaWebhook(messageReceived({ from: 'abc@c.us', body: 'hi' }));
    expect(text).toMatchObject({ event: null, invalidCaller: expect.stringMatching(/^payload\.from: "abc@c\.us"/) });
  });

  it('turn no junk caller into a number: Evolution calls and messages', () => {
    const call = parseEvolutionWebhook(evolutionCall({ callId: 'C1', from: 'abc@s.whatsapp.net', status: 'offer' }));
    expect(call).toMatchObject({ eventId: 'call:C1:offer', event: null, invalidCaller: expect.any(String) });
    expect(call.invalidCaller).toMatch(/^data\.from: /);
    // Junk beside a LID is passed over for the LID.
    const lid = parseEvolutionWebhook(
      evolutionCall({ callId: 'C2', from: '1551@lid', callerPn: '<b>@s.whatsapp.net', status: 'offer' }),
    );
    expect(lid.event).toMatchObject({ caller: '1551@lid' });
    const text = parseEvolutionWebhook(evolutionMessage({ from: '42@s.whatsapp.net', text: 'hi' }));
    expect(text).toMatchObject({ event: null, invalidCaller: expect.stringMatching(/^data\.key\.remoteJid: /) });
  });

  it("leave the business's own messages and group chatter ignored, not invalid", () => {
    expect(parseWahaWebhook(messageReceived({ from: '120363@g.us', body: 'hi' }))).toMatchObject({ event: null });
    expect(parseWahaWebhook(messageReceived({ from: '120363@g.us', body: 'hi' })).invalidCaller).toBeUndefined();
    expect(parseWahaWebhook(messageReceived({ from: 'abc', body: 'hi', fromMe: true })).invalidCaller).toBeUndefined();
    const group = parseEvolutionWebhook(evolutionMessage({ from: '120363@g.us', text: 'hi' }));
    expect(group).toMatchObject({ event: null });
    expect(group.invalidCaller).toBeUndefined();
  });
});
