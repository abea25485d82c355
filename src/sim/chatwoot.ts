import Fastify from 'fastify';
import { systemClock, type Clock } from '../lib/clock.js';
import { registerChatwootRoutes } from './chatwoot/routes.js';
import { chatwootState } from './chatwoot/state.js';

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

export const ROUTES: readonly ChatwootRoute[] = [
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

/** A failure injected with `failNext`, until `remaining` requests have had it. */
export interface PendingFailure {
  remaining: number;
  status: number;
  retryAfter?: string;
  afterCommit: boolean;
}

export async function startSimChatwoot(opts: SimChatwootOptions = {}): Promise<SimChatwoot> {
  const apiToken = opts.apiToken ?? 'sim-chatwoot-token';
  const accountId = opts.accountId ?? 1;
  const inboxIds = opts.inboxIds ?? [1];
  const requests = Object.fromEntries(ROUTES.map((r) => [r, 0])) as Record<ChatwootRoute, number>;
  const failures = new Map<ChatwootRoute, PendingFailure>();
  const hooks = new Map<ChatwootRoute, () => void>();
  let down = false;
  const state = chatwootState(accountId, opts.clock ?? systemClock);
  const { contacts, conversations, messages, newContact, newContactInbox, newConversation, newMessage } = state;

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

  registerChatwootRoutes(app, state, {
    apiToken,
    accountId,
    inboxIds,
    keepAttributes: opts.keepContentAttributes ?? true,
    requests,
    failures,
    hooks,
    isDown: () => down,
  });

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
      return newMessage({ conversationId, content: text, messageType: 0, private: false, contentAttributes: {} });
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
