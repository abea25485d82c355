/**
 * Keywords as a caller may type them: whole message, any case, accents or none, surrounding spaces
 * and punctuation ignored ("Stop.", "baja", "PARAR!" and "Párar" all match).
 */
export function keywordForm(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
    .toUpperCase();
}

/** Added to every session's own keywords: callers write "stop" in their own language. */
export const DEFAULT_OPT_OUT = ['STOP', 'UNSUBSCRIBE', 'BAJA', 'PARAR', 'SAIR', 'CANCELAR', 'ARRET', 'STOPP'];
export const DEFAULT_RESUME = ['START', 'ALTA', 'VOLTAR', 'REPRENDRE'];

/** Whether a message is an opt-out (`stop`) or a resume (`start`) keyword of the session. */
export function optOutKeyword(
  text: string,
  settings: { keywords: ReadonlySet<string>; resume: ReadonlySet<string> },
): 'stop' | 'start' | null {
  // A keyword is one or two words; a longer message is a conversation, whatever word it starts with.
  if (text.length > 40) return null;
  const form = keywordForm(text);
  if (settings.keywords.has(form)) return 'stop';
  if (settings.resume.has(form)) return 'start';
  return null;
}
