import type { SessionEntry } from '../sessions.js';
import { isoOrNull } from './time.js';

/** A session as `GET /api/sessions` lists it: where it lives in its gateway, and its last call. */
export const sessionView = (id: string, entry: SessionEntry, lastCallAt: number | null) => ({
  id,
  gateway: entry.gateway,
  name: entry.name,
  pattern: entry.pattern,
  lastCallAt: isoOrNull(lastCallAt),
});
