import type { AlertData } from '../../domain/types.js';
import type { Alert } from '../senders.js';

/** What an alert becomes in Chatwoot. */
export interface ChatwootNote {
  content: string;
  labels: string[];
  priority: 'urgent' | null;
}

export const CHATWOOT_LABELS = { missed: 'missed-call', vip: 'vip', p1: 'p1' } as const;

/** `09:41 UTC`, or `09:41` in the given time zone. The formatter is built once (and a bad zone fails at start). */
export function noteTimeFormat(timeZone?: string): (at: number) => string {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: timeZone ?? 'UTC',
  });
  return timeZone ? (at) => fmt.format(at) : (at) => `${fmt.format(at)} UTC`;
}

const utcTime = noteTimeFormat();

/** `Ana Lima (+15550001111)`, or the number (the chat id when it has none) alone. */
function named(d: AlertData): string {
  const number = d.number ? `+${d.number}` : (d.caller ?? 'an unknown caller');
  return d.name ? `${d.name} (${number})` : number;
}

/** As `named`, saying so when the caller is a VIP. */
const who = (d: AlertData) => (d.vip ? `${named(d)}, a VIP,` : named(d));

function callKind(d: AlertData): string {
  return d.isVideo === null ? 'call' : d.isVideo ? 'video call' : 'voice call';
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The note, labels and priority for an alert: plain words an agent reads in the conversation. */
export function chatwootNote(alert: Alert, time: (at: number) => string = utcTime): ChatwootNote {
  const d = alert.data;
  const t = time(alert.at);
  const kind = callKind(d);
  const labels = new Set<string>();
  let text: string;
  switch (alert.type) {
    case 'call.received':
      text = `${capital(kind)} from ${who(d)} at ${t}: ringing now.`;
      break;
    case 'call.vip':
      labels.add(CHATWOOT_LABELS.vip);
      text = `VIP calling now: ${named(d)} is calling the WhatsApp line (${kind} at ${t}). Reach out in chat now.`;
      break;
    case 'call.missed':
      labels.add(CHATWOOT_LABELS.missed);
      text = `Missed ${kind} at ${t} from ${who(d)}: ${d.reason}.`;
      break;
    case 'call.redirected':
      text = `The ${kind} from ${who(d)} was answered in chat at ${t}: callbridge asked the caller to write here.`;
      break;
    case 'call.answered':
      text = `The ${kind} from ${who(d)} was answered (${t}).`;
      break;
    case 'call.rejected':
      text = `The ${kind} from ${who(d)} was rejected (${t}).`;
      break;
    case 'call.group':
      text = `A group ${kind} at ${t} from ${who(d)}: nobody was answered in chat; write to the group.`;
      break;
    case 'caller.stressed': {
      const calls = d.callsInWindow ? `${d.callsInWindow} calls` : 'several calls';
      text = `${capital(who(d))} keeps calling: ${calls} in a short time, the latest at ${t}. Their next message will be raised as Priority 1.`;
      break;
    }
    case 'chat.escalated': {
      const rang = d.callsInWindow ? `rang ${d.callsInWindow} times` : 'kept calling';
      text = `Priority 1: ${who(d)} ${rang} and wrote at ${t}`;
      text += d.message ? `:\n\n> ${d.message.text.replace(/\n/g, '\n> ')}` : '.';
      break;
    }
  }
  if (d.vip) labels.add(CHATWOOT_LABELS.vip);
  const p1 = d.priority === 'P1';
  if (p1) labels.add(CHATWOOT_LABELS.p1);
  const content = `${text}\n\n— callbridge, session "${d.session}"`;
  return { content, labels: [...labels], priority: p1 ? 'urgent' : null };
}
