// Hand-drawn SVG charts: stacked bars over time and a rate line. Colours come from style.css classes.
const NS = 'http://www.w3.org/2000/svg';
const H = 200;
const PAD = { top: 12, right: 16, bottom: 28, left: 40 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  el.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return el;
}

/** The top of a count axis: at least `max`, and even, so the middle line is a whole count too (2, 4, 6, 8, 10, 20…). */
function niceMax(max) {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(1, max))));
  return [2, 4, 6, 8, 10].map((m) => m * p).find((v) => v >= max);
}

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/**
 * The frame both charts share, `width` pixels wide (its box's, so the text keeps its size): a time
 * axis from `from` to `to` (a bucket with no row is a gap, not a missing slot) and a value axis from
 * 0 to `max`, labelled by `tickText`.
 */
function frame({ from, to, stepMs, max, tickText, label, width: W }) {
  const x = (t) => PAD.left + ((t - from) / (to - from)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label });
  for (const v of [0, max / 2, max])
    svg.append(
      s('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
      s('text', { class: 'tick', x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, tickText(v)),
    );
  // As many labels along the bottom as fit, one per 80 px at most, so they never run into each other.
  const fmt = stepMs < 86_400_000 ? hourFormat : dayFormat;
  const fit = Math.max(2, Math.floor((W - PAD.left - PAD.right) / 80));
  const every = Math.max(1, Math.ceil((to - from) / stepMs / fit));
  for (let t = from, i = 0; t < to; t += stepMs, i++)
    if (i % every === 0 && x(t) < W - 40)
      svg.append(s('text', { class: 'tick', x: x(t), y: H - PAD.bottom + 16, 'text-anchor': 'start' }, fmt.format(t)));
  return { svg, x, y };
}

/**
 * Stacked bars, one per bucket: `rows` are `{ at: ms, values: { series: n } }`, `series` the
 * stacking order bottom up, each drawn with the class `bar-<series>`.
 */
export function stackedBars({ rows, series, from, to, stepMs, label, width }) {
  const totals = rows.map((r) => series.reduce((n, k) => n + (r.values[k] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const { svg, x, y } = frame({ from, to, stepMs, max, tickText: (v) => String(Math.round(v)), label, width });
  const barWidth = Math.max(1, x(from + stepMs) - x(from) - 2);
  for (const r of rows) {
    let base = 0;
    for (const k of series) {
      const n = r.values[k] ?? 0;
      if (!n) continue;
      const bar = s('rect', {
        class: `bar bar-${k}`,
        x: x(r.at) + 1,
        y: y(base + n),
        width: barWidth,
        height: y(base) - y(base + n),
      });
      bar.append(s('title', {}, `${new Date(r.at).toLocaleString()}: ${n} ${k}`));
      svg.append(bar);
      base += n;
    }
  }
  return svg;
}

/** A line of rates (0…1) over the same buckets; a bucket with no rate breaks the line. */
export function rateLine({ rows, from, to, stepMs, label, width }) {
  const { svg, x, y } = frame({ from, to, stepMs, max: 1, tickText: (v) => `${Math.round(v * 100)}%`, label, width });
  const mid = (at) => x(at + stepMs / 2);
  let path = '';
  let pen = 'M';
  for (const r of rows) {
    if (r.rate === null) {
      pen = 'M';
      continue;
    }
    path += `${pen}${mid(r.at).toFixed(1)},${y(r.rate).toFixed(1)} `;
    pen = 'L';
    const dot = s('circle', { class: 'rate-dot', cx: mid(r.at), cy: y(r.rate), r: 3 });
    dot.append(s('title', {}, `${new Date(r.at).toLocaleString()}: ${Math.round(r.rate * 100)}%`));
    svg.append(dot);
  }
  if (path) svg.append(s('path', { class: 'rate-line', d: path.trim() }));
  return svg;
}
