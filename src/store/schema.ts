import type { Generated } from 'kysely';

/** Table types. Times are epoch ms; booleans are 0/1 and JSON is text, so SQLite and PostgreSQL share every query. */
export interface Database {
  events: EventsTable;
  calls: CallsTable;
  callers: CallersTable;
  actions: ActionsTable;
  action_attempts: ActionAttemptsTable;
  timers: TimersTable;
  vips: VipsTable;
  feed: FeedTable;
  optouts: OptoutsTable;
  work_items: WorkItemsTable;
  work_item_calls: WorkItemCallsTable;
}

export interface EventsTable {
  id: Generated<number>;
  /** The gateway name from the config; `callbridge` in rows of older versions (fired timers, delivered redirects). */
  gateway: string;
  event_id: string;
  session: string | null;
  type: string;
  call_id: string | null;
  /** processed | ignored | unknown_session | invalid_caller */
  outcome: string;
  received_at: number;
  body: string;
}

export interface CallsTable {
  id: Generated<number>;
  session: string;
  call_id: string;
  caller: string | null;
  is_video: number;
  is_group: number;
  from_me: number;
  status: string;
  received_at: number;
  ended_at: number | null;
  redirect_skipped: string | null;
  updated_at: number;
  is_vip: number;
  level: string | null;
  redirected_at: number | null;
  converted_at: number | null;
  /** The name the caller was greeted with (VIP list, CRM or the gateway's contact), once known. */
  name: string | null;
  /** 1 when the session was closed at the moment the call rang; null for calls before business hours existed. */
  closed: number | null;
  language: string | null;
  /** The config key of the redirect's text: voice, video, repeat, repeatStressed, closed.voice, closed.video, group. */
  template: string | null;
  variant_index: number | null;
  /** First 8 hex of the SHA-256 of the variant's text: stable while the text is. */
  variant_id: string | null;
  /** The caller's first message after the redirect (the one that converted the call). */
  reply: string | null;
}

export interface CallersTable {
  session: string;
  caller: string;
  /** Bumped on every write: the compare-and-set that keeps replicas from deciding on stale state. */
  version: number;
  last_call_at: number | null;
  last_redirect_at: number | null;
  last_redirected_call_id: string | null;
  stressed_at: number | null;
  escalate_until: number | null;
  welcomed_at: number | null;
  updated_at: number;
  /** The name the last text to the caller was delivered with; no decision writes it. */
  name: string | null;
}

export interface VipsTable {
  session: string;
  caller: string;
  name: string | null;
  created_at: number;
}

export interface ActionsTable {
  id: Generated<number>;
  /** Idempotency key: one action per key, ever, whichever replica decided it. */
  key: string;
  kind: string;
  session: string;
  call_id: string | null;
  payload: string;
  /** pending | done | failed | expired */
  status: string;
  attempts: number;
  next_attempt_at: number;
  expires_at: number | null;
  /** Lease: while in the future, one dispatcher owns the action and no other claims it. */
  claimed_until: number | null;
  /** When the attempt now on the wire started; null when none is (see migrations/005_sending.ts). */
  sending_since: number | null;
  /** The text the gateway accepted, as rendered for the caller. */
  sent_text: string | null;
  /** The attempt that succeeded, when and how long (see migrations/010_done_attempt.ts). */
  done_started_at: number | null;
  done_duration_ms: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface ActionAttemptsTable {
  id: Generated<number>;
  action_id: number;
  started_at: number;
  duration_ms: number;
  /** ok | retry | failed | expired */
  outcome: string;
  status_code: number | null;
  error: string | null;
}

export interface TimersTable {
  id: Generated<number>;
  key: string;
  kind: string;
  session: string;
  call_id: string;
  due_at: number;
  claimed_until: number | null;
}

/** Callers who wrote an opt-out keyword: no automated text reaches them until they write a resume keyword. */
export interface OptoutsTable {
  session: string;
  caller: string;
  at: number;
}

export interface FeedTable {
  /** With `tx`, the row's feed position (store/feedPosition.ts). */
  id: Generated<number>;
  /** The PostgreSQL transaction that wrote the row; 0 on SQLite and on rows older than migration 009. */
  tx: Generated<number>;
  session: string;
  /** '' on a work item's row. */
  call_id: string;
  /** The work item that changed, or null on a call's row. */
  item_id: number | null;
  created_at: number;
}

/** The agents' work queue (migrations/007_queue.ts): at most one open item (done_at null) per caller. */
export interface WorkItemsTable {
  id: Generated<number>;
  session: string;
  caller: string;
  /** missed | vip | p1: follows `priority`. */
  kind: string;
  /** 1 missed, 2 vip, 3 p1: a join only ever raises it. */
  priority: number;
  opened_at: number;
  /** The call that opened the item; null for a P1 opened by a message. */
  call_id: string | null;
  /** The caller's last message while the item is open. */
  message: string | null;
  claimed_by: string | null;
  claimed_at: number | null;
  done_by: string | null;
  done_at: number | null;
  /** replied | called_back | no_action | auto */
  resolution: string | null;
  note: string | null;
  updated_at: number;
}

export interface WorkItemCallsTable {
  item_id: number;
  call_id: string;
}
