import type { AlertData, AlertType } from '../domain/types.js';

const headline: Record<AlertType, (d: AlertData) => string> = {
  'call.received': (d) => `${d.isVideo ? 'Video' : 'Voice'} call from ${who(d)}`,
  'call.redirected': (d) => `${who(d)} was answered in chat`,
  'call.answered': (d) => `Call from ${who(d)} was answered`,
  'call.rejected': (d) => `Call from ${who(d)} was rejected`,
  'call.missed': (d) => `:telephone_receiver: Missed ${d.isVideo ? 'video' : 'voice'} call from ${who(d)}`,
  'call.vip': (d) => `:star: VIP ${who(d)} is calling the WhatsApp line`,
  'caller.stressed': (d) => `:warning: ${who(d)} keeps calling (${d.callsInWindow ?? '?'} calls)`,
  'chat.escalated': (d) => `:rotating_light: Priority 1: ${who(d)} wrote after calling repeatedly`,
  'call.group': (d) => `:busts_in_silhouette: Group ${d.isVideo ? 'video' : 'voice'} call from ${who(d)}`,
};

function who(d: AlertData): string {
  const number = d.number ? `+${d.number}` : (d.caller ?? 'an unknown caller');
  return d.name ? `${d.name} (${number})` : number;
}

/** Slack's mrkdwn treats these three as control characters; everything else is shown as sent. */
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Block Kit message: a headline, who/where/what, why it fired, and a link to the caller in the dashboard when known. */
export function slackMessage(type: AlertType, d: AlertData, publicUrl: string | undefined) {
  const title = escape(headline[type](d));
  const fields = [
    `*Caller*\n${escape(who(d))}`,
    `*Session*\n${escape(d.session)}`,
    ...(d.isVideo === null ? [] : [`*Call*\n${d.isVideo ? 'video' : 'voice'}`]),
    ...(d.level ? [`*Frustration*\n${d.level}${d.callsInWindow ? ` (${d.callsInWindow} calls)` : ''}`] : []),
  ].map((text) => ({ type: 'mrkdwn', text }));
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } },
    { type: 'section', fields },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Why: ${escape(d.reason)}` }] },
  ];
  if (d.message)
    blocks.splice(2, 0, {
      type: 'section',
      text: { type: 'mrkdwn', text: `> ${escape(d.message.text).replace(/\n/g, '\n> ')}` },
    });
  if (publicUrl && d.caller) {
    // The dashboard's deep link to this caller's calls; a publicUrl with a path (behind a proxy) keeps it.
    const link = new URL(publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
    link.searchParams.set('session', d.session);
    link.searchParams.set('caller', d.caller);
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in callbridge' }, url: link.toString() }],
    });
  }
  return { text: title, blocks };
}
