import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../lib/clock.js';

/**
 * A simulated Chatwoot: the application API routes callbridge's Chatwoot sender uses, with the paths,
 * envelopes and status codes of the real one (see src/alerts/chatwoot.ts for where each comes from).
 * Contacts, conversations, messages, labels and priority live in memory. It can be made to fail:
 * down (503 everywhere), or one route failing N times, before or after it did its work (a lost answer).
 */

export type ChatwootRoute =
  | 'contacts.search'
  | 'contacts.create'
  | 'contacts.conversations'
  | 'contactInboxes.create'
  | 'conversations.create'
  | 'conversations.show'
  | 'conversations.toggleStatus'
  | 'messages.list'
  | 'messages.create'
  | 'labels.list'
  | 'labels.create'
  | 'priority';

const ROUTES: readonly ChatwootRoute[] = [
  'contacts.search',
  'contacts.create',
  'contacts.conversations',
  'contactInboxes.create',
  'conversations.create',
  'conversations.show',
  'conversations.toggleStatus',
  'messages.list',
  'messages.create',
  'labels.list',
  'labels.create',
  'priority',
];

export interface SimChatwootOptions {
  apiToken?: string;
  accountId?: number;
  /** Inboxes of the account (all `Channel::Api`, as WAHA's and Evolution's Chatwoot integrations use). */
  inboxIds?: number[];
  /**
   * Whether `content_attributes` sent with a message are stored. Chatwoot's MessageBuilder keeps them in
   * current versions; older ones kept only the keys they knew. False plays an older one.
   */
  keepContentAttributes?: boolean;
  /** Stamps what is created; tests pass callbridge's. */
  clock?: Clock;
}

export interface SimChatwootContact {
  id: number;
  name: string;
  phone_number: string | null;
  identifier: string | null;
  email: string | null;
  contactInboxes: Array<{ inboxId: number; sourceId: string }>;
}

export type ConversationStatus = 'open' | 'resolved' | 'pending' | 'snoozed';

export interface SimChatwootConversation {
  /** The display id: what every route takes and the API calls `id`. */
  id: number;
  contactId: number;
  inboxId: number;
  sourceId: string;
  status: ConversationStatus;
  labels: string[];
  priority: 'urgent' | 'high' | 'medium' | 'low' | null;
  createdAt: number;
}

export interface SimChatwootMessage {
  id: number;
  conversationId: number;
  content: string;
  /** 0 incoming, 1 outgoing, 2 activity, 3 template (as the API sends it). */
  messageType: number;
  private: boolean;
  contentAttributes: Record<string, unknown>;
  /** Epoch seconds, as the API sends it. */
  createdAt: number;
}

