// The callers view: who keeps calling, and who is owed a reply by a person (escalation pending).
import { api, withQuery } from './api.js';
import { showCallerCalls } from './calls.js';
import { facts, showDetail } from './detail.js';
import { $, badge, chatLink, h, onFilterChange, phone, time } from './dom.js';
import { nameOf } from './names.js';

let noteSession = () => {};

export function initCallers({ onSession }) {
  noteSession = onSession;
  const form = $('#caller-filters');
  onFilterChange(form, loadCallers);
  form.elements.who.addEventListener('input', showCallers);
  // Escalations run out and calls leave the frustration window with no call changing.
  setInterval(callersChanged, 15_000);
  $('#callers-body').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-caller]');
    if (row) openCaller(row.dataset.session, row.dataset.caller);
  });
}

/** Bumped by every load: an answer older than the one shown is dropped. */
let generation = 0;
/** The callers loaded; the name or number typed filters them here (the callers API searches neither). */
let loaded = [];
const nameOfCaller = (c) => c.name ?? nameOf(c.session, c.caller);

export async function loadCallers() {
  const asked = ++generation;
  const f = new FormData($('#caller-filters'));
  const { callers } = await api(withQuery('api/callers', { session: f.get('session').trim(), level: f.get('level') }));
  if (asked !== generation) return;
  for (const c of callers) noteSession(c.session);
  loaded = callers;
  showCallers();
}

function showCallers() {
  const who = $('#caller-filters').elements.who.value.trim().toLocaleLowerCase();
  const digits = who.replace(/\D/g, '');
  const shown = loaded.filter(
    (c) =>
      !who ||
      (nameOfCaller(c) ?? '').toLocaleLowerCase().includes(who) ||
      (digits.length > 0 && /^[\d\s+()-]+$/.test(who) && (c.caller ?? '').split('@')[0].includes(digits)),
  );
  $('#callers-body').replaceChildren(...shown.map(callerRow));
  $('#callers-empty').hidden = shown.length > 0;
  const owed = shown.filter((c) => c.escalation.pending).length;
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
  const name = nameOfCaller(c);
  return h(
    'tr',
    { 'data-session': c.session, 'data-caller': c.caller, class: c.escalation.pending ? 'escalated' : null },
    h(
      'td',
      { 'data-label': 'Caller', class: 'who' },
      name ? h('span', { class: 'name' }, name) : null,
      h(
        'button',
        { type: 'button', class: 'link', 'aria-label': `Details of caller ${name ?? phone(c.caller)}` },
        phone(c.caller),
      ),
    ),
    h('td', { 'data-label': 'Session' }, c.session),
    h('td', { 'data-label': 'Level' }, badge(c.level)),
    h('td', { 'data-label': 'Calls in window', class: 'num' }, String(c.callsInWindow)),
    h('td', { 'data-label': 'Last call' }, time(c.lastCallAt)),
    h('td', { 'data-label': 'Escalation' }, escalation(c.escalation)),
    h('td', { 'data-label': 'VIP' }, c.vip ? badge('VIP', 'vip') : ''),
  );
}

async function openCaller(session, caller) {
  const c = await api(`api/callers/${encodeURIComponent(session)}/${encodeURIComponent(caller)}`);
  const name = nameOfCaller(c);
  showDetail(
    `Caller ${name ? `${name}, ` : ''}${phone(c.caller)}`,
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
      { class: 'actions' },
      chatLink(c.caller),
      h(
        'button',
        { type: 'button', onclick: () => showCallerCalls(c.session, c.caller) },
        `All calls from ${phone(c.caller)}`,
      ),
    ),
  );
}
