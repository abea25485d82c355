import type { CallStatus, FrustrationLevel } from '../domain/types.js';
import type { ConvertedCall, StoredCall } from '../store/calls.js';
import { iso, isoOrNull } from './time.js';

/** A call as `GET /api/calls` and the live stream show it. */
export interface CallSummary {
  id: number;
  session: string;
  callId: string;
  caller: string | null;
  isVideo: boolean;
  isGroup: boolean;
  isVip: boolean;
  status: CallStatus;
  /** The caller's frustration level when the call came in. */
  level: FrustrationLevel | null;
  receivedAt: string;
  endedAt: string | null;
  redirect: { status: string; attempts: number; lastError: string | null; sentAt: string | null };
  /** Set when the redirected caller wrote within the conversion window. */
  conversion: { at: string; seconds: number } | null;
}

/** The redirect's state as a user reads it: the action's status (`sent` once done), or why there was none. */
function redirectOf(c: StoredCall): CallSummary['redirect'] {
  const sentAt = isoOrNull(c.redirectedAt);
  const a = c.redirectAction;
  if (a)
    return { status: a.status === 'done' ? 'sent' : a.status, attempts: a.attempts, lastError: a.lastError, sentAt };
  return {
    status: c.redirectSkipped ? `skipped:${c.redirectSkipped}` : 'none',
    attempts: 0,
    lastError: null,
    sentAt,
  };
}

const conversionOf = (redirectedAt: number | null, convertedAt: number | null) =>
  redirectedAt !== null && convertedAt !== null
    ? { at: iso(convertedAt), seconds: Math.round((convertedAt - redirectedAt) / 1000) }
    : null;

export function callSummary(c: StoredCall): CallSummary {
  return {
    id: c.id,
    session: c.session,
    callId: c.callId,
    caller: c.caller,
    isVideo: c.isVideo,
    isGroup: c.isGroup,
    isVip: c.isVip,
    status: c.status,
    level: c.level,
    receivedAt: iso(c.receivedAt),
    endedAt: isoOrNull(c.endedAt),
    redirect: redirectOf(c),
    conversion: conversionOf(c.redirectedAt, c.convertedAt),
  };
}

/** One of a caller's conversions, in their detail. */
export const conversionView = (c: ConvertedCall) => ({
  id: c.id,
  callId: c.callId,
  receivedAt: iso(c.receivedAt),
  redirectedAt: isoOrNull(c.redirectedAt),
  ...conversionOf(c.redirectedAt, c.convertedAt),
});
