// The work queue: who is owed a call back or a reply, claimed by one agent at a time, live from the stream.
import { api, withQuery } from './api.js';
import { csvLink } from './csv.js';
import { $, onFilterChange, phone } from './dom.js';
import { nameOf, rememberName } from './names.js';
import { itemCard, itemName, KIND_LABELS, messageText, resolutionText } from './queueitem.js';

const KIND_RANK = { p1: 0, vip: 1, missed: 2 };
const LIMIT = 200;

const items = new Map();
/** What only this page knows of an item: its open "Done…" form, and the last error its buttons got. */
const ui = new Map();
let me = null;
let available = true;
let loadedOnce = false;
/** Items from the stream while a load is on its way are applied after it, so the older list can't undo them. */
let loading = 0;
const held = [];
let hooks = { onCount: () => {}, onNew: () => {}, openCall: () => {}, onSession: () => {} };

export function initQueue(given) {
  hooks = given;
  onFilterChange($('#queue-filters'), loadQueue);
  $('#queue-export').replaceWith(csvLink('queue-export', 'Export CSV', exportQueue));
}

/** Who this dashboard is signed in as (`/api/me`), so "claimed by you" can be said. */
export async function loadMe() {
  try {
    ({ agent: me } = await api('api/me'));
  } catch (err) {
    if (err.status !== 404) throw err;
    me = null;
  }
  $('#whoami').textContent = me ? `Signed in as ${me}` : '';
}

const session = () => $('#queue-filters').elements.session.value.trim();
const matches = (item) => !session() || item.session === session();

export async function loadQueue() {
  loading++;
  try {
    const ask = (state) => api(withQuery('api/queue', { session: session(), state, limit: LIMIT }));
    let pages;
    try {
      pages = await Promise.all(['open', 'claimed', 'done'].map(ask));
    } catch (err) {
      if (err.status !== 404) throw err;
      available = false;
      return render();
    }
    available = true;
    const fresh = pages.flatMap((p) => p.items);
    const seen = new Set(fresh.map((i) => i.id));
    for (const id of items.keys()) if (!seen.has(id)) items.delete(id);
    for (const item of fresh) take(item);
    loadedOnce = true;
  } finally {
    if (--loading === 0) for (const item of held.splice(0)) take(item);
    render();
  }
}

/** An item from the stream (or a button's answer): added or updated in place. */
export function upsertQueueItem(item) {
  if (loading) held.push(item);
  else {
    take(item);
    render();
  }
}

/** A call changed: the items it belongs to show its new status (the queue sends no event for that). */
export function callChanged(call) {
  let changed = false;
  for (const [id, item] of items) {
    const calls = item.calls ?? [];
    if (!calls.some((c) => c.id === call.id && c.status !== call.status)) continue;
    items.set(id, { ...item, calls: calls.map((c) => (c.id === call.id ? { ...c, status: call.status } : c)) });
    changed = true;
  }
  if (changed) render();
}

function take(item) {
  hooks.onSession(item.session);
  rememberName(item.session, item.caller, item.name);
  if (!matches(item)) return void items.delete(item.id);
  const before = items.get(item.id);
  items.set(item.id, item);
  if (item.state !== 'claimed') ui.delete(item.id);
  // The first list is what was there already; news is an item that opens, or one that turns more
  // urgent (a missed call's caller who writes while owed a reply becomes a P1).
  if (loadedOnce && item.state === 'open' && before?.kind !== item.kind) hooks.onNew(item);
}

const isToday = (iso) => iso && new Date(iso).toDateString() === new Date().toDateString();
const byUrgency = (a, b) => (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) || a.openedAt.localeCompare(b.openedAt);

export const openCount = () => [...items.values()].filter((i) => i.state === 'open').length;

const act = {
  claim: (item) => send(item, 'claim'),
  release: (item) => send(item, 'release'),
  done: (item, body) => send(item, 'done', body),
  openDone(item) {
    ui.set(item.id, { doneOpen: true });
    render();
    $(`#queue-open li[data-id="${item.id}"] input[name="resolution"]`)?.focus();
  },
  cancelDone(item) {
    ui.delete(item.id);
    render();
  },
  openCall: (id) => hooks.openCall(id),
};

/** A button's request; a refusal (409: someone else holds it) shows on the item in the server's words. */
async function send(item, verb, body) {
  try {
    const updated = await api(`api/queue/${encodeURIComponent(item.id)}/${verb}`, { method: 'POST', body: body ?? {} });
    ui.delete(item.id);
    if (updated?.id !== undefined) upsertQueueItem(updated);
  } catch (err) {
    if (err.status === 401) return;
    ui.set(item.id, { ...ui.get(item.id), error: err.message });
    render();
  }
}

/** Replaces only the cards that changed, so a note being typed in another card is left alone. */
function renderList(list, wanted) {
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  wanted.forEach((item, index) => {
    const key = JSON.stringify([item, itemName(item), ui.get(item.id) ?? null, me]);
    let li = existing.get(String(item.id));
    if (!li || li.dataset.key !== key) {
      const card = itemCard(item, me, act, ui.get(item.id));
      card.dataset.key = key;
      if (li) li.replaceWith(card);
      li = card;
    }
    existing.delete(String(item.id));
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
  });
  for (const li of existing.values()) li.remove();
}

function render() {
  $('#queue-missing').hidden = available;
  const all = [...items.values()];
  const open = all.filter((i) => i.state !== 'done').sort(byUrgency);
  const done = all
    .filter((i) => i.state === 'done' && isToday(i.doneAt))
    .sort((a, b) => b.doneAt.localeCompare(a.doneAt));
  renderList($('#queue-open'), open);
  renderList($('#queue-done'), done);
  $('#queue-empty').hidden = !available || open.length > 0;
  $('#queue-done-empty').hidden = done.length > 0;
  hooks.onCount(openCount());
}

const QUEUE_COLUMNS = [
  'opened',
  'kind',
  'name',
  'number',
  'session',
  'state',
  'held by',
  'done at',
  'resolution',
  'note',
  'last message',
  'calls',
];

function exportQueue() {
  const rows = [...items.values()]
    .sort(byUrgency)
    .map((i) => [
      i.openedAt,
      KIND_LABELS[i.kind] ?? i.kind,
      i.name ?? nameOf(i.session, i.caller) ?? '',
      phone(i.caller),
      i.session,
      i.state,
      i.doneBy ?? i.claimedBy ?? '',
      i.doneAt ?? '',
      i.state === 'done' ? resolutionText(i) : '',
      i.note ?? '',
      messageText(i.message) ?? '',
      (i.calls ?? []).length,
    ]);
  return { name: 'callbridge-queue.csv', columns: QUEUE_COLUMNS, rows };
}
