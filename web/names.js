// Callers' names as the calls and the queue tell them, for the views whose API has none (callers).
const names = new Map();
const key = (session, caller) => `${session}\n${caller}`;

export function rememberName(session, caller, name) {
  if (caller && name) names.set(key(session, caller), name);
}

export const nameOf = (session, caller) => names.get(key(session, caller)) ?? null;
