import { phoneOf } from './jid.js';
import type { SessionSettings } from './types.js';

/**
 * The caller's language: `byCountry` of the longest calling code their number starts with, else
 * the default (also for a caller known only by a LID, which carries no number).
 */
export function callerLanguage(languages: SessionSettings['languages'], chatId: string | null): string {
  const number = chatId ? phoneOf(chatId) : null;
  if (number) {
    for (let len = Math.min(4, number.length); len > 0; len--) {
      const language = languages.byCountry[number.slice(0, len)];
      if (language) return language;
    }
  }
  return languages.default;
}
