import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  BUSINESS_HOURS_PLACEHOLDERS,
  MESSAGE_PLACEHOLDERS,
  type MessageTemplate,
  type Variant,
} from '../domain/types.js';
import { isMapping, templateText } from './fields.js';

// A text to a caller is written as a string, a list of variants (`"text"` or `{ text, weight }`),
// or a map from language to either. All three become one MessageTemplate: variants by language,
// `*` for a text written once for every language.

export const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
export const languageCode = z.string().regex(LANGUAGE, 'expected a language code like "en", "es" or "pt-BR"');

export const variantId = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

type Ctx = z.RefinementCtx;

/** Runs `schema` on `value`, reporting its problems at `path` (relative to the template). */
function check<T>(schema: z.ZodType<T>, value: unknown, ctx: Ctx, path: PropertyKey[]): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: [...path, ...issue.path] });
  return undefined;
}

const weight = z.number('expected a number').positive('a weight must be more than 0');

function variantsOf(value: unknown, body: z.ZodType<string>, ctx: Ctx, path: PropertyKey[]): Variant[] | undefined {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'a list of variants must not be empty', path });
    return undefined;
  }
  const variants: Variant[] = [];
  items.forEach((item, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (isMapping(item)) {
      const extra = Object.keys(item).filter((k) => k !== 'text' && k !== 'weight');
      if (extra.length > 0)
        ctx.addIssue({ code: 'custom', message: `allowed: text, weight (not ${extra.join(', ')})`, path: at });
      const text = check(body, item.text, ctx, [...at, 'text']);
      const w = item.weight === undefined ? 1 : check(weight, item.weight, ctx, [...at, 'weight']);
      if (text !== undefined && w !== undefined) variants.push({ text, weight: w, id: variantId(text) });
    } else {
      const text = check(body, item, ctx, at);
      if (text !== undefined) variants.push({ text, weight: 1, id: variantId(text) });
    }
  });
  return variants.length === items.length ? variants : undefined;
}

/** A text to a caller, using only `placeholders`; `fallback` when not configured. */
export function messageTemplate(placeholders: readonly string[] = MESSAGE_PLACEHOLDERS) {
  const body = templateText(placeholders);
  return z.unknown().transform((value, ctx): MessageTemplate => {
    // A map with `text` is one weighted variant, not a language called "text".
    if (!isMapping(value) || 'text' in value) return { '*': variantsOf(value, body, ctx, []) ?? [] };
    const byLanguage: Record<string, Variant[]> = {};
    for (const [language, texts] of Object.entries(value)) {
      if (!LANGUAGE.test(language)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a language code like "en", "es" or "pt-BR"',
          path: [language],
        });
        continue;
      }
      byLanguage[language] = variantsOf(texts, body, ctx, [language]) ?? [];
    }
    if (Object.keys(byLanguage).length === 0)
      ctx.addIssue({ code: 'custom', message: 'must name at least one language' });
    return byLanguage;
  });
}

/** A text with a default, as most of the session's texts are. */
export const message = (fallback: string) => messageTemplate().prefault(fallback);

/** A text for outside business hours: it may also say when the session opens (`{{opensAt}}`). */
export const closedMessage = () => messageTemplate([...MESSAGE_PLACEHOLDERS, ...BUSINESS_HOURS_PLACEHOLDERS]);
