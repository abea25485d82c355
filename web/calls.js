// The calls view: newest first, filtered, updated in place as calls ring and end.
import { api, withQuery } from './api.js';
import { openCall as openCallDetail, redirectText } from './calldetail.js';
import { csvLink } from './csv.js';
import { closeDetail } from './detail.js';
import { $, badge, displayName, h, onFilterChange, phone, time } from './dom.js';
import { nameOf, rememberName } from './names.js';

const PAGE = 50;

const calls = new Map();
let filter = { session: '', status: '', caller: '', name: '' };
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
  onFilterChange(form, applyFilter);
  form.addEventListener('reset', () => setTimeout(applyFilter));
  $('#calls-more').addEventListener('click', loadMore);
  $('#calls-export').replaceWith(csvLink('calls-export', 'Export CSV', exportCalls));
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

/**
 * A caller typed with letters is part of a name (`?name=`), else a number or chat id (`?caller=`).
 * Live updates are matched here the same way.
 */
function readFilter() {
  const f = new FormData($('#call-filters'));
  const who = f.get('caller').trim();
  const isName = /\p{L}/u.test(who) && !who.includes('@');
  return {
    session: f.get('session').trim(),
    status: f.get('status'),
    caller: isName ? '' : who,
    name: isName ? who.toLocaleLowerCase() : '',
  };
}

async function applyFilter() {
  filter = readFilter();
  // The address bar mirrors the filter, so the view can be bookmarked or shared.
  history.replaceState(
    null,
    '',
    withQuery(location.pathname, {
      session: filter.session,
      caller: filter.caller || filter.name,
      status: filter.status,
    }),
  );
  await loadCalls();
}

const query = (extra) =>
  withQuery('api/calls', {
    session: filter.session,
    status: filter.status,
    caller: filter.caller,
    name: filter.name,
    limit: PAGE,
    ...extra,
  });

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
      announce(`${call.isVideo ? 'Video' : 'Voice'} call ringing from ${displayName(call)}`);
  } else if (!isNew) {
    drop(call.id);
  }
  refreshSummary();
}

function matches(call) {
  if (filter.session && call.session !== filter.session) return false;
  if (filter.status && call.status !== filter.status) return false;
  if (filter.name && !(call.name ?? '').toLocaleLowerCase().includes(filter.name)) return false;
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

/**
 * Only the call a caller was greeted on carries their name (not a repeat within the debounce, not a
 * VIP's): the others of theirs are named from it, once it has been seen.
 */
const nameOfCall = (c) => c.name ?? nameOf(c.session, c.caller);

function put(call) {
  noteSession(call.session);
  const learned = call.name && !nameOf(call.session, call.caller);
  rememberName(call.session, call.caller, call.name);
  calls.set(call.id, call);
  const row = callRow(call);
  const old = rowOf(call.id);
  if (old) old.replaceWith(row);
  else {
    // Ids grow with time: a row goes before the first older one.
    const older = [...$('#calls-body').children].find((tr) => Number(tr.dataset.id) < call.id);
    $('#calls-body').insertBefore(row, older ?? null);
  }
  if (learned)
    for (const other of calls.values())
      if (!other.name && other.session === call.session && other.caller === call.caller)
        rowOf(other.id)?.replaceWith(callRow(other));
}

function callRow(c) {
  const number = phone(c.caller);
  return h(
    'tr',
    {
      'data-id': c.id,
      'data-call-id': c.callId,
      'data-status': c.status,
      class: c.status === 'ringing' ? 'ringing' : null,
    },
    h('td', { 'data-label': 'Rang' }, time(c.receivedAt)),
    h(
      'td',
      { 'data-label': 'Caller', class: 'who' },
      nameOfCall(c) ? h('span', { class: 'name' }, nameOfCall(c)) : null,
      h(
        'button',
        { type: 'button', class: 'link', 'aria-label': `Details of the call from ${displayName(c)}` },
        number,
      ),
    ),
    h('td', { 'data-label': 'Session' }, c.session),
    h('td', { 'data-label': 'Call' }, c.isVideo ? 'Video' : 'Voice', c.isGroup ? ' (group)' : ''),
    h('td', { 'data-label': 'Status', class: 'status' }, badge(c.status)),
    h('td', { 'data-label': 'Redirect' }, redirectText(c.redirect)),
    h(
      'td',
      { 'data-label': 'Marks', class: 'flags' },
      c.isVip ? badge('VIP', 'vip') : null,
      c.closed ? badge('after hours', 'closed') : null,
      c.level && c.level !== 'calm' ? badge(c.level) : null,
      c.conversion ? badge('wrote back', 'converted') : null,
    ),
  );
}

const CSV_COLUMNS = [
  'rang',
  'name',
  'number',
  'session',
  'call',
  'status',
  'redirect',
  'sent text',
  'vip',
  'wrote back',
];

/** The calls shown (the filter's, as far as loaded), newest first, as a spreadsheet reads them. */
function exportCalls() {
  const rows = [...calls.values()]
    .sort((a, b) => b.id - a.id)
    .map((c) => [
      c.receivedAt,
      nameOfCall(c) ?? '',
      phone(c.caller),
      c.session,
      c.isVideo ? 'video' : 'voice',
      c.status,
      c.redirect.status,
      c.redirect.text ?? '',
      c.isVip ? 'yes' : '',
      c.conversion ? c.conversion.at : '',
    ]);
  return { name: 'callbridge-calls.csv', columns: CSV_COLUMNS, rows };
}

function refreshSummary() {
  $('#calls-empty').hidden = calls.size > 0;
}

const announce = (text) => {
  $('#announcer').textContent = text;
};

export const openCall = (id) => openCallDetail(id, { showCallerCalls });

/** The calls view filtered to one caller: what a deep link from Slack opens. */
export async function showCallerCalls(session, caller) {
  closeDetail();
  setCallFilter({ session, caller, status: '' });
  document.dispatchEvent(new CustomEvent('show-view', { detail: 'calls' }));
  await applyFilter();
}
