// One call's detail: what was sent, what the caller answered, and a timeline in plain words.
import { api } from './api.js';
import { facts, showDetail } from './detail.js';
import { badge, chatLink, displayName, h, phone, time } from './dom.js';

/** Stored event types (the gateway's, and callbridge's own) as an agent says them. */
const EVENT_WORDS = {
  'call.received': 'The call rang',
  'call.accepted': 'Someone picked up',
  'call.rejected': 'The call was hung up',
  'call.timeout': 'Nobody picked up: missed',
  message: 'The caller wrote',
  'message.any': 'A message was written in the chat',
};
const CHANNELS = { slack: 'Slack', webhook: 'The CRM', chatwoot: 'Chatwoot' };
const ALERTS = {
  'call.received': 'of the call',
  'call.redirected': 'that the caller was sent to chat',
  'call.answered': 'that the call was answered',
  'call.rejected': 'that the call was hung up',
  'call.missed': 'of a missed call',
  'call.vip': 'that a VIP is calling',
  'caller.stressed': 'that the caller keeps calling',
  'chat.escalated': 'that the caller is owed a reply',
};
const ACTIONS = {
  sendRedirect: { what: 'Chat message', done: (to) => `Chat message sent to ${to}` },
  sendWelcome: { what: 'Welcome message', done: (to) => `Welcome message sent to ${to}` },
  rejectCall: { what: 'Hanging up the call', done: () => 'The call was hung up for the caller' },
};

function actionWords(a) {
  if (a.kind === 'alert') {
    const who = CHANNELS[a.payload.channel] ?? a.payload.channel;
    const about = ALERTS[a.payload.type] ?? `(${a.payload.type})`;
    return { what: `${who} alert ${about}`, done: () => `${who} was told ${about}` };
  }
  return ACTIONS[a.kind] ?? { what: a.kind, done: () => `${a.kind} done` };
}

function attemptLine(words, t, i, to) {
  const detail = [t.statusCode ? `HTTP ${t.statusCode}` : '', t.error ?? ''].filter(Boolean).join(', ');
  if (t.outcome === 'ok') return { what: words.done(to), note: i > 0 ? `on try ${i + 1}` : '' };
  if (t.outcome === 'retry') return { what: `${words.what} failed, trying again`, note: detail };
  if (t.outcome === 'expired') return { what: `${words.what} given up: too late to send`, note: detail };
  return { what: `${words.what} could not be sent`, note: detail };
}

// What happened in the same millisecond reads in cause order: the event, the plan, the attempt.
const ORDER = (e) => (e.kind === 'event' ? 0 : e.kind === 'decided' ? 1 : 2);

/** Events and every attempt of every action, in the order they happened. */
function timeline({ events, actions }, to) {
  const entries = [
    ...events
      // A repeat of a webhook changed nothing; callbridge's own note of a send is told by the send's line.
      .filter((e) => e.outcome !== 'duplicate' && e.type !== 'redirect.sent')
      .map((e) => ({ at: e.receivedAt, what: EVENT_WORDS[e.type] ?? e.type, note: '', kind: 'event' })),
    ...actions.flatMap((a) => {
      const words = actionWords(a);
      return [
        {
          at: a.createdAt,
          what: `${words.what} planned`,
          note: a.expiresAt ? `(not after ${new Date(a.expiresAt).toLocaleTimeString()})` : '',
          kind: 'decided',
        },
        ...a.history.map((t, i) => ({ at: t.at, ...attemptLine(words, t, i, to), kind: t.outcome })),
      ];
    }),
  ].sort((a, b) => a.at.localeCompare(b.at) || ORDER(a) - ORDER(b));
  return h(
    'ol',
    { class: 'timeline' },
    entries.map((e) =>
      h(
        'li',
        { class: `tl-${e.kind}` },
        h('strong', {}, e.what),
        ' at ',
        time(e.at),
        e.note ? h('span', { class: 'muted' }, ` ${e.note}`) : null,
      ),
    ),
  );
}

/** The message the caller got: the exact text when the server keeps it, else what the redirect's status says. */
function sentText(r) {
  const which = r.template ? `the ${r.template} text${r.variant ? `, variant ${r.variant.index + 1}` : ''}` : '';
  if (r.text)
    return h(
      'span',
      {},
      h('blockquote', { class: 'said' }, r.text),
      which ? h('span', { class: 'muted' }, which) : null,
    );
  return h(
    'span',
    { class: 'muted' },
    r.status === 'sent' ? 'sent (the server does not show the text)' : 'nothing sent',
  );
}

export function redirectText(r) {
  const tries = r.attempts > 1 ? ` (${r.attempts} attempts)` : '';
  return h(
    'span',
    { class: `redirect redirect-${r.status.split(':')[0]}`, title: r.lastError ?? '' },
    r.status.replace(':', ': '),
    tries,
  );
}

export async function openCall(id, { showCallerCalls }) {
  const detail = await api(`api/calls/${id}`);
  const c = detail.call;
  const r = c.redirect;
  const who = displayName(c);
  // The caller's reply comes with the conversion (what they wrote back within its window).
  const reply = c.conversion?.text ? { text: c.conversion.text, at: c.conversion.at } : null;
  showDetail(
    `${c.isVideo ? 'Video' : 'Voice'} call from ${who}`,
    facts([
      ['Status', badge(c.status)],
      [
        'Caller',
        h('span', {}, c.name ? `${c.name}, ` : '', phone(c.caller), c.isVip ? [' ', badge('VIP', 'vip')] : null),
      ],
      ['Session', c.session],
      ['Rang', time(c.receivedAt)],
      ['Ended', time(c.endedAt)],
      ...(c.closed ? [['Hours', 'outside business hours']] : []),
      [
        'Redirect',
        h(
          'span',
          {},
          redirectText(r),
          r.sentAt ? [' at ', time(r.sentAt)] : null,
          r.lastError ? h('span', { class: 'error-text' }, ` ${r.lastError}`) : null,
        ),
      ],
      ['Sent text', sentText(r)],
      [
        'Reply',
        reply
          ? h('span', {}, h('blockquote', { class: 'said' }, reply.text), ' at ', time(reply.at))
          : c.conversion
            ? `wrote back ${c.conversion.seconds} s after the message`
            : h('span', { class: 'muted' }, 'no reply yet'),
      ],
      ['Call id', h('code', {}, c.callId)],
    ]),
    h(
      'p',
      { class: 'actions' },
      chatLink(c.caller),
      c.caller
        ? h('button', { type: 'button', onclick: () => showCallerCalls(c.session, c.caller) }, `All calls from ${who}`)
        : null,
    ),
    h('h3', {}, 'What happened'),
    timeline(detail, who),
  );
}
