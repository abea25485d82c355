import { checkChatId, parseGroupId } from '../domain/jid.js';

/** Who a webhook says is calling or writing: a person's chat, a group's, or why it is neither. */
export type Chat = { chatId: string; isGroup: boolean } | { problem: string };

/**
 * Reads a chat id found at `path` in a webhook with the strict validator: junk is never cleaned
 * into a number someone else owns, it is named, and the event is then stored and not acted on.
 */
export function readChat(raw: string, path: string): Chat {
  const group = parseGroupId(raw);
  if (group !== null) return { chatId: group, isGroup: true };
  const checked = checkChatId(raw);
  return checked.ok ? { chatId: checked.chatId, isGroup: false } : { problem: `${path}: ${checked.problem}` };
}
