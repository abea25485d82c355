import type { z } from 'zod';
import { InvalidWebhook } from './types.js';

/** Validates `value` (found at `prefix` in the body); the error names the first bad field's path. */
export function parseAt<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)';
  throw new InvalidWebhook(`${path}: ${issue.message}`, path);
}
