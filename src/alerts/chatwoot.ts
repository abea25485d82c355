import { HttpError, HttpTarget } from '../lib/http.js';
import {
  Gone,
  list,
  Lru,
  num,
  obj,
  str,
  subjectOf,
  toContact,
  toConversation,
  unexpected,
  type ContactRef,
  type ConversationView,
  type Known,
  type Subject,
} from './chatwoot/answers.js';
import { chatwootNote, noteTimeFormat, type ChatwootNote } from './chatwoot/note.js';
import type { Alert, AlertSender } from './senders.js';

/**
 * Chatwoot as an alert channel: each alert becomes a private note in the caller's open conversation
 * of one inbox, with labels, and priority `urgent` for a Priority 1.
 *
 * The application API as Chatwoot serves it (paths in github.com/chatwoot/chatwoot):
 * - auth: header `api_access_token`, a user's access token; without a valid one every route answers
 *   401 `{ error: 'Invalid Access Token' }` (app/controllers/concerns/access_token_auth_helper.rb).
 *   Agent-bot tokens are refused on the contact routes used here.
 * - `GET /api/v1/accounts/{account}/contacts/search?q=` → `{ payload: [contact] }`, 15 a page, matched
 *   with `ILIKE %q%` on name, email, phone_number and identifier, so the exact number is picked out here
 *   (app/controllers/api/v1/accounts/contacts_controller.rb#search, app/views/api/v1/accounts/contacts/search.json.jbuilder).
 *   A contact: `{ id, name, phone_number, identifier, contact_inboxes: [{ source_id, inbox: { id } }] }`
 *   (app/views/api/v1/models/_contact.json.jbuilder, _contact_inbox.json.jbuilder).
 * - `POST .../contacts` `{ inbox_id, name, phone_number (E.164, with +), identifier }` →
 *   `{ payload: { contact, contact_inbox: { inbox, source_id } } }`; a phone number or identifier
 *   already taken is a 422 (contacts_controller.rb#create, app/views/api/v1/accounts/contacts/create.json.jbuilder,
 *   swagger/definitions/request/contact/create_payload.yml).
 * - `GET .../contacts/{contact}/conversations` → `{ payload: [conversation] }`, newest first, at most 20,
 *   only in inboxes the token's user belongs to (app/controllers/api/v1/accounts/contacts/conversations_controller.rb).
 *   A conversation: `{ id (the display id every route takes), inbox_id, status, labels, priority }`
 *   (app/views/api/v1/conversations/partials/_conversation.json.jbuilder).
 * - `POST .../contacts/{contact}/contact_inboxes` `{ inbox_id }` → `{ source_id, inbox }`, for a contact
 *   that has no address in the inbox yet (app/controllers/api/v1/accounts/contacts/contact_inboxes_controller.rb).
 * - `POST .../conversations` `{ source_id, inbox_id, contact_id, status }` → the conversation
 *   (app/controllers/api/v1/accounts/conversations_controller.rb#create, swagger/definitions/request/conversation/create_payload.yml).
 * - `GET .../conversations/{id}` → the conversation; 404 once deleted (conversations_controller.rb#show).
 * - `GET .../conversations/{id}/messages[?before=<message id>]` → `{ meta, payload: [message] }`, the 20
 *   latest (or the 20 before that id), oldest first (app/finders/message_finder.rb).
 * - `POST .../conversations/{id}/messages` `{ content, message_type: 'outgoing', private: true,
 *   content_attributes }` → the message (app/builders/messages/message_builder.rb,
 *   swagger/definitions/request/conversation/create_message_payload.yml).
 * - `POST .../conversations/{id}/labels` `{ labels: [...] }` → `{ payload: [...] }`: it REPLACES the
 *   conversation's labels (app/controllers/concerns/label_concern.rb, swagger/paths/application/conversation/labels/create.yml).
 * - `POST .../conversations/{id}/toggle_priority` `{ priority: 'urgent' }` → 200, empty: despite the name
 *   it sets the priority given (Conversation#toggle_priority in app/models/conversation.rb,
 *   swagger/paths/application/conversation/toggle_priority.yml).
 *
 * Idempotency (the outbox delivers at least once):
 * - Contact and conversation are looked up before anything is created, on every attempt, so a retry after
 *   a partial failure (or a lost response) finds what the earlier attempt made. A 422 on creating the
 *   contact (another replica made it meanwhile) is answered by searching again.
 * - The note carries the action's idempotency key in `content_attributes.callbridge_key`. Chatwoot's
 *   `echo_id` is no use for this: it is an `attr_accessor` on Message, echoed once and never stored
 *   (app/models/message.rb). Before posting into a conversation it did not just create, the sender reads
 *   the conversation's latest messages and skips the note when one carries the key. Chatwoot versions
 *   whose MessageBuilder drops unknown content attributes are covered too: there, a private note with the
 *   very same text and no key of ours counts as the earlier attempt.
 * - Labels are merged with the conversation's own (never replaced), and only posted when one is missing;
 *   the priority is set only when it is not `urgent` already, and never lowered.
 * - Alerts about one caller are sent one after the other within a process, so two alerts arriving
 *   together do not both create a contact or a conversation.
 */

