import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {
  ChatwootRoute,
  ConversationStatus,
  PendingFailure,
  SimChatwootContact,
  SimChatwootConversation,
} from '../chatwoot.js';
import type { ChatwootState } from './state.js';

const E164 = /^\+[1-9]\d{1,14}$/;
const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;
const STATUSES: readonly ConversationStatus[] = ['open', 'resolved', 'pending', 'snoozed'];

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

function intOf(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** What the routes answer to beyond the records: the credentials, the inboxes, the faults a test injects. */
export interface ChatwootControl {
  apiToken: string;
  accountId: number;
  inboxIds: readonly number[];
  keepAttributes: boolean;
  requests: Record<ChatwootRoute, number>;
  failures: Map<ChatwootRoute, PendingFailure>;
  hooks: Map<ChatwootRoute, () => void>;
  isDown(): boolean;
}

/** The application API routes callbridge's Chatwoot sender uses, as the real Chatwoot answers them. */
export function registerChatwootRoutes(app: FastifyInstance, state: ChatwootState, control: ChatwootControl): void {
  const { apiToken, accountId, inboxIds, keepAttributes, requests, failures, hooks } = control;
  const { contacts, conversations, messages, inboxJson, contactJson, messageJson, conversationJson } = state;
  const { newContactInbox, newContact, newConversation, newMessage } = state;

  function error(reply: FastifyReply, status: number, body: Record<string, unknown>): FastifyReply {
    return reply.code(status).send(body);
  }
  // Api::V1::Accounts::BaseController / Api::BaseController: RecordNotFound → 404, RecordInvalid → 422.
  const notFound = (reply: FastifyReply) => error(reply, 404, { error: 'Resource could not be found' });
  const invalid = (reply: FastifyReply, message: string, attributes: string[]) =>
    error(reply, 422, { message, attributes });

  type Handler = (req: FastifyRequest, reply: FastifyReply) => unknown;
  /** A handler's answer for `head :ok`: 200 with no body. */
  const EMPTY = Symbol('empty');

  /**
   * Counts the request; answers 401 without the token (and 404 for another account), 503 when down,
   * or an injected failure (before the handler, or after it with `afterCommit`).
   */
  function route(name: ChatwootRoute, handler: Handler): Handler {
    return async (req, reply) => {
      requests[name]++;
      if (req.headers.api_access_token !== apiToken) return error(reply, 401, { error: 'Invalid Access Token' });
      if (intOf((req.params as { accountId?: string }).accountId) !== accountId) return notFound(reply);
      if (control.isDown()) return error(reply, 503, { error: 'Service Unavailable' });
      const hook = hooks.get(name);
      hooks.delete(name);
      hook?.();
      const pending = failures.get(name);
      if (pending && !pending.afterCommit) return fail(name, pending, reply);
      const result = await handler(req, reply);
      if (reply.sent) return reply;
      if (pending?.afterCommit) return fail(name, pending, reply);
      return result === EMPTY ? reply.code(200).send() : result;
    };
  }

  function fail(name: ChatwootRoute, pending: PendingFailure, reply: FastifyReply): FastifyReply {
    if (--pending.remaining <= 0) failures.delete(name);
    if (pending.retryAfter !== undefined) reply.header('Retry-After', pending.retryAfter);
    return error(reply, pending.status, { error: `simulated ${name} failure` });
  }

  const base = '/api/v1/accounts/:accountId';
  type P = { accountId: string; id?: string; conversationId?: string; contactId?: string };
  const conversationOf = (req: FastifyRequest) => conversations.get(intOf((req.params as P).id) ?? -1);

  // contacts_controller.rb#search: ILIKE %q% on name, email, phone_number, identifier; id when q is digits.
  app.get(
    `${base}/contacts/search`,
    route('contacts.search', (req, reply) => {
      const q = String(field(req.query, 'q') ?? '').trim();
      if (q === '') return error(reply, 422, { error: 'Specify search string with parameter q' });
      const page = intOf(field(req.query, 'page')) ?? 1;
      const needle = q.toLowerCase();
      const hits = [...contacts.values()].filter(
        (c) =>
          [c.name, c.email, c.phone_number, c.identifier].some((v) => v?.toLowerCase().includes(needle)) ||
          (/^\d+$/.test(q) && c.id === Number(q)),
      );
      const slice = hits.slice((page - 1) * 15, page * 15);
      return {
        meta: { count: slice.length, current_page: page, has_more: hits.length > page * 15 },
        payload: slice.map(contactJson),
      };
    }),
  );

  app.post(
    `${base}/contacts`,
    route('contacts.create', (req, reply) => {
      const body = req.body;
      const name = field(body, 'name');
      const phone = field(body, 'phone_number');
      const identifier = field(body, 'identifier');
      const inboxId = intOf(field(body, 'inbox_id'));
      if (phone !== undefined && (typeof phone !== 'string' || !E164.test(phone)))
        return invalid(reply, 'Phone number should be in e164 format', ['phone_number']);
      if (typeof phone === 'string' && [...contacts.values()].some((c) => c.phone_number === phone))
        return invalid(reply, 'Phone number has already been taken', ['phone_number']);
      if (typeof identifier === 'string' && [...contacts.values()].some((c) => c.identifier === identifier))
        return invalid(reply, 'Identifier has already been taken', ['identifier']);
      if (inboxId !== undefined && !inboxIds.includes(inboxId)) return notFound(reply);
      const contact = newContact({
        name: typeof name === 'string' ? name : '',
        ...(typeof phone === 'string' ? { phone_number: phone } : {}),
        ...(typeof identifier === 'string' ? { identifier } : {}),
      });
      const ci = inboxId === undefined ? null : newContactInbox(contact, inboxId);
      // app/views/api/v1/accounts/contacts/create.json.jbuilder
      return {
        payload: {
          contact: contactJson(contact),
          contact_inbox: { inbox: ci ? inboxJson(ci.inboxId) : null, source_id: ci?.sourceId ?? null },
        },
      };
    }),
  );

  // contacts/conversations_controller.rb#index: newest first, at most 20.
  app.get(
    `${base}/contacts/:id/conversations`,
    route('contacts.conversations', (req, reply) => {
      const contact = contacts.get(intOf((req.params as P).id) ?? -1);
      if (!contact) return notFound(reply);
      const own = [...conversations.values()]
        .filter((c) => c.contactId === contact.id)
        .sort((a, b) => b.id - a.id)
        .slice(0, 20);
      return { payload: own.map(conversationJson) };
    }),
  );

  app.post(
    `${base}/contacts/:id/contact_inboxes`,
    route('contactInboxes.create', (req, reply) => {
      const contact = contacts.get(intOf((req.params as P).id) ?? -1);
      const inboxId = intOf(field(req.body, 'inbox_id'));
      if (!contact || inboxId === undefined || !inboxIds.includes(inboxId)) return notFound(reply);
      const sourceId = field(req.body, 'source_id');
      const ci = newContactInbox(contact, inboxId, typeof sourceId === 'string' ? sourceId : undefined);
      return { source_id: ci.sourceId, inbox: inboxJson(ci.inboxId) };
    }),
  );

  // conversations_controller.rb#create: the contact inbox from inbox_id + contact_id, else from source_id.
  app.post(
    `${base}/conversations`,
    route('conversations.create', (req, reply) => {
      const body = req.body;
      const inboxId = intOf(field(body, 'inbox_id'));
      const contactId = intOf(field(body, 'contact_id'));
      const sourceId = field(body, 'source_id');
      const status = field(body, 'status') ?? 'open';
      if (!STATUSES.includes(status as ConversationStatus)) return invalid(reply, 'Status is invalid', ['status']);
      if (inboxId !== undefined && !inboxIds.includes(inboxId)) return notFound(reply);
      const contact = contactId === undefined ? undefined : contacts.get(contactId);
      if (contactId !== undefined && !contact) return notFound(reply);
      let found: { contact: SimChatwootContact; inboxId: number; sourceId: string } | undefined;
      if (contact && inboxId !== undefined) {
        const ci =
          contact.contactInboxes.find(
            (x) => x.inboxId === inboxId && (typeof sourceId !== 'string' || x.sourceId === sourceId),
          ) ?? newContactInbox(contact, inboxId, typeof sourceId === 'string' ? sourceId : undefined);
        found = { contact, ...ci };
      } else if (typeof sourceId === 'string') {
        for (const c of contacts.values()) {
          const ci = c.contactInboxes.find((x) => x.sourceId === sourceId);
          if (ci) found = { contact: c, ...ci };
        }
      }
      if (!found) return notFound(reply);
      const conversation = newConversation(
        found.contact.id,
        found.inboxId,
        found.sourceId,
        status as ConversationStatus,
      );
      return conversationJson(conversation);
    }),
  );

  app.get(
    `${base}/conversations/:id`,
    route('conversations.show', (req, reply) => {
      const c = conversationOf(req);
      return c ? conversationJson(c) : notFound(reply);
    }),
  );

  app.post(
    `${base}/conversations/:id/toggle_status`,
    route('conversations.toggleStatus', (req, reply) => {
      const c = conversationOf(req);
      if (!c) return notFound(reply);
      const status = field(req.body, 'status');
      if (status !== undefined && !STATUSES.includes(status as ConversationStatus))
        return invalid(reply, 'Status is invalid', ['status']);
      c.status = (status as ConversationStatus | undefined) ?? (c.status === 'open' ? 'resolved' : 'open');
      return { meta: {}, payload: { success: true, conversation_id: c.id, current_status: c.status } };
    }),
  );

  // message_finder.rb: the 20 latest, or the 20 before `before`, oldest first.
  app.get(
    `${base}/conversations/:id/messages`,
    route('messages.list', (req, reply) => {
      const c = conversationOf(req);
      if (!c) return notFound(reply);
      const before = intOf(field(req.query, 'before'));
      const own = messages.filter((m) => m.conversationId === c.id && (before === undefined || m.id < before));
      const contact = contacts.get(c.contactId);
      return {
        meta: {
          labels: [...c.labels],
          additional_attributes: {},
          contact: contact ? { id: contact.id, name: contact.name } : null,
          agent_last_seen_at: null,
        },
        payload: own.slice(-20).map(messageJson),
      };
    }),
  );

  app.post(
    `${base}/conversations/:id/messages`,
    route('messages.create', (req, reply) => {
      const c = conversationOf(req);
      if (!c) return notFound(reply);
      const content = field(req.body, 'content');
      if (typeof content !== 'string' || content === '') return invalid(reply, "Content can't be blank", ['content']);
      const type = field(req.body, 'message_type') ?? 'outgoing';
      const messageType = type === 'incoming' ? 0 : type === 'outgoing' ? 1 : undefined;
      if (messageType === undefined) return invalid(reply, 'Message type is invalid', ['message_type']);
      const attrs = field(req.body, 'content_attributes');
      const m = newMessage({
        conversationId: c.id,
        content,
        messageType,
        private: field(req.body, 'private') === true,
        contentAttributes: keepAttributes && typeof attrs === 'object' && attrs !== null ? { ...attrs } : {},
      });
      const echoId = field(req.body, 'echo_id');
      // echo_id is an attr_accessor: answered once, never stored.
      return { ...messageJson(m), ...(echoId === undefined ? {} : { echo_id: echoId }) };
    }),
  );

  app.get(
    `${base}/conversations/:id/labels`,
    route('labels.list', (req, reply) => {
      const c = conversationOf(req);
      return c ? { payload: [...c.labels] } : notFound(reply);
    }),
  );

  // label_concern.rb#create: replaces the list.
  app.post(
    `${base}/conversations/:id/labels`,
    route('labels.create', (req, reply) => {
      const c = conversationOf(req);
      if (!c) return notFound(reply);
      const labels = field(req.body, 'labels');
      c.labels = Array.isArray(labels) ? [...new Set(labels.filter((l): l is string => typeof l === 'string'))] : [];
      return { payload: [...c.labels] };
    }),
  );

  // Conversation#toggle_priority: sets the priority given (none clears it); head :ok.
  app.post(
    `${base}/conversations/:id/toggle_priority`,
    route('priority', (req, reply) => {
      const c = conversationOf(req);
      if (!c) return notFound(reply);
      const p = field(req.body, 'priority');
      if (p !== undefined && p !== null && !PRIORITIES.includes(p as (typeof PRIORITIES)[number]))
        return error(reply, 422, { error: `'${String(p)}' is not a valid priority` });
      c.priority = (p as SimChatwootConversation['priority'] | undefined) ?? null;
      return EMPTY;
    }),
  );
}
