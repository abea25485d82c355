// The calls view: newest first, filtered, updated in place as calls ring and end.
import { api, withQuery } from './api.js';
import { closeDetail, facts, showDetail } from './detail.js';
import { $, badge, h, phone, time } from './dom.js';

const PAGE = 50;

const calls = new Map();
let filter = { session: '', status: '', caller: '' };
let nextCursor = null;
/** Bumped by every new filter: answers to requests made for an older one are dropped. */
let generation = 0;
/** Hands every session name seen to the page (for the session pickers). */
let noteSession = () => {};
/** Pages of calls on their way, and the live updates held back until they have arrived. */
let loading = 0;
const held = [];

export function initCalls({ onSession }) {
  noteSession = onSession;
  const form = $('#call-filters');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    applyFilter();
  });
  form.addEventListener('change', () => applyFilter());
  form.addEventListener('reset', () => setTimeout(applyFilter));
  $('#calls-more').addEventListener('click', loadMore);
  $('#calls-body').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-id]');
    if (row) openCall(Number(row.dataset.id));
  });
}

/** Sets the filter fields (from a deep link) without loading. */
export function setCallFilter(values) {
  const form = $('#call-filters');
  for (const [k, v] of Object.entries(values)) if (form.elements[k]) form.elements[k].value = v ?? '';
}

function readFilter() {
  const f = new FormData($('#call-filters'));
  return { session: f.get('session').trim(), status: f.get('status'), caller: f.get('caller').trim() };
}

async function applyFilter() {
  filter = readFilter();
  // The address bar mirrors the filter, so the view can be bookmarked or shared.
  history.replaceState(
    null,
    '',
    withQuery(location.pathname, { session: filter.session, caller: filter.caller, status: filter.status }),
  );
  await loadCalls();
}

const query = (extra) => withQuery('api/calls', { ...filter, limit: PAGE, ...extra });

/**
 * A page may have been read before a live update that arrives while it is on its way; applied
 * after it, the update can't be overwritten by the older state (a call that stopped ringing shown
 * ringing again, and under "ringing" kept there).
 */
async function holdingUpdates(load) {
  loading++;
  try {
    await load();
  } finally {
    if (--loading === 0) for (const call of held.splice(0)) upsertCall(call);
  }
}

export function loadCalls() {
  filter = readFilter();
  const asked = ++generation;
  return holdingUpdates(async () => {
    const page = await api(query());
    if (asked !== generation) return;
    calls.clear();
    $('#calls-body').replaceChildren();
    addPage(page);
  });
}

function loadMore() {
  const asked = generation;
  return holdingUpdates(async () => {
    const page = nextCursor ? await api(query({ cursor: nextCursor })) : null;
    if (page && asked === generation) addPage(page);
  });
}

function addPage(page) {
  for (const call of page.calls) put(call);
  nextCursor = page.nextCursor;
  $('#calls-more').hidden = !nextCursor;
  refreshSummary();
}

/** The first page again, merged in: how the list stays current when there is no live stream. */
export function pollCalls() {
  const asked = generation;
  return holdingUpdates(async () => {
    const page = await api(query());
    if (asked !== generation) return;
    // The page holds every matching call down to its last id: one shown in that range but missing
    // from it has stopped matching the filter (a ringing call that ended, under "ringing").
    const floor = page.nextCursor ? Number(page.nextCursor) : 0;
    const current = new Set(page.calls.map((c) => c.id));
    for (const id of calls.keys()) if (id >= floor && !current.has(id)) drop(id);
    for (const call of page.calls) put(call);
    refreshSummary();
  });
}

/** A call from the live stream: added, updated in place, or dropped when it no longer matches the filter. */
export function upsertCall(call) {
  if (loading) {
    held.push(call);
    return;
  }
  const isNew = !calls.has(call.id);
  // A call older than the pages loaded comes with "Load more", not as a stray row below them.
  if (isNew && nextCursor !== null && call.id < Number(nextCursor)) return;
  if (matches(call)) {
    put(call);
    if (isNew && call.status === 'ringing')
      announce(`${call.isVideo ? 'Video' : 'Voice'} call ringing from ${phone(call.caller)}`);
  } else if (!isNew) {
    drop(call.id);
  }
  refreshSummary();
}

function matches(call) {
  if (filter.session && call.session !== filter.session) return false;
  if (filter.status && call.status !== filter.status) return false;
  if (filter.caller) {
    // The API accepts any spelling of a number; compare digits, or whole chat ids when one is given.
    const chatId = filter.caller.includes('@');
    const want = chatId ? filter.caller.toLowerCase() : filter.caller.replace(/\D/g, '');
    const have = chatId ? (call.caller ?? '').toLowerCase() : (call.caller ?? '').split('@')[0];
    if (want !== have) return false;
  }
  return true;
}

const rowOf = (id) => $(`#calls-body tr[data-id="${id}"]`);

function drop(id) {
  calls.delete(id);
  rowOf(id)?.remove();
}

