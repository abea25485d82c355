import { z } from 'zod';
import { formatDuration, parseDuration } from '../duration.js';

// Building blocks of the schema. Values that arrive through `${VAR}` are always strings, so
// numbers and booleans also accept their string spelling.

/** A strict object whose unknown-key error lists the keys that are allowed. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  const allowed = `allowed: ${Object.keys(shape).join(', ')}`;
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? allowed : undefined),
  });
}

export function integer(min: number, max: number, fallback: number) {
  const message = `expected a whole number from ${min} to ${max}`;
  return z
    .preprocess(
      (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
      z.int(message).min(min, message).max(max, message),
    )
    .default(fallback);
}

export function flag(fallback: boolean) {
  return z
    .preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean('expected true or false'))
    .default(fallback);
}

/** `"90s"`-style strings, or a whole number of ms (also as a digit string, as from `${VAR}`). */
function toMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  return /^\d+$/.test(value) ? toMs(Number(value)) : parseDuration(value);
}

/** A duration in ms; `min` rejects zero where it would spin a loop or fire a timer at once. */
export function duration(fallback: string, min = 0) {
  return z
    .unknown()
    .transform((value, ctx) => {
      const ms = toMs(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration like "2m"' });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${formatDuration(min)}` });
        return z.NEVER;
      }
      return ms;
    })
    .prefault(fallback);
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };

/** A number of bytes, or a digit string with an optional `b` / `kb` / `mb` unit (binary multiples). */
function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? /^(\d+)(b|kb|mb)?$/i.exec(value) : null;
  if (!match) return undefined;
  const [, amount = '', unit = 'b'] = match;
  return Number(amount) * (SIZE_UNITS[unit.toLowerCase()] ?? Number.NaN);
}

export function size(fallback: number) {
  return z
    .unknown()
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === undefined || !Number.isSafeInteger(bytes) || bytes < 1) {
        ctx.addIssue({ code: 'custom', message: 'expected a size like "256kb" or "1mb" (or a number of bytes)' });
        return z.NEVER;
      }
      return bytes;
    })
    .prefault(fallback);
}

export const text = z.string().min(1, 'must not be empty');

/** Anything written as a placeholder, `{{ name | default }}` or a typo alike: unfilled, it is sent as written or dropped. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * A message template that may use only `placeholders`, each template declaring its own set (a
 * placeholder nobody fills would be dropped, or sent as typed, to every caller).
 */
export function templateText(placeholders: readonly string[]) {
  const allowed = placeholders.map((p) => `{{${p}}}`).join(', ');
  return text.superRefine((source, ctx) => {
    const used = [...source.matchAll(PLACEHOLDER)].map((m) => (m[1] ?? '').split('|')[0]!.trim());
    const unknown = [...new Set(used.filter((p) => !placeholders.includes(p)))];
    if (unknown.length === 0) return;
    const named = unknown.map((p) => `{{${p}}}`).join(', ');
    ctx.addIssue({
      code: 'custom',
      message: `unknown placeholder${unknown.length > 1 ? 's' : ''} ${named}; this template may use ${allowed}`,
    });
  });
}

/** An empty value (typically `${VAR:-}` with VAR unset) means "not configured". */
export const secret = z
  .string()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** A secret someone must present (a bearer token): long enough not to be guessed. */
export function token(min = 16) {
  return z
    .string()
    .transform((s) => (s === '' ? undefined : s))
    .refine((t) => t === undefined || t.length >= min, `must be at least ${min} characters`)
    .optional();
}

function isHttpUrl(s: string): boolean {
  if (!URL.canParse(s)) return false;
  const { protocol } = new URL(s);
  return protocol === 'http:' || protocol === 'https:';
}

export const httpUrl = z.string().refine(isHttpUrl, 'expected an http(s) URL like "https://example.com"');

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
