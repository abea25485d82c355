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
};

const channels: AlertChannel[] = ['slack', 'webhook'];

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

/** The alert data every call alert starts from. */
export function callAlertData(call: Call, reason: string, extra: Partial<AlertData> = {}): AlertData {
  return {
    session: call.session,
    callId: call.callId,
    caller: call.caller,
    number: call.caller ? phoneOf(call.caller) : null,
    name: null,
    isVideo: call.isVideo,
    status: call.status,
    vip: call.isVip,
    level: call.level,
    callsInWindow: null,
    reason,
    priority: null,
    message: null,
    profile: null,
    conversionSeconds: null,
    ...extra,
  };
}
