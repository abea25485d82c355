// The stats view: how calls end, how many turn into chats, and which message variant gets replies.
import { api, withQuery } from './api.js';
import { rateLine, stackedBars } from './charts.js';
import { $, h, onFilterChange } from './dom.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PERIODS = {
  '24h': { ms: DAY, bucket: 'hour', step: HOUR },
  '7d': { ms: 7 * DAY, bucket: 'day', step: DAY },
  '30d': { ms: 30 * DAY, bucket: 'day', step: DAY },
};
const OUTCOMES = ['answered', 'rejected', 'missed'];

export const percent = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0)}%`);
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  return seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

export function initStats() {
  onFilterChange($('#stats-filters'), loadStats);
}

/** Bumped by every load: an answer older than the one shown is dropped. */
let generation = 0;

export async function loadStats() {
  const asked = ++generation;
  const f = new FormData($('#stats-filters'));
  const period = PERIODS[f.get('period')] ?? PERIODS['24h'];
  // The first bucket starts on a whole hour or day, so its bar holds a whole bucket.
  const to = Date.now();
  const from = Math.floor((to - period.ms) / period.step) * period.step;
  let stats;
  try {
    stats = await api(
      withQuery('api/stats', {
        session: f.get('session'),
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        bucket: period.bucket,
      }),
    );
  } catch (err) {
    if (err.status !== 404) throw err;
    stats = null;
  }
  if (asked !== generation) return;
  $('#stats-missing').hidden = stats !== null;
  $('#stats-body').hidden = stats === null;
  if (stats) render(stats, { from, to, stepMs: period.step });
}

const tile = (label, value, note) =>
  h('div', { class: 'tile' }, h('dt', {}, label), h('dd', {}, value), note ? h('dd', { class: 'muted' }, note) : null);

function render(st, axis) {
  const c = st.calls;
  const r = st.redirects;
  const skipped = Object.entries(r.skipped ?? {});
  $('#stats-tiles').replaceChildren(
    tile('Calls', String(c.total), `${c.answered} answered · ${c.rejected} rejected · ${c.missed} missed`),
    tile('Missed rate', percent(st.missedRate)),
    tile('Call → chat', percent(st.conversionRate), `${st.conversions} wrote back after ${r.sent} messages`),
    tile('Ring → message', duration(st.medianSecondsToRedirect), 'median'),
    tile('Message → reply', duration(st.medianSecondsToReply), 'median'),
  );
  $('#stats-redirects').replaceChildren(
    `Messages: ${r.sent} sent, ${r.expired} too late, ${r.failed} failed`,
    skipped.length ? `; not sent: ${skipped.map(([why, n]) => `${n} ${why.replaceAll('_', ' ')}`).join(', ')}` : '',
    '.',
  );
  const rows = (st.byHour ?? []).map((b) => ({ at: Date.parse(b.hour), values: b }));
  const label = (what) => `${what}, ${axis.stepMs === HOUR ? 'per hour' : 'per day'}`;
  axis.width = Math.max(300, $('#stats-outcomes').clientWidth);
  $('#stats-outcomes').replaceChildren(
    stackedBars({ rows, series: OUTCOMES, ...axis, label: label('Calls by outcome') }),
  );
  const rates = rows.map((row) => {
    const total = OUTCOMES.reduce((n, k) => n + (row.values[k] ?? 0), 0);
    return { at: row.at, rate: total ? (row.values.missed ?? 0) / total : null };
  });
  $('#stats-missed').replaceChildren(rateLine({ rows: rates, ...axis, label: label('Missed rate') }));
  renderVariants(st.byVariant ?? []);
}

function renderVariants(variants) {
  $('#stats-variants').hidden = variants.length === 0;
  $('#variants-body').replaceChildren(
    ...variants.map((v) =>
      h(
        'tr',
        {},
        h('td', { 'data-label': 'Template' }, v.template, v.language ? ` (${v.language})` : ''),
        h(
          'td',
          { 'data-label': 'Variant', title: v.variant?.id ?? '' },
          v.variant ? `${v.variant.index + 1}` : '—',
          v.text ? h('span', { class: 'muted' }, `: ${v.text}`) : null,
        ),
        h('td', { 'data-label': 'Sent', class: 'num' }, String(v.sent)),
        h('td', { 'data-label': 'Replies', class: 'num' }, String(v.replies)),
        h('td', { 'data-label': 'Reply rate', class: 'num' }, percent(v.replyRate)),
        h(
          'td',
          { 'data-label': '95% interval', class: 'num' },
          v.ci95 ? `${percent(v.ci95[0])}–${percent(v.ci95[1])}` : '—',
        ),
      ),
    ),
  );
}