export interface ChatwootOptions {
  /** The Chatwoot base URL, e.g. `https://chat.example.com`. */
  url: string;
  accountId: number;
  inboxId: number;
  /** A user's access token (Profile settings → Access Token). */
  apiToken: string;
  /** IANA time zone for the times in notes; UTC (and marked so) when absent. */
  timeZone?: string | undefined;
  connections?: number;
  timeout?: number;
  /** How many callers' contact and conversation ids are remembered. */
  cacheSize?: number;
}

/** The key of the content attribute that carries the action's idempotency key. */
export const NOTE_KEY_ATTRIBUTE = 'callbridge_key';

/** How far back (by time) the note check reads a conversation's messages, pages of 20, at most this many pages. */
const NOTE_CHECK_PAGES = 5;
/** Slack for clocks that disagree between callbridge and Chatwoot. */
const NOTE_CHECK_SKEW_MS = 10 * 60_000;

export function createChatwootSender(opts: ChatwootOptions): AlertSender {
  const http = new HttpTarget(opts.url, { connections: opts.connections ?? 4, timeout: opts.timeout ?? 10_000 });
  const account = `/api/v1/accounts/${opts.accountId}`;
  const headers = { api_access_token: opts.apiToken };
  const inboxId = opts.inboxId;
  const time = noteTimeFormat(opts.timeZone);
  const known = new Lru<string, Known>(opts.cacheSize ?? 10_000);
  /** Notes this process has seen Chatwoot accept, by idempotency key. */
  const posted = new Lru<string, true>(1_000);
  const queues = new Map<string, Promise<unknown>>();

  const get = (path: string, query?: Record<string, string>) =>
    http.request('GET', account + path, { headers, ...(query ? { query } : {}) });
  const post = (path: string, json: unknown) => http.request('POST', account + path, { headers, json });

  /** A request whose 404 means "what we remembered is gone", not a failure. */
  async function orGone<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof HttpError && err.statusCode === 404) throw new Gone(err.message);
      throw err;
    }
  }

  async function searchContact(s: Subject): Promise<ContactRef | null> {
    const res = obj(await get('/contacts/search', { q: s.phone ?? s.identifier }));
    if (!res) throw unexpected('GET /contacts/search');
    // The search matches substrings: +1555000111 also finds +15550001112.
    const found = list(res.payload)
      .map(obj)
      .find((c) => (s.phone ? c?.phone_number === s.phone : c?.identifier === s.identifier));
    return found ? (toContact(found, inboxId) ?? null) : null;
  }

  async function createContact(s: Subject): Promise<ContactRef> {
    let res: unknown;
    try {
      res = await post('/contacts', {
        inbox_id: inboxId,
        name: s.name,
        identifier: s.identifier,
        ...(s.phone ? { phone_number: s.phone } : {}),
      });
    } catch (err) {
      // Taken meanwhile (another replica, or a lost answer to our own earlier attempt): use that one.
      if (err instanceof HttpError && err.statusCode === 422) {
        const again = await searchContact(s);
        if (again) return again;
      }
      throw err;
    }
    const payload = obj(obj(res)?.payload);
    const contact = toContact(payload?.contact ?? payload, inboxId);
    if (!contact) throw unexpected('POST /contacts');
    return { id: contact.id, sourceId: str(obj(payload?.contact_inbox)?.source_id) ?? contact.sourceId };
  }

  async function sourceIdOf(contact: ContactRef): Promise<string> {
    if (contact.sourceId) return contact.sourceId;
    // A contact made elsewhere (another inbox, an import) has no address in ours yet.
    const res = obj(await orGone(post(`/contacts/${contact.id}/contact_inboxes`, { inbox_id: inboxId })));
    const sourceId = str(res?.source_id);
    if (!sourceId) throw unexpected('POST /contacts/:id/contact_inboxes');
    contact.sourceId = sourceId;
    return sourceId;
  }

  /** Open, pending or snoozed: any conversation not resolved is the one an agent is (or will be) looking at. */
  const current = (c: ConversationView) => c.inboxId === inboxId && c.status !== 'resolved';

  async function findConversation(contact: ContactRef): Promise<ConversationView | null> {
    const res = obj(await orGone(get(`/contacts/${contact.id}/conversations`)));
    if (!res) throw unexpected('GET /contacts/:id/conversations');
    const open = list(res.payload)
      .map(toConversation)
      .filter((c): c is ConversationView => c !== undefined && current(c))
      .sort((a, b) => b.id - a.id);
    return open[0] ?? null;
  }

  async function createConversation(contact: ContactRef): Promise<ConversationView> {
    const sourceId = await sourceIdOf(contact);
    const res = await orGone(
      post('/conversations', { source_id: sourceId, inbox_id: inboxId, contact_id: contact.id, status: 'open' }),
    );
    const conversation = toConversation(res);
    if (!conversation) throw unexpected('POST /conversations');
    return { ...conversation, labels: conversation.labels ?? [] };
  }

  /** The remembered conversation if it is still current; null when it was resolved, moved or deleted. */
  async function stillCurrent(id: number): Promise<ConversationView | null> {
    const res = await http.request('GET', `${account}/conversations/${id}`, { headers, nullOn404: true });
    const c = res === null ? undefined : toConversation(res);
    return c && current(c) ? c : null;
  }

  async function hasNote(conversationId: number, alert: Alert, content: string): Promise<boolean> {
    const since = alert.at - NOTE_CHECK_SKEW_MS;
    let before: number | undefined;
    for (let page = 0; page < NOTE_CHECK_PAGES; page++) {
      const res = obj(
        await orGone(get(`/conversations/${conversationId}/messages`, before ? { before: String(before) } : undefined)),
      );
      if (!res) throw unexpected('GET /conversations/:id/messages');
      const messages = list(res.payload).map(obj);
      for (const m of messages) {
        const attrs = obj(m?.content_attributes);
        const key = attrs?.[NOTE_KEY_ATTRIBUTE];
        if (key === alert.key) return true;
        // A Chatwoot that drops content attributes: the same private text, carrying no key of ours.
        if (m?.private === true && m.content === content && key === undefined) return true;
      }
      const oldest = messages[0];
      const oldestId = num(oldest?.id);
      const oldestAt = num(oldest?.created_at);
      if (messages.length < 20 || oldestId === undefined || oldestAt === undefined || oldestAt * 1000 < since) break;
      before = oldestId;
    }
    return false;
  }

  /** The caller's current conversation in the inbox: remembered, found, or made (`created`). */
  async function conversationOf(s: Subject): Promise<{ c: ConversationView; created: boolean }> {
    const remembered = known.get(s.key);
    if (remembered?.conversationId != null) {
      const c = await stillCurrent(remembered.conversationId);
      if (c) return { c, created: false };
    }
    // Searched every time nothing is remembered: a retry finds what an earlier attempt created.
    const contact = remembered?.contact ?? (await searchContact(s)) ?? (await createContact(s));
    known.set(s.key, { contact, conversationId: null });
    const found = await findConversation(contact);
    const c = found ?? (await createConversation(contact));
    known.set(s.key, { contact, conversationId: c.id });
    return { c, created: found === null };
  }

  async function deliver(alert: Alert, s: Subject, note: ChatwootNote): Promise<void> {
    const { c, created } = await conversationOf(s);

    // A conversation made just now cannot hold the note yet; any other might, from an earlier attempt.
    if (!posted.get(alert.key) && (created || !(await hasNote(c.id, alert, note.content)))) {
      await orGone(
        post(`/conversations/${c.id}/messages`, {
          content: note.content,
          message_type: 'outgoing',
          private: true,
          content_type: 'text',
          content_attributes: { [NOTE_KEY_ATTRIBUTE]: alert.key },
        }),
      );
    }
    posted.set(alert.key, true);

    if (note.labels.length > 0) {
      const labels =
        c.labels ??
        list(obj(await orGone(get(`/conversations/${c.id}/labels`)))?.payload).filter(
          (l): l is string => typeof l === 'string',
        );
      const missing = note.labels.filter((l) => !labels.includes(l));
      if (missing.length > 0) await orGone(post(`/conversations/${c.id}/labels`, { labels: [...labels, ...missing] }));
    }
    if (note.priority && c.priority !== note.priority) {
      await orGone(post(`/conversations/${c.id}/toggle_priority`, { priority: note.priority }));
    }
  }

  async function send(alert: Alert, s: Subject): Promise<void> {
    const note = chatwootNote(alert, time);
    try {
      await deliver(alert, s, note);
    } catch (err) {
      if (!(err instanceof Gone)) throw err;
      // Deleted or merged in Chatwoot since this process remembered it: look everything up afresh, once.
      known.delete(s.key);
      try {
        await deliver(alert, s, note);
      } catch (again) {
        if (again instanceof Gone) throw new HttpError(again.message, false, 404);
        throw again;
      }
    }
  }

  return {
    send: async (alert) => {
      const s = subjectOf(alert.data);
      if (!s) throw new HttpError('Chatwoot: the alert names no caller, so there is no contact to write to', false);
      // One caller's alerts one after the other: two at once would both create the contact and conversation.
      const previous = queues.get(s.key) ?? Promise.resolve();
      const mine = previous.then(() => send(alert, s));
      const tail = mine.catch(() => undefined);
      queues.set(s.key, tail);
      void tail.then(() => {
        if (queues.get(s.key) === tail) queues.delete(s.key);
      });
      return mine;
    },
    close: () => http.close(),
  };
}
