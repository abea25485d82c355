/** The domain vocabulary. Pure data: no I/O, no clock. Times are epoch milliseconds. */

export type CallStatus = 'ringing' | 'answered' | 'rejected' | 'missed';

/** What a gateway webhook (or a timer that fell due) means, once an adapter has parsed it. */
export type CallEvent =
  | {
      type: 'call.ringing';
      callId: string;
      /** The caller's chat id (`2222@c.us` or `1551@lid`); null when the gateway did not say. */
      caller: string | null;
      isVideo: boolean;
      isGroup: boolean;
      fromMe: boolean;
    }
  | { type: 'call.answered'; callId: string; caller: string | null }
  | { type: 'call.rejected'; callId: string; caller: string | null }
  /** The ring timeout timer fell due. */
  | { type: 'call.timeout'; callId: string };

export interface Call {
  session: string;
  callId: string;
  caller: string | null;
  isVideo: boolean;
  isGroup: boolean;
  fromMe: boolean;
  status: CallStatus;
  receivedAt: number;
  endedAt: number | null;
  /** Why no redirect was attempted for this call, when none was. */
  redirectSkipped: RedirectSkipReason | null;
}

export type RedirectSkipReason = 'disabled' | 'debounced' | 'group' | 'from_me' | 'no_caller' | 'late';

/** What the policy knows about a caller on one session. */
export interface CallerState {
  lastRedirectAt: number | null;
}

export interface RedirectSettings {
  enabled: boolean;
  debounce: number;
  expireAfter: number;
  voice: string;
  video: string;
}

export interface SessionSettings {
  session: string;
  ringTimeout: number;
  rejectCalls: boolean;
  redirect: RedirectSettings;
}

/** A side effect to run after commit. `key` makes it idempotent: one row per key, ever. */
export type ActionSpec =
  | {
      kind: 'sendRedirect';
      key: string;
      expiresAt: number;
      payload: { chatId: string; template: string; isVideo: boolean };
    }
  | {
      kind: 'rejectCall';
      key: string;
      expiresAt: number;
      payload: { chatId: string; callId: string };
    };

export interface TimerSpec {
  key: string;
  kind: 'ringTimeout';
  dueAt: number;
  callId: string;
}

/** Everything a decision changes; applied in one transaction by the store, or not at all. */
export interface Decision {
  /** The call row as it must be after this event; null leaves it untouched. */
  call: Call | null;
  /** New caller state; applied only if the stored state still equals the one decided on. */
  caller: CallerState | null;
  actions: ActionSpec[];
  timers: TimerSpec[];
  cancelTimers: string[];
}
