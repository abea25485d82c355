import { z } from 'zod';
import { InvalidWebhook } from './types.js';

/**
 * Ids and names a webhook gives are stored whole, in columns of their own (the dedupe key, the
 * session, the type): a bound keeps the row of a junk event small. Real ones are a few dozen
 * characters.
 */
export const idField = z.string().min(1).max(256);
export const nameField = z.string().min(1).max(128);

/** Validates `value` (found at `prefix` in the body); the error names the first bad field's path. */
export function parseAt<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';
  throw new InvalidWebhook(`${path}: ${issue.message}`, path);
}

/**
 * How deep a webhook body may nest. Real ones nest a handful of levels; a body nested thousands
 * deep parses, but JSON.stringify overflows the stack once it is stored and served back.
 */
export const MAX_NESTING = 64;

/**
 * Whether raw JSON text nests deeper than `limit`, found by scanning its bytes once (no recursion,
 * no parse): brackets inside strings, escaped quotes included, do not count. UTF-8 continuation
 * bytes are never ASCII, so a byte scan cannot mistake them for brackets.
 */
export function nestsDeeperThan(raw: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c)
        i++; // `\`: the next byte is escaped, whatever it is
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
