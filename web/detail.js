// The one detail dialog, shared by calls and callers. A native <dialog>: focus moves in, Esc closes.
import { $, h } from './dom.js';

export function showDetail(title, ...content) {
  const dialog = $('#detail');
  $('#detail-title').textContent = title;
  $('#detail-body').replaceChildren(...content);
  if (!dialog.open) dialog.showModal();
}

export const closeDetail = () => $('#detail').close();

/** A definition list from `[term, value]` pairs; values may be nodes. */
export const facts = (pairs) =>
  h(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
