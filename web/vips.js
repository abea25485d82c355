// The VIPs of one session: listed with where they come from, added and removed through the API.
import { api } from './api.js';
import { $, h, phone } from './dom.js';

const vipsPath = (session) => `api/sessions/${encodeURIComponent(session)}/vips`;
const currentSession = () => $('#vip-session').value.trim();

/** Success in the polite status line; failure in the alert line, with the server's own words. */
function say(text, isError = false) {
  $('#vip-status').textContent = isError ? '' : text;
  $('#vip-error').textContent = isError ? text : '';
}

export function initVips() {
  $('#vip-session-form').addEventListener('submit', (e) => {
    e.preventDefault();
    say('');
    loadVips().catch((err) => say(err.message, true));
  });
  $('#vip-add').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const number = form.elements.number.value.trim();
    const name = form.elements.name.value.trim();
    try {
      const vip = await api(vipsPath(currentSession()), { method: 'POST', body: name ? { number, name } : { number } });
      form.reset();
      await loadVips();
      say(`${phone(vip.caller)} is now a VIP.`);
    } catch (err) {
      say(err.message, true);
    }
  });
  $('#vips-body').addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-number]');
    if (!button) return;
    try {
      await api(`${vipsPath(currentSession())}/${encodeURIComponent(button.dataset.number)}`, { method: 'DELETE' });
      await loadVips();
      say(`+${button.dataset.number} is no longer a VIP.`);
    } catch (err) {
      say(err.message, true);
    }
  });
}

/** Shows the VIPs of the session in the picker, or of `session` (which goes into the picker). */
export async function loadVips(session) {
  if (session) $('#vip-session').value = session;
  const s = currentSession();
  $('#vip-add').hidden = !s;
  if (!s) return;
  const { vips } = await api(vipsPath(s));
  $('#vips-title').textContent = `VIPs of session ${s}`;
  $('#vips-body').replaceChildren(...vips.map(vipRow));
  $('#vips-empty').hidden = vips.length > 0;
}

const vipRow = (v) =>
  h(
    'tr',
    { 'data-number': v.number },
    h('td', { 'data-label': 'Number' }, phone(v.caller)),
    h('td', { 'data-label': 'Name' }, v.name ?? h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Source' }, v.source === 'config' ? 'config file' : 'added here'),
    h(
      'td',
      { class: 'row-actions' },
      h('button', { type: 'button', 'data-number': v.number, 'aria-label': `Remove ${phone(v.caller)}` }, 'Remove'),
    ),
  );
