import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type {
  ConversationStatus,
  SimChatwootContact,
  SimChatwootConversation,
  SimChatwootMessage,
} from '../chatwoot.js';

/** The simulated Chatwoot's memory, and its records as the real one renders them in JSON. */
export function chatwootState(accountId: number, clock: Clock) {
  const contacts = new Map<number, SimChatwootContact>();
  const conversations = new Map<number, SimChatwootConversation>();
  const messages: SimChatwootMessage[] = [];
  let nextContactId = 1;
  let nextDisplayId = 1;
  let nextMessageId = 1;
  const nowSeconds = () => Math.floor(clock.now() / 1000);

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

  function newMessage(m: Omit<SimChatwootMessage, 'id' | 'createdAt'>): SimChatwootMessage {
    const message: SimChatwootMessage = { id: nextMessageId++, ...m, createdAt: nowSeconds() };
    messages.push(message);
    return message;
  }

  return {
    contacts,
    conversations,
    messages,
    inboxJson,
    contactJson,
    messageJson,
    conversationJson,
    newContactInbox,
    newContact,
    newConversation,
    newMessage,
  };
}

export type ChatwootState = ReturnType<typeof chatwootState>;
