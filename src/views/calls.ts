import type { CallStatus, FrustrationLevel } from '../domain/types.js';
import type { ConvertedCall, StoredCall } from '../store/calls.js';
import { iso, isoOrNull } from './time.js';

/** A call as `GET /api/calls` and the live stream show it. */
export interface CallSummary {
  id: number;
  session: string;
  callId: string;
  caller: string | null;
  /** The name the caller was greeted with (VIP list, CRM or the gateway's contact), when known. */
  name: string | null;
  isVideo: boolean;
  isGroup: boolean;
  isVip: boolean;
  status: CallStatus;
  /** The caller's frustration level when the call came in. */
  level: FrustrationLevel | null;
  receivedAt: string;
  endedAt: string | null;
  /** Whether the session was outside its business hours when the call rang. */
  closed: boolean;
  language: string | null;
  redirect: {
    status: string;
    attempts: number;
    lastError: string | null;
    sentAt: string | null;
    /** The config key of its text, and which of its variants. */
    template: string | null;
    variant: { index: number; id: string } | null;
    /** Exactly what the caller got, once the gateway took it. */
    text: string | null;
  };
  /** Set when the redirected caller wrote within the conversion window, with what they wrote. */
  conversion: { at: string; seconds: number; text: string | null } | null;
}

/** The redirect's state as a user reads it: the action's status (`sent` once done), or why there was none. */
function redirectOf(c: StoredCall): CallSummary['redirect'] {
  const chosen = { sentAt: isoOrNull(c.redirectedAt), template: c.template, variant: c.variant };
  const a = c.redirectAction;
  if (a)
    return {
      status: a.status === 'done' ? 'sent' : a.status,
      attempts: a.attempts,
      lastError: a.lastError,
      ...chosen,
      text: a.sentText,
    };
  return {
    status: c.redirectSkipped ? `skipped:${c.redirectSkipped}` : 'none',
    attempts: 0,
    lastError: null,
    ...chosen,
    text: null,
  };
}

const conversionOf = (redirectedAt: number | null, convertedAt: number | null) =>
  redirectedAt !== null && convertedAt !== null
    ? { at: iso(convertedAt), seconds: Math.round((convertedAt - redirectedAt) / 1000) }
    : null;

export function callSummary(c: StoredCall): CallSummary {
  const conversion = conversionOf(c.redirectedAt, c.convertedAt);
  return {
    id: c.id,
    session: c.session,
    callId: c.callId,
    caller: c.caller,
    name: c.name,
    isVideo: c.isVideo,
    isGroup: c.isGroup,
    isVip: c.isVip,
    status: c.status,
    level: c.level,
    receivedAt: iso(c.receivedAt),
    endedAt: isoOrNull(c.endedAt),
    closed: c.closed,
    language: c.language,
    redirect: redirectOf(c),
    conversion: conversion && { ...conversion, text: c.reply },
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
