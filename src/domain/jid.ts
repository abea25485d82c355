/** WhatsApp chat ids: `<digits>@c.us` for phones, `<digits>@lid` for hidden numbers, `...@g.us` for groups. */

/** The phone number in a chat id, or null when it is a LID or a group (the number is unknown). */
export function phoneOf(chatId: string): string | null {
  const [user, server] = chatId.split('@');
  if (!user) return null;
  if (server === undefined || server === 'c.us' || server === 's.whatsapp.net') {
    const digits = user.split(':')[0]!.replace(/\D/g, '');
    return digits.length > 0 ? digits : null;
  }
  return null;
}

/** One spelling per caller: `+1 555-000 1111`, `15550001111`, `15550001111@s.whatsapp.net` → `15550001111@c.us`. */
export function normaliseChatId(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.endsWith('@lid') || trimmed.endsWith('@g.us')) return trimmed;
  const phone = phoneOf(trimmed);
  return phone ? `${phone}@c.us` : trimmed;
}
