import { phoneOf } from './jid.js';
import type { ActionSpec, AlertChannel, AlertData, AlertKind, AlertType, Call, SessionSettings } from './types.js';

const alertTypeOf: Record<AlertKind, AlertType> = {
  received: 'call.received',
  redirected: 'call.redirected',
  answered: 'call.answered',
  rejected: 'call.rejected',
  missed: 'call.missed',
  vip: 'call.vip',
  stressed: 'caller.stressed',
  escalated: 'chat.escalated',
  group: 'call.group',
};

const channels: AlertChannel[] = ['slack', 'webhook', 'chatwoot'];

/**
 * One alert action per channel the session routes this kind to. `subject` names what the alert is
 * about (a call, a caller's window, a message), so the same alert decided twice is written once.
 */
export function alertActions(
  settings: SessionSettings,
  kind: AlertKind,
  subject: string,
  data: AlertData,
  now: number,
): ActionSpec[] {
  const type = alertTypeOf[kind];
  return channels
    .filter((channel) => settings.alerts[channel].has(kind))
    .map((channel) => ({
      kind: 'alert' as const,
      key: `alert:${channel}:${type}:${settings.session}:${subject}`,
      expiresAt: now + settings.alertExpireAfter,
      payload: { channel, type, at: now, data },
    }));
}

/** Alert data about a caller: every field present (null when unknown), so the CRM sees one schema. */
export function callerAlertData(
  session: string,
  caller: string | null,
  reason: string,
  extra: Partial<AlertData> = {},
): AlertData {
  return {
    session,
    callId: null,
    caller,
    number: caller ? phoneOf(caller) : null,
    name: null,
    isVideo: null,
    status: null,
    vip: false,
    level: null,
    callsInWindow: null,
    reason,
    priority: null,
    message: null,
    profile: null,
    ...extra,
  };
}

/** The alert data every call alert starts from. */
export function callAlertData(call: Call, reason: string, extra: Partial<AlertData> = {}): AlertData {
  const { callId, isVideo, status, isVip: vip, level } = call;
  return callerAlertData(call.session, call.caller, reason, { callId, isVideo, status, vip, level, ...extra });
}
