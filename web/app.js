// Boot: the token, the views, the deep link and the live connection.
import { api, ApiError, clearToken, getToken, setToken, whenUnauthorized } from './api.js';
import { callersChanged, initCallers, loadCallers } from './callers.js';
import { initCalls, loadCalls, openCall, pollCalls, setCallFilter, upsertCall } from './calls.js';
import { closeDetail } from './detail.js';
import { $, h } from './dom.js';
import { startLive } from './live.js';
import { alertNewItem, initNotify } from './notify.js';
import { callChanged as queueCallChanged, initQueue, loadMe, loadQueue, upsertQueueItem } from './queue.js';
import { itemName, KIND_LABELS, messageText } from './queueitem.js';
import { initStats, loadStats } from './stats.js';
import { initVips, loadVips } from './vips.js';

// The queue and the calls are kept current by the stream; the others load when shown.
const VIEWS = {
  queue: async () => {},
  calls: async () => {},
  callers: loadCallers,
  vips: () => loadVips(),
  stats: loadStats,
};
const LIVE_TEXT = {
  offline: 'Offline',
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Live (polling every 2 s)',
  reconnecting: 'Reconnecting…',
};

let live = null;
const sessions = new Set();

/** Every session seen in calls, callers or the queue becomes a suggestion in the session fields. */
function noteSession(session) {
  if (sessions.has(session)) return;
  sessions.add(session);
  $('#sessions').append(h('option', { value: session }));
  $('#stats-session').append(h('option', { value: session }, session));
}

function showError(message) {
  $('#error').textContent = message;
  $('#error').hidden = !message;
}

/** Runs a view's load, showing what went wrong; a refused token is handled by `askForToken`. */
const run = (promise) =>
  promise.then(
    () => showError(''),
    (err) => err.status !== 401 && showError(err.message),
  );

function showView(name) {
  for (const view of Object.keys(VIEWS)) {
    $(`#${view}-view`).hidden = view !== name;
    $(`#tab-${view}`).setAttribute('aria-current', view === name ? 'page' : 'false');
  }
  run(VIEWS[name]());
}

function setLive(state) {
  const indicator = $('#live');
  // Unchanged text is left alone: a status region may announce every write.
  if (indicator.dataset.state === state) return;
  indicator.dataset.state = state;
  indicator.textContent = LIVE_TEXT[state];
}

function askForToken(message) {
  live?.stop();
  live = null;
  setLive('offline');
  closeDetail();
  $('#app').hidden = true;
  $('#auth').hidden = false;
  $('#auth-error').textContent = message;
  $('#token').focus();
}

/** The open items count in the tab and in the title, so a waiting caller shows even from another tab. */
function showCount(n) {
  $('#queue-count').textContent = n ? ` (${n})` : '';
  document.title = n ? `(${n}) callbridge` : 'callbridge';
}

const unanswered = (n) => (n === 1 ? '1 call, not answered' : n ? `${n} calls, not answered` : 'calling now');

function newItem(item) {
  const name = itemName(item);
  const kind = KIND_LABELS[item.kind] ?? item.kind;
  $('#announcer').textContent = `${kind}: ${name} is waiting`;
  alertNewItem(item, {
    title: `${kind}: ${name} is waiting`,
    body: messageText(item.message) ?? unanswered(item.calls?.length ?? 0),
    onClick: () => showView('queue'),
  });
}

/** The VIPs view opens on a session of the config (the first by name), not on whichever called last. */
async function loadSessions() {
  const { sessions: served } = await api('api/sessions');
  served.forEach((s) => noteSession(s.id));
  const configured = served.find((s) => s.pattern === null) ?? served[0];
  if (!configured || $('#vip-session').value) return;
  $('#vip-session').value = configured.id;
  // The VIPs view may have been opened before the sessions came.
  if (!$('#vips-view').hidden) run(loadVips());
}

async function start(view) {
  $('#auth').hidden = true;
  $('#app').hidden = false;
  $('#change-token').hidden = !getToken();
  try {
    await loadMe();
    await Promise.all([loadCalls(), loadQueue()]);
    showError('');
  } catch (err) {
    if (err.status !== 401) showError(err.message);
    return;
  }
  loadSessions().catch(() => {});
  showView(view);
  live = startLive({
    onCall: (call) => {
      upsertCall(call);
      queueCallChanged(call);
      callersChanged();
    },
    onQueue: upsertQueueItem,
    poll: async () => {
      await Promise.all([pollCalls(), loadQueue()]);
      callersChanged();
    },
    onState: (state) => (state === 'unauthorized' ? askForToken('The live feed refused the token.') : setLive(state)),
  });
}

// Whatever a click or a filter change asked for and failed, the agent sees why (a refused token has its own form).
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status !== 401) showError(e.reason.message);
});

whenUnauthorized((err) => {
  const hadToken = Boolean(getToken());
  clearToken();
  askForToken(
    hadToken
      ? `That token was refused: ${err.message}. Check api.token and api.agents in callbridge's configuration.`
      : 'This callbridge needs a token.',
  );
});

// A deep link (`/?session=<s>&caller=<chatId>`, as Slack alerts carry) opens the calls of that caller.
const params = new URLSearchParams(location.search);
const deepLink = params.has('caller') || params.has('status');
const current = () => Object.keys(VIEWS).find((v) => !$(`#${v}-view`).hidden) ?? 'queue';

$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('#token').value.trim());
  $('#token').value = '';
  start(current());
});
$('#change-token').addEventListener('click', () => {
  clearToken();
  askForToken('');
});
for (const view of Object.keys(VIEWS)) $(`#tab-${view}`).addEventListener('click', () => showView(view));
document.addEventListener('show-view', (e) => showView(e.detail));
$('#detail-close').addEventListener('click', closeDetail);

initCalls({ onSession: noteSession });
initCallers({ onSession: noteSession });
initQueue({ onCount: showCount, onNew: newItem, openCall, onSession: noteSession });
initVips();
initStats();
initNotify();

setCallFilter({ session: params.get('session'), caller: params.get('caller'), status: params.get('status') });
setLive('offline');
start(deepLink ? 'calls' : 'queue');
