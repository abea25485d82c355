// One work-queue item as a card: who, why, their calls and last message, who holds it, and what you can do.
import { chatLink, h, phone, time } from './dom.js';
import { nameOf } from './names.js';

export const KIND_LABELS = { p1: 'P1', vip: 'VIP', missed: 'Missed call' };
export const RESOLUTIONS = { replied: 'Replied in chat', called_back: 'Called back', no_action: 'No action needed' };
const BY_PHONE = 'Closed by a reply from the business phone';

/** The caller's last message: the API gives `{ text }`, a plain string or nothing. */
export const messageText = (m) => (typeof m === 'string' ? m : (m?.text ?? null));

/** The item's name, else one the caller's calls were greeted with (a P1 from a text has no call of its own). */
export const itemName = (item) => item.name || nameOf(item.session, item.caller) || phone(item.caller);

/**
 * Who closed an item that the business's phone closed (no agent may take the name): by a reply
 * typed on it (`replied`), or by answering a call of the caller's (`auto`).
 */
const PHONE = 'phone';
const byPhone = (item) => item.doneBy === PHONE;
const ANSWERED = 'Closed: a call of theirs was answered';

export function resolutionText(item) {
  if (item.resolution === 'auto') return ANSWERED;
  if (byPhone(item)) return BY_PHONE;
  return RESOLUTIONS[item.resolution] ?? item.resolution ?? '';
}

/** "open", "claimed by ana", "claimed by you", "done by ana: Called back (note)". */
export function holderText(item, me) {
  if (item.state === 'open') return 'open';
  if (item.state === 'claimed')
    return item.claimedBy && item.claimedBy === me ? 'claimed by you' : `claimed by ${item.claimedBy}`;
  const note = item.note ? ` (${item.note})` : '';
  if (!item.doneBy || byPhone(item)) return `${resolutionText(item)}${note}`;
  return `done by ${item.doneBy === me ? 'you' : item.doneBy}: ${resolutionText(item)}${note}`;
}

function callList(item, openCall) {
  const calls = item.calls ?? [];
  if (!calls.length) return null;
  return h(
    'p',
    { class: 'item-calls' },
    calls.length === 1 ? '1 call: ' : `${calls.length} calls: `,
    calls.map((c, i) => [
      i ? ', ' : '',
      h('button', { type: 'button', class: 'link', onclick: () => openCall(c.id) }, time(c.receivedAt), ` ${c.status}`),
    ]),
  );
}

/** The resolution picker that "Done…" opens, with an optional note. */
function doneForm(item, onDone, onCancel) {
  const form = h(
    'form',
    { class: 'done-form', 'aria-label': `Mark ${itemName(item)} done` },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Resolution'),
      Object.entries(RESOLUTIONS).map(([value, label], i) =>
        h(
          'label',
          {},
          h('input', { type: 'radio', name: 'resolution', value, required: true, checked: i === 0 }),
          ` ${label}`,
        ),
      ),
    ),
    h('label', {}, 'Note (optional) ', h('input', { name: 'note', autocomplete: 'off', maxlength: 500 })),
    h('button', { type: 'submit' }, 'Mark done'),
    h('button', { type: 'button', onclick: onCancel }, 'Cancel'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const note = f.get('note').trim();
    onDone({ resolution: f.get('resolution'), ...(note ? { note } : {}) });
  });
  return form;
}

function actions(item, me, act) {
  if (item.state === 'done') return null;
  const mine = item.state === 'claimed' && item.claimedBy === me;
  const name = itemName(item);
  return h(
    'p',
    { class: 'item-actions' },
    // Claim shows on an item someone else holds too: the server decides, and says who has it.
    mine
      ? [
          h('button', { type: 'button', onclick: () => act.release(item), 'aria-label': `Release ${name}` }, 'Release'),
          h(
            'button',
            { type: 'button', onclick: () => act.openDone(item), 'aria-label': `Done with ${name}` },
            'Done…',
          ),
        ]
      : h(
          'button',
          { type: 'button', class: 'primary', onclick: () => act.claim(item), 'aria-label': `Claim ${name}` },
          'Claim',
        ),
    chatLink(item.caller),
  );
}

/**
 * The card of `item`. `act` has claim, release, openDone, done(item, body), cancelDone and openCall;
 * `ui` is what only this page knows of the item: `{ doneOpen, error }`.
 */
export function itemCard(item, me, act, ui = {}) {
  const message = messageText(item.message);
  const name = itemName(item);
  return h(
    'li',
    { class: `queue-item kind-${item.kind}`, 'data-id': item.id, 'data-state': item.state, 'data-kind': item.kind },
    h(
      'p',
      { class: 'item-head' },
      h('span', { class: `badge badge-${item.kind}` }, KIND_LABELS[item.kind] ?? item.kind),
      h('strong', { class: 'name' }, name),
      name !== phone(item.caller) ? h('span', { class: 'muted' }, ` ${phone(item.caller)}`) : null,
      h(
        'span',
        { class: 'muted' },
        ` · ${item.session} · `,
        item.state === 'done' ? 'done at ' : 'waiting since ',
        time(item.state === 'done' ? item.doneAt : item.openedAt),
      ),
    ),
    message
      ? h('blockquote', { class: 'said' }, message)
      : h('p', { class: 'muted item-message' }, 'No message from them yet.'),
    callList(item, act.openCall),
    h(
      'p',
      { class: `holder holder-${item.state}` },
      holderText(item, me),
      item.state === 'claimed' ? [' since ', time(item.claimedAt)] : null,
    ),
    actions(item, me, act),
    ui.doneOpen && item.state === 'claimed' && item.claimedBy === me
      ? doneForm(
          item,
          (body) => act.done(item, body),
          () => act.cancelDone(item),
        )
      : null,
    ui.error ? h('p', { class: 'error-text', role: 'alert' }, ui.error) : null,
  );
}
