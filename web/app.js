// Boot: the token, the views, the deep link and the live connection.
import { api, ApiError, clearToken, getToken, setToken, whenUnauthorized } from './api.js';
import { callersChanged, initCallers, loadCallers } from './callers.js';
import { initCalls, loadCalls, pollCalls, setCallFilter, upsertCall } from './calls.js';
import { closeDetail } from './detail.js';
import { $, h } from './dom.js';
import { startLive } from './live.js';
import { initVips, loadVips } from './vips.js';

const VIEWS = { calls: async () => {}, callers: loadCallers, vips: () => loadVips() };
const LIVE_TEXT = {
  offline: 'Offline',
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Live (polling every 2 s)',
  reconnecting: 'Reconnecting…',
};

let live = null;
const sessions = new Set();

/** Every session seen in calls or callers becomes a suggestion in the session fields. */
function noteSession(session) {
  if (sessions.has(session)) return;
  sessions.add(session);
  $('#sessions').append(h('option', { value: session }));
  if (!$('#vip-session').value) $('#vip-session').value = session;
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

async function start() {
  $('#auth').hidden = true;
  $('#app').hidden = false;
  $('#change-token').hidden = !getToken();
  try {
    await loadCalls();
    showError('');
  } catch (err) {
    if (err.status !== 401) showError(err.message);
    return;
  }
  // Every session served, for the session fields, including those with no call in the list yet.
  api('api/sessions').then(
    ({ sessions: served }) => served.forEach((s) => noteSession(s.id)),
    () => {},
  );
  live = startLive({
    onCall: (call) => {
      upsertCall(call);
      callersChanged();
    },
    poll: async () => {
      await pollCalls();
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
      ? `That token was refused: ${err.message}. Check api.token in callbridge's configuration.`
      : 'This callbridge needs its API token.',
  );
});

$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('#token').value.trim());
  $('#token').value = '';
  start();
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
initVips();

// A deep link (`/?session=<s>&caller=<chatId>`, as Slack alerts carry) opens the calls of that caller.
const params = new URLSearchParams(location.search);
setCallFilter({ session: params.get('session'), caller: params.get('caller'), status: params.get('status') });
setLive('offline');
start();
