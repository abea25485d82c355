// The callers view: who keeps calling, and who is owed a reply by a person (escalation pending).
import { api, withQuery } from './api.js';
import { showCallerCalls } from './calls.js';
import { facts, showDetail } from './detail.js';
import { $, badge, h, phone, time } from './dom.js';

let noteSession = () => {};

export function initCallers({ onSession }) {
  noteSession = onSession;
  const form = $('#caller-filters');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    loadCallers();
  });
  form.addEventListener('change', () => loadCallers());
  // Escalations run out and calls leave the frustration window with no call changing.
  setInterval(callersChanged, 15_000);
  $('#callers-body').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-caller]');
    if (row) openCaller(row.dataset.session, row.dataset.caller);
  });
}

/** Bumped by every load: an answer older than the one shown is dropped. */
let generation = 0;

export async function loadCallers() {
  const asked = ++generation;
  const f = new FormData($('#caller-filters'));
  const { callers } = await api(withQuery('api/callers', { session: f.get('session').trim(), level: f.get('level') }));
  if (asked !== generation) return;
  for (const c of callers) noteSession(c.session);
  $('#callers-body').replaceChildren(...callers.map(callerRow));
  $('#callers-empty').hidden = callers.length > 0;
  const owed = callers.filter((c) => c.escalation.pending).length;
  const banner = $('#escalations');
  banner.hidden = owed === 0;
  banner.textContent =
    owed === 1
      ? '1 caller is waiting for a reply from a person.'
      : `${owed} callers are waiting for a reply from a person.`;
}

const RELOAD_MS = 1000;
let lastLoad = 0;
let reload = null;

/**
 * A call changed (or time passed): the callers view, while shown, reloads, at most once a second.
 * Levels, counts and escalations are the server's to compute, so the view asks rather than guesses.
 */
export function callersChanged() {
  if ($('#app').hidden || $('#callers-view').hidden || reload) return;
  reload = setTimeout(
    () => {
      reload = null;
      lastLoad = Date.now();
      // A refused token is handled by the API module; anything else shows with the next load.
      loadCallers().catch(() => {});
    },
    Math.max(0, lastLoad + RELOAD_MS - Date.now()),
  );
}

const escalation = (e) =>
  e.pending
    ? h('span', {}, badge('reply owed', 'escalation'), ' until ', time(e.until))
    : e.lastStressedAt
      ? h('span', { class: 'muted' }, 'stressed at ', time(e.lastStressedAt))
      : '';

function callerRow(c) {
  return h(
    'tr',
    { 'data-session': c.session, 'data-caller': c.caller, class: c.escalation.pending ? 'escalated' : null },
    h(
      'td',
      {},
      h(
        'button',
        { type: 'button', class: 'link', 'aria-label': `Details of caller ${phone(c.caller)}` },
        phone(c.caller),
      ),
    ),
    h('td', {}, c.session),
    h('td', {}, badge(c.level)),
    h('td', { class: 'num' }, String(c.callsInWindow)),
    h('td', {}, time(c.lastCallAt)),
    h('td', {}, escalation(c.escalation)),
    h('td', {}, c.vip ? badge('VIP', 'vip') : ''),
  );
}

async function openCaller(session, caller) {
  const c = await api(`api/callers/${encodeURIComponent(session)}/${encodeURIComponent(caller)}`);
  showDetail(
    `Caller ${phone(c.caller)}`,
    facts([
      ['Session', c.session],
      ['Level', h('span', {}, badge(c.level), ` ${c.callsInWindow} calls in the window`)],
      ['VIP', c.vip ? h('span', {}, badge('VIP', 'vip'), c.vipName ? ` ${c.vipName}` : '') : 'no'],
      ['Escalation', c.escalation.pending ? escalation(c.escalation) : 'none pending'],
      ['Last call', time(c.lastCallAt)],
      ['Last redirect', time(c.lastRedirectAt)],
      ['Welcomed', time(c.welcomedAt)],
    ]),
    h('h3', {}, 'Wrote back after a redirect'),
    c.conversions.length
      ? h(
          'ul',
          {},
          c.conversions.map((v) => h('li', {}, time(v.at), ` after ${v.seconds} s`)),
        )
      : h('p', { class: 'muted' }, 'Not yet.'),
    h(
      'p',
      {},
      h(
        'button',
        { type: 'button', onclick: () => showCallerCalls(c.session, c.caller) },
        `All calls from ${phone(c.caller)}`,
      ),
    ),
  );
}
