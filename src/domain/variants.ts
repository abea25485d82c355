import type { MessageTemplate, RedirectSettings, SessionSettings, Variant } from './types.js';

/** The text chosen for one message: its source (placeholders still in it) and which variant it is. */
export interface ChosenText {
  template: string;
  variant: { index: number; id: string };
}

/** 32 well-mixed bits of a string (FNV-1a, then murmur3's finaliser): ids that differ in one digit land far apart. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A variant by weight, the same one every time for the same seed (a call id), so a replayed event sends the same text. */
export function pickVariant(variants: readonly Variant[], seed: string): number {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  let point = (hash32(seed) / 2 ** 32) * total;
  for (let i = 0; i < variants.length; i++) {
    point -= variants[i]!.weight;
    if (point < 0) return i;
  }
  return variants.length - 1;
}

/**
 * The text of `template` for a caller of `language`: that language's variants, else the ones
 * written for every language, else the session's default language's (the config checks that a
 * template written by language has the default one).
 */
export function chooseText(template: MessageTemplate, language: string, fallback: string, seed: string): ChosenText {
  const variants = template[language] ?? template['*'] ?? template[fallback] ?? Object.values(template)[0] ?? [];
  const index = pickVariant(variants, seed);
  const v = variants[index];
  return { template: v?.text ?? '', variant: { index, id: v?.id ?? '' } };
}

/**
 * A session's redirect texts by the key a call records them under (`voice`, `closed.video`,
 * `group`...), the closed ones only when configured.
 */
export function redirectTexts(redirect: RedirectSettings): Array<[key: string, template: MessageTemplate]> {
  const open = (['voice', 'video', 'repeat', 'repeatStressed', 'group'] as const).map(
    (key): [string, MessageTemplate] => [key, redirect[key]],
  );
  const closed = Object.entries(redirect.closed).flatMap(([key, t]): Array<[string, MessageTemplate]> =>
    t ? [[`closed.${key}`, t]] : [],
  );
  return [...open, ...closed];
}

/** A variant's text as the session's config has it now; null once the text is no longer configured. */
export function variantText(settings: SessionSettings, key: string, id: string): string | null {
  const template = redirectTexts(settings.redirect).find(([k]) => k === key)?.[1];
  if (!template) return null;
  for (const variants of Object.values(template)) for (const v of variants) if (v.id === id) return v.text;
  return null;
}
