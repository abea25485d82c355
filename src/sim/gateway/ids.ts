/** Reading the simulated gateway's requests, and the keys it files contacts and LIDs under. */

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function field(obj: unknown, key: string): string | undefined {
  return typeof obj === 'object' && obj !== null ? str((obj as Record<string, unknown>)[key]) : undefined;
}

/** Phone JIDs and bare numbers share one key so either form finds the contact. */
export function contactKey(idOrNumber: string): string {
  const s = idOrNumber.trim();
  const at = s.indexOf('@');
  if (at === -1) return s.replace(/^\+/, '');
  const server = s.slice(at + 1);
  return server === 'c.us' || server === 's.whatsapp.net' ? s.slice(0, at) : s;
}

export function lidJid(lid: string): string {
  return lid.includes('@') ? lid : `${lid}@lid`;
}