export interface SimChatwoot {
  readonly url: string;
  readonly apiToken: string;
  readonly accountId: number;
  readonly inboxIds: readonly number[];
  readonly contacts: ReadonlyMap<number, SimChatwootContact>;
  readonly conversations: ReadonlyMap<number, SimChatwootConversation>;
  readonly messages: readonly SimChatwootMessage[];
  /** Every request that reached a route, whatever it was answered. */
  readonly requests: Record<ChatwootRoute, number>;
  /** Private notes, oldest first; of one conversation when given. */
  notes(conversationId?: number): SimChatwootMessage[];
  /** A contact made by someone else (an agent, the gateway's own Chatwoot integration). */
  addContact(c: { name: string; phone_number?: string; identifier?: string; inboxId?: number }): SimChatwootContact;
  /** A conversation made by someone else, with an incoming message when `text` is given. */
  addConversation(
    contactId: number,
    inboxId: number,
    opts?: { text?: string; labels?: string[] },
  ): SimChatwootConversation;
  /** An incoming message from the contact. */
  addMessage(conversationId: number, text: string): SimChatwootMessage;
  setStatus(conversationId: number, status: ConversationStatus): void;
  deleteConversation(conversationId: number): void;
  deleteContact(contactId: number): void;
  /** While down, every route answers 503. */
  setDown(on: boolean): void;
  /**
   * The next `n` requests to `route` fail with `status`. With `afterCommit`, the route does its work
   * first and only the answer is lost: the case that makes a retry find what the first attempt made.
   */
  failNext(
    route: ChatwootRoute,
    n: number,
    status?: number,
    opts?: { retryAfter?: string; afterCommit?: boolean },
  ): void;
  /** Runs `fn` just before the next request to `route` is handled: another writer acting in between. */
  beforeNext(route: ChatwootRoute, fn: () => void): void;
  waitFor(predicate: (c: SimChatwoot) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface PendingFailure {
  remaining: number;
  status: number;
  retryAfter?: string;
  afterCommit: boolean;
}

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

export async function startSimChatwoot(opts: SimChatwootOptions = {}): Promise<SimChatwoot> {
  const apiToken = opts.apiToken ?? 'sim-chatwoot-token';
  const accountId = opts.accountId ?? 1;
  const inboxIds = opts.inboxIds ?? [1];
  const keepAttributes = opts.keepContentAttributes ?? true;
  const contacts = new Map<number, SimChatwootContact>();
  const conversations = new Map<number, SimChatwootConversation>();
  const messages: SimChatwootMessage[] = [];
  const requests = Object.fromEntries(ROUTES.map((r) => [r, 0])) as Record<ChatwootRoute, number>;
  const failures = new Map<ChatwootRoute, PendingFailure>();
  const hooks = new Map<ChatwootRoute, () => void>();
  let down = false;
  let nextContactId = 1;
  let nextDisplayId = 1;
  let nextMessageId = 1;

  const app = Fastify({ logger: false, forceCloseConnections: true });
  // Body-less POSTs with a JSON content type are fine (toggle_priority with no priority clears it).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, {});
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      Object.assign(err as Error, { statusCode: 400 });
      done(err as Error, undefined);
    }
  });

  const inboxJson = (id: number) => ({ id, name: `Inbox ${id}`, channel_type: 'Channel::Api', channel_id: id });

  // app/views/api/v1/models/_contact.json.jbuilder (with_contact_inboxes)
  const contactJson = (c: SimChatwootContact) => ({
    additional_attributes: {},
    availability_status: 'offline',
    email: c.email,
    id: c.id,
    name: c.name,
    phone_number: c.phone_number,
    identifier: c.identifier,
    thumbnail: '',
    custom_attributes: {},
    contact_inboxes: c.contactInboxes.map((ci) => ({ source_id: ci.sourceId, inbox: inboxJson(ci.inboxId) })),
  });

  // app/views/api/v1/models/_message.json.jbuilder
  const messageJson = (m: SimChatwootMessage) => ({
    id: m.id,
    content: m.content,
    inbox_id: conversations.get(m.conversationId)?.inboxId ?? null,
    conversation_id: m.conversationId,
    message_type: m.messageType,
    content_type: 'text',
    status: 'sent',
    content_attributes: m.contentAttributes,
    created_at: m.createdAt,
    private: m.private,
    source_id: null,
    sender: m.messageType === 1 ? { id: 1, name: 'Agent', type: 'user' } : { id: 0, type: 'contact' },
  });

  // app/views/api/v1/conversations/partials/_conversation.json.jbuilder
  const conversationJson = (c: SimChatwootConversation) => {
    const own = messages.filter((m) => m.conversationId === c.id);
    const last = own.at(-1);
    const contact = contacts.get(c.contactId);
    return {
      meta: { sender: contact ? contactJson(contact) : null, channel: 'Channel::Api', hmac_verified: false },
      id: c.id,
      messages: last ? [messageJson(last)] : [],
      account_id: accountId,
      uuid: randomUUID(),
      additional_attributes: {},
      agent_last_seen_at: 0,
      assignee_last_seen_at: 0,
      can_reply: true,
      contact_last_seen_at: 0,
      custom_attributes: {},
      inbox_id: c.inboxId,
      labels: [...c.labels],
      muted: false,
      snoozed_until: null,
      status: c.status,
      created_at: c.createdAt,
      timestamp: last?.createdAt ?? c.createdAt,
      unread_count: 0,
      last_activity_at: last?.createdAt ?? c.createdAt,
      priority: c.priority,
      waiting_since: 0,
    };
  };

  const clock = opts.clock ?? systemClock;
  const nowSeconds = () => Math.floor(clock.now() / 1000);

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
      if (down) return error(reply, 503, { error: 'Service Unavailable' });
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

  function newContactInbox(contact: SimChatwootContact, inboxId: number, sourceId?: string) {
    const ci = { inboxId, sourceId: sourceId ?? randomUUID() };
    contact.contactInboxes.push(ci);
    return ci;
  }

  function newContact(c: { name: string; phone_number?: string; identifier?: string }): SimChatwootContact {
    const contact: SimChatwootContact = {
      id: nextContactId++,
      name: c.name,
      phone_number: c.phone_number ?? null,
      identifier: c.identifier ?? null,
      email: null,
      contactInboxes: [],
    };
    contacts.set(contact.id, contact);
    return contact;
  }

  function newConversation(contactId: number, inboxId: number, sourceId: string, status: ConversationStatus) {
    const c: SimChatwootConversation = {
      id: nextDisplayId++,
      contactId,
      inboxId,
      sourceId,
      status,
      labels: [],
      priority: null,
      createdAt: nowSeconds(),
    };
    conversations.set(c.id, c);
    return c;
  }

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
      const m: SimChatwootMessage = {
        id: nextMessageId++,
        conversationId: c.id,
        content,
        messageType,
        private: field(req.body, 'private') === true,
        contentAttributes: keepAttributes && typeof attrs === 'object' && attrs !== null ? { ...attrs } : {},
        createdAt: nowSeconds(),
      };
      messages.push(m);
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

  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  const sim: SimChatwoot = {
    url: `http://127.0.0.1:${port}`,
    apiToken,
    accountId,
    inboxIds,
    contacts,
    conversations,
    messages,
    requests,
    notes: (conversationId) =>
      messages.filter((m) => m.private && (conversationId === undefined || m.conversationId === conversationId)),
    addContact(c) {
      const contact = newContact(c);
      if (c.inboxId !== undefined) newContactInbox(contact, c.inboxId);
      return contact;
    },
    addConversation(contactId, inboxId, o = {}) {
      const contact = contacts.get(contactId);
      if (!contact) throw new Error(`no contact ${contactId}`);
      const ci = contact.contactInboxes.find((x) => x.inboxId === inboxId) ?? newContactInbox(contact, inboxId);
      const c = newConversation(contactId, inboxId, ci.sourceId, 'open');
      c.labels = [...(o.labels ?? [])];
      if (o.text !== undefined) sim.addMessage(c.id, o.text);
      return c;
    },
    addMessage(conversationId, text) {
      if (!conversations.has(conversationId)) throw new Error(`no conversation ${conversationId}`);
      const m: SimChatwootMessage = {
        id: nextMessageId++,
        conversationId,
        content: text,
        messageType: 0,
        private: false,
        contentAttributes: {},
        createdAt: nowSeconds(),
      };
      messages.push(m);
      return m;
    },
    setStatus(conversationId, status) {
      const c = conversations.get(conversationId);
      if (!c) throw new Error(`no conversation ${conversationId}`);
      c.status = status;
    },
    deleteConversation(conversationId) {
      conversations.delete(conversationId);
      for (let i = messages.length - 1; i >= 0; i--)
        if (messages[i]!.conversationId === conversationId) messages.splice(i, 1);
    },
    deleteContact(contactId) {
      contacts.delete(contactId);
      for (const c of [...conversations.values()]) if (c.contactId === contactId) sim.deleteConversation(c.id);
    },
    setDown(on) {
      down = on;
    },
    failNext(name, n, status = 503, o = {}) {
      failures.set(name, {
        remaining: n,
        status,
        afterCommit: o.afterCommit ?? false,
        ...(o.retryAfter === undefined ? {} : { retryAfter: o.retryAfter }),
      });
    },
    beforeNext(name, fn) {
      hooks.set(name, fn);
    },
    async waitFor(predicate, timeoutMs = 5000) {
      // A test's deadline: real time, whatever the clock says.
      const deadline = performance.now() + timeoutMs;
      while (!predicate(sim)) {
        if (performance.now() > deadline)
          throw new Error(`simulated Chatwoot: condition not met within ${timeoutMs}ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => app.close(),
  };
  return sim;
}