function put(call) {
  noteSession(call.session);
  calls.set(call.id, call);
  const row = callRow(call);
  const old = rowOf(call.id);
  if (old) return old.replaceWith(row);
  // Ids grow with time: a row goes before the first older one.
  const older = [...$('#calls-body').children].find((tr) => Number(tr.dataset.id) < call.id);
  $('#calls-body').insertBefore(row, older ?? null);
}

function callRow(c) {
  const who = phone(c.caller);
  return h(
    'tr',
    {
      'data-id': c.id,
      'data-call-id': c.callId,
      'data-status': c.status,
      class: c.status === 'ringing' ? 'ringing' : null,
    },
    h('td', {}, time(c.receivedAt)),
    h('td', {}, h('button', { type: 'button', class: 'link', 'aria-label': `Details of the call from ${who}` }, who)),
    h('td', {}, c.session),
    h('td', {}, c.isVideo ? 'Video' : 'Voice', c.isGroup ? ' (group)' : ''),
    h('td', { class: 'status' }, badge(c.status)),
    h('td', {}, redirectText(c.redirect)),
    h(
      'td',
      { class: 'flags' },
      c.isVip ? badge('VIP', 'vip') : null,
      c.level && c.level !== 'calm' ? badge(c.level) : null,
      c.conversion ? badge('wrote back', 'converted') : null,
    ),
  );
}

function redirectText(r) {
  const tries = r.attempts > 1 ? ` (${r.attempts} attempts)` : '';
  return h(
    'span',
    { class: `redirect redirect-${r.status.split(':')[0]}`, title: r.lastError ?? '' },
    r.status.replace(':', ': '),
    tries,
  );
}

/** The tab title counts ringing calls, so a ringing call shows even from another tab. */
function refreshSummary() {
  const ringing = [...calls.values()].filter((c) => c.status === 'ringing').length;
  document.title = ringing ? `(${ringing} ringing) callbridge` : 'callbridge';
  $('#calls-empty').hidden = calls.size > 0;
}

const announce = (text) => {
  $('#announcer').textContent = text;
};

const ACTION_NAMES = { sendRedirect: 'Chat redirect', sendWelcome: 'Welcome message', rejectCall: 'Reject call' };
const actionName = (a) =>
  ACTION_NAMES[a.kind] ?? (a.kind === 'alert' ? `${a.payload.channel} alert (${a.payload.type})` : a.kind);

/** Events and every attempt of every action, in the order they happened. */
function timeline({ events, actions }) {
  const entries = [
    ...events.map((e) => ({ at: e.receivedAt, what: e.type, note: e.outcome ?? '', kind: 'event' })),
    ...actions.flatMap((a) => [
      {
        at: a.createdAt,
        what: `${actionName(a)} decided`,
        note: a.expiresAt ? `not after ${new Date(a.expiresAt).toLocaleTimeString()}` : '',
        kind: 'decided',
      },
      ...a.history.map((t, i) => ({
        at: t.at,
        what: `${actionName(a)}: attempt ${i + 1}, ${t.outcome}`,
        note: [t.statusCode ? `HTTP ${t.statusCode}` : '', t.error ?? '', `${t.durationMs} ms`]
          .filter(Boolean)
          .join(' · '),
        kind: t.outcome,
      })),
    ]),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return h(
    'ol',
    { class: 'timeline' },
    entries.map((e) =>
      h(
        'li',
        { class: `tl-${e.kind}` },
        time(e.at),
        ' ',
        h('strong', {}, e.what),
        e.note ? h('span', { class: 'muted' }, ` ${e.note}`) : null,
      ),
    ),
  );
}

export async function openCall(id) {
  const detail = await api(`api/calls/${id}`);
  const c = detail.call;
  const r = c.redirect;
  showDetail(
    `${c.isVideo ? 'Video' : 'Voice'} call from ${phone(c.caller)}`,
    facts([
      ['Status', badge(c.status)],
      ['Session', c.session],
      ['Rang', time(c.receivedAt)],
      ['Ended', time(c.endedAt)],
      [
        'Caller',
        h(
          'span',
          {},
          c.caller ?? 'unknown',
          c.isVip ? [' ', badge('VIP', 'vip')] : null,
          c.level ? [' ', badge(c.level)] : null,
        ),
      ],
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
      ['Wrote back', c.conversion ? `${c.conversion.seconds} s after the redirect` : 'no'],
      ['Call id', h('code', {}, c.callId)],
    ]),
    h('h3', {}, 'Timeline'),
    timeline(detail),
    c.caller
      ? h(
          'p',
          {},
          h(
            'button',
            { type: 'button', onclick: () => showCallerCalls(c.session, c.caller) },
            `All calls from ${phone(c.caller)}`,
          ),
        )
      : null,
  );
}

/** The calls view filtered to one caller: what a deep link from Slack opens. */
export async function showCallerCalls(session, caller) {
  closeDetail();
  setCallFilter({ session, caller, status: '' });
  document.dispatchEvent(new CustomEvent('show-view', { detail: 'calls' }));
  await applyFilter();
}
