import type { AlertData } from '../../domain/types.js';
import { HttpError } from '../../lib/http.js';

/** Chatwoot's JSON answers read defensively, and what the sender remembers of them. */

export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function unexpected(what: string): HttpError {
  // Not worth a retry: a 2xx that is not Chatwoot's answer is a wrong URL, not an outage.
  return new HttpError(`Chatwoot: unexpected answer to ${what}`, false);
}

export interface ContactRef {
  id: number;
  /** The contact's address in our inbox, when it has one. */
  sourceId: string | null;
}

export interface ConversationView {
  id: number;
  inboxId: number | undefined;
  status: string | undefined;
  /** Undefined when the answer did not list them (then they are read before merging). */
  labels: string[] | undefined;
  priority: string | null;
}

export function toContact(v: unknown, inboxId: number): ContactRef | undefined {
  const c = obj(v);
  const id = num(c?.id);
  if (!c || id === undefined) return undefined;
  const ci = list(c.contact_inboxes)
    .map(obj)
    .find((x) => num(obj(x?.inbox)?.id) === inboxId);
  return { id, sourceId: str(ci?.source_id) ?? null };
}

export function toConversation(v: unknown): ConversationView | undefined {
  const c = obj(v);
  const id = num(c?.id);
  if (!c || id === undefined) return undefined;
  const labels = Array.isArray(c.labels) ? c.labels.filter((l): l is string => typeof l === 'string') : undefined;
  return { id, inboxId: num(c.inbox_id), status: str(c.status), labels, priority: str(c.priority) ?? null };
}

/** Who the alert is about, as Chatwoot knows contacts: by E.164 number, else by the chat id (a LID). */
export interface Subject {
  key: string;
  phone: string | null;
  identifier: string;
  name: string;
}

export function subjectOf(d: AlertData): Subject | null {
  if (!d.caller) return null;
  const phone = d.number ? `+${d.number}` : null;
  return { key: phone ?? d.caller, phone, identifier: d.caller, name: d.name ?? phone ?? d.caller };
}

/** A map that forgets its least recently used entries past `max`. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  delete(k: K): void {
    this.map.delete(k);
  }
}

export interface Known {
  contact: ContactRef;
  conversationId: number | null;
}

/** A 404 on something this process remembered: it was deleted (or merged) in Chatwoot meanwhile. */
export class Gone extends Error {}
