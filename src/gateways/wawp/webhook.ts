import { parseWahaWebhook } from '../waha/webhook.js';
import type { ParsedWebhook } from '../types.js';

/** Wawp sends WAHA's envelope; its accepted/rejected payloads carry only the call id, which the shared parser allows. */
export function parseWawpWebhook(body: unknown): ParsedWebhook {
  return parseWahaWebhook(body);
}
