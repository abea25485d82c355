// Tiny helpers for building and formatting the page; text always goes in as text, never as HTML.
import { nameOf } from './names.js';

/** `h('td', { class: 'x' }, 'text', child)`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export const $ = (selector) => document.querySelector(selector);

/** A coloured label; `kind` picks the colour (see style.css). */
export const badge = (text, kind = text) => h('span', { class: `badge badge-${kind}` }, text);

/** `15550001111@c.us` → `+15550001111`; group and LID ids are shown as they are. */
export function phone(chatId) {
  if (!chatId) return 'unknown';
  const [local, domain] = chatId.split('@');
  return domain === 'c.us' || domain === 's.whatsapp.net' ? `+${local}` : chatId;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A `<time>`: the clock time today, with the date on other days; the full timestamp on hover. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  const text = today ? timeFormat.format(d) : `${dateFormat.format(d)} ${timeFormat.format(d)}`;
  return h('time', { datetime: iso, title: d.toLocaleString() }, text);
}

/** The digits of a phone chat id (`15550001111@c.us` → `15550001111`), or null for groups and LIDs. */
export function numberOf(chatId) {
  const [local, domain] = (chatId ?? '').split('@');
  return domain === 'c.us' || domain === 's.whatsapp.net' ? local : null;
}

/** What to call someone: their name, or one their other calls carried, else their number. */
export const displayName = (c) => c.name || nameOf(c.session, c.caller) || phone(c.caller);

/** "Open chat": WhatsApp's own link to the caller's chat, in a new tab; nothing for a group or LID. */
export function chatLink(chatId) {
  const number = numberOf(chatId);
  if (!number) return null;
  return h(
    'a',
    { class: 'chat-link', href: `https://wa.me/${number}`, target: '_blank', rel: 'noopener' },
    'Open chat',
  );
}

/** A filter form: submitting it (Enter) or changing any of its fields reloads what it filters. */
export function onFilterChange(form, reload) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    reload();
  });
  form.addEventListener('change', () => reload());
}
