// CSV export, made in the browser from what the view has loaded: RFC 4180 quoting, CRLF lines.
import { h } from './dom.js';

/**
 * A spreadsheet runs a cell that starts like a formula; callers write names and messages, so such
 * a cell gets a leading apostrophe. A plain signed number (`+15550001111`) is left as it is.
 */
const formulaLike = (s) => /^[=@\t\r]/.test(s) || /^[+-](?![\d\s]*$)/.test(s);

export function csvField(value) {
  let s = value === null || value === undefined ? '' : String(value);
  if (formulaLike(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const toCsv = (columns, rows) => [columns, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';

/**
 * A download link whose file is made when it is clicked, so it holds what the view shows then.
 * `build()` returns `{ name, columns, rows }`. The byte order mark lets Excel read the text as UTF-8.
 */
export function csvLink(id, label, build) {
  let url = null;
  const link = h('a', { id, class: 'button', href: '#', download: 'export.csv' }, label);
  link.addEventListener('click', () => {
    const { name, columns, rows } = build();
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(new Blob(['\ufeff', toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' }));
    link.href = url;
    link.download = name;
  });
  return link;
}
