/** WhatsApp chat ids: `<digits>@c.us` for phones, `<digits>@lid` for hidden numbers, `...@g.us` for groups. */

/** The phone number in a chat id, or null when it is a LID, a group, or no valid chat id at all. */
export function phoneOf(chatId: string): string | null {
  const id = parseChatId(chatId);
  return id?.endsWith('@c.us') ? id.slice(0, -'@c.us'.length) : null;
}

/**
 * The spelling to look a chat up by (an API query, a URL): its one spelling when it is a valid chat
 * id, else as given, which matches nothing stored. Never cleans junk into digits: `abc1@c.us` is
 * not the chat of 1.
 */
export function normaliseChatId(raw: string): string {
  return parseChatId(raw) ?? raw.trim();
}

const GROUP = /^\d{1,20}(?:-\d{1,20})?@g\.us$/;

/** A group chat's id (`120363025246125486@g.us`, or the older `<creator>-<time>@g.us`), or null. */
export function parseGroupId(raw: string): string | null {
  const s = raw.trim();
  return GROUP.test(s) ? s : null;
}

/** E.164 allows up to 15 digits; no country's numbers are shorter than 7 with the country code. */
export const PHONE_DIGITS = { min: 7, max: 15 } as const;

/** Either a chat id in its one spelling (`15550001111@c.us`, `1551234@lid`), or why the input is none. */
export type ChatIdCheck = { ok: true; chatId: string } | { ok: false; problem: string };

const PHONE_JID = /^(\d+)(?::\d+)?@(?:c\.us|s\.whatsapp\.net)$/;
// A LID is a number WhatsApp assigns, not a phone number: no length rule beyond what fits 64 bits.
const LID = /^(\d{1,20})(?::\d+)?@lid$/;
/** How people write phone numbers: digits with spaces, dashes, dots or brackets, and a leading `+`. */
const WRITTEN_PHONE = /^\+?[\d ().-]+$/;

/**
 * The one validator of chat ids: a WhatsApp address (`<7 to 15 digits>[:device]@c.us` or
 * `@s.whatsapp.net`, or `<digits>[:device]@lid`), or a phone number as a person writes it
 * (`+1 555-000-1111`). Anything else is refused, never cleaned into digits: `abc@c.us` is not
 * the chat of some number.
 */
export function checkChatId(raw: unknown): ChatIdCheck {
  if (typeof raw !== 'string') return { ok: false, problem: 'expected a WhatsApp number or chat id' };
  const s = raw.trim();
  const lid = LID.exec(s);
  if (lid) return { ok: true, chatId: `${lid[1]}@lid` };
  const digits = PHONE_JID.exec(s)?.[1] ?? (WRITTEN_PHONE.test(s) ? s.replace(/\D/g, '') : null);
  if (digits !== null && digits.length >= PHONE_DIGITS.min && digits.length <= PHONE_DIGITS.max) {
    return { ok: true, chatId: `${digits}@c.us` };
  }
  const shown = JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
  if (s.endsWith('@lid')) return { ok: false, problem: `${shown} is not a WhatsApp chat id (digits@lid)` };
  return {
    ok: false,
    problem: `${shown} is not a WhatsApp number (${PHONE_DIGITS.min} to ${PHONE_DIGITS.max} digits)`,
  };
}

/** The chat id in its one spelling, or null when `raw` is none (see `checkChatId`). */
export function parseChatId(raw: unknown): string | null {
  const checked = checkChatId(raw);
  return checked.ok ? checked.chatId : null;
}
