import { describe, expect, it } from 'vitest';
import { slackMessage } from '../../../src/alerts/slack.js';
import { callAlertData, callerAlertData } from '../../../src/domain/alerts.js';
import type { AlertData, AlertType } from '../../../src/domain/types.js';
import { aCall } from '../../helpers/calls.js';

const call = aCall({ caller: '15550001111@c.us', level: 'calm' });
const data = (over: Partial<AlertData> = {}) => callAlertData(call, 'because', over);
const text = (block: unknown) => (block as { text: { text: string } }).text.text;
const fields = (m: ReturnType<typeof slackMessage>) =>
  (m.blocks[1] as { fields: Array<{ type: string; text: string }> }).fields.map((f) => f.text);

describe('Slack alerts (Block Kit)', () => {
  it.each<[AlertType, Partial<AlertData>, string]>([
    ['call.received', {}, 'Voice call from +15550001111'],
    ['call.received', { isVideo: true }, 'Video call from +15550001111'],
    ['call.redirected', {}, '+15550001111 was answered in chat'],
    ['call.answered', {}, 'Call from +15550001111 was answered'],
    ['call.rejected', {}, 'Call from +15550001111 was rejected'],
    ['call.missed', {}, ':telephone_receiver: Missed voice call from +15550001111'],
    ['call.missed', { isVideo: true }, ':telephone_receiver: Missed video call from +15550001111'],
    ['call.vip', { name: 'Dana' }, ':star: VIP Dana (+15550001111) is calling the WhatsApp line'],
    ['caller.stressed', { callsInWindow: 5 }, ':warning: +15550001111 keeps calling (5 calls)'],
    ['caller.stressed', { callsInWindow: null }, ':warning: +15550001111 keeps calling (? calls)'],
    ['chat.escalated', {}, ':rotating_light: Priority 1: +15550001111 wrote after calling repeatedly'],
  ])('%s %j: the headline, as the notification text and in bold', (type, over, headline) => {
    const m = slackMessage(type, data(over), undefined);
    expect(m.text).toBe(headline);
    expect(m.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } });
  });

  it('lists who, where and what; says why it fired in the context line', () => {
    const m = slackMessage('caller.stressed', data({ level: 'stressed', callsInWindow: 5 }), undefined);
    expect(fields(m)).toEqual([
      '*Caller*\n+15550001111',
      '*Session*\ndefault',
      '*Call*\nvoice',
      '*Frustration*\nstressed (5 calls)',
    ]);
    expect(m.blocks[1]).toMatchObject({ type: 'section', fields: [{ type: 'mrkdwn' }, {}, {}, {}] });
    expect(m.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Why: because' }] });
  });

  it('leaves out what an alert about a caller does not know: the kind of call, the level', () => {
    const m = slackMessage('chat.escalated', callerAlertData('default', '15550001111@c.us', 'wrote'), undefined);
    expect(fields(m)).toEqual(['*Caller*\n+15550001111', '*Session*\ndefault']);
  });

  it('quotes the text of an escalated message, line by line, before the reason', () => {
    const m = slackMessage(
      'chat.escalated',
      callerAlertData('default', '15550001111@c.us', 'wrote', { message: { id: 'm1', text: 'my order\nis broken' } }),
      undefined,
    );
    expect(m.blocks).toHaveLength(4);
    expect(text(m.blocks[2])).toBe('> my order\n> is broken');
    expect(m.blocks[3]).toMatchObject({ type: 'context' });
  });

  it('names an unknown caller so, and a chat id that carries no number by the id', () => {
    expect(slackMessage('call.missed', data({ caller: null, number: null }), undefined).text).toBe(
      ':telephone_receiver: Missed voice call from an unknown caller',
    );
    expect(slackMessage('call.answered', data({ caller: '1551@lid', number: null }), undefined).text).toBe(
      'Call from 1551@lid was answered',
    );
  });

  it("escapes Slack's control characters in what callers and agents wrote", () => {
    const m = slackMessage(
      'chat.escalated',
      callerAlertData('default', '15550001111@c.us', 'a <b> & c', {
        name: '<@U123> & co',
        message: { id: 'm1', text: '<!channel> hi' },
      }),
      undefined,
    );
    expect(m.text).toBe(
      ':rotating_light: Priority 1: &lt;@U123&gt; &amp; co (+15550001111) wrote after calling repeatedly',
    );
    expect(text(m.blocks[2])).toBe('> &lt;!channel&gt; hi');
    expect(JSON.stringify(m.blocks.at(-1))).toContain('Why: a &lt;b&gt; &amp; c');
  });

  it('links to the caller in the dashboard when callbridge has a public URL, keeping its path', () => {
    const button = (publicUrl: string) => {
      const m = slackMessage('call.missed', data(), publicUrl);
      return m.blocks.at(-1);
    };
    expect(button('https://cb.example/base')).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open in callbridge' },
          url: 'https://cb.example/base/?session=default&caller=15550001111%40c.us',
        },
      ],
    });
    expect(button('https://cb.example/')).toMatchObject({
      elements: [{ url: 'https://cb.example/?session=default&caller=15550001111%40c.us' }],
    });
    expect(slackMessage('call.missed', data({ caller: null }), 'https://cb.example').blocks.at(-1)).toMatchObject({
      type: 'context',
    });
  });
});
