import { execFileSync } from 'node:child_process';
import SQLite from 'better-sqlite3';
import { callReceived } from '../src/sim/webhooks.js';

/**
 * Fills a migrated SQLite database with finished calls up to `total` stored events, as a long-lived
 * installation would have them: per call its event, call row, caller, and sent redirect with its try.
 * Written directly in large transactions (minutes through the HTTP path); callbridge must be stopped.
 */
export function preloadHistory(file: string, total: number): { added: number; ms: number } {
  const started = Date.now();
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const have = (db.prepare('select count(*) as n from events').get() as { n: number }).n;
  const insertEvent = db.prepare(
    `insert into events (gateway, event_id, session, type, call_id, outcome, received_at, body) values ('local', ?, 'default', 'call.received', ?, 'processed', ?, ?)`,
  );
  const insertCall = db.prepare(
    `insert into calls (session, call_id, caller, is_video, is_group, from_me, status, received_at, ended_at, redirect_skipped, updated_at) values ('default', ?, ?, 0, 0, 0, 'missed', ?, ?, null, ?)`,
  );
  const insertCaller = db.prepare(
    `insert into callers (session, caller, last_redirect_at, updated_at) values ('default', ?, ?, ?)`,
  );
  // A successful try is kept on the action since migration 010; a build before it (an A/B run) has a row for it.
  const tryOnAction = (db.pragma('table_info(actions)') as Array<{ name: string }>).some(
    (c) => c.name === 'done_started_at',
  );
  const insertAction = db.prepare(
    tryOnAction
      ? `insert into actions (key, kind, session, call_id, payload, status, attempts, next_attempt_at, expires_at, claimed_until, last_error, created_at, updated_at, done_started_at, done_duration_ms) values (?, 'sendRedirect', 'default', ?, ?, 'done', 1, ?, ?, null, null, ?, ?, ?, 3)`
      : `insert into actions (key, kind, session, call_id, payload, status, attempts, next_attempt_at, expires_at, claimed_until, last_error, created_at, updated_at) values (?, 'sendRedirect', 'default', ?, ?, 'done', 1, ?, ?, null, null, ?, ?)`,
  );
  const insertAttempt = db.prepare(
    `insert into action_attempts (action_id, started_at, duration_ms, outcome, status_code, error) values (?, ?, 3, 'ok', null, null)`,
  );
  const template = 'Hi {{name}}! We saw you trying to call. We answer fastest here in chat: how can we help?';
  // History is spread over the past 30 days, oldest first.
  const span = 30 * 24 * 3600_000;
  const t0 = Date.now() - span;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = t0 + Math.floor((i / total) * span);
      const chatId = `8${String(i).padStart(11, '0')}@c.us`;
      const callId = `PRELOAD${String(i).padStart(12, '0')}`;
      insertEvent.run(`evt_preload_${i}`, callId, at, JSON.stringify(callReceived({ from: chatId, callId })));
      insertCall.run(callId, chatId, at, at + 60_000, at + 60_000);
      insertCaller.run(chatId, at, at);
      const key = `redirect:default:${callId}`;
      const payload = JSON.stringify({ chatId, template, isVideo: false });
      if (tryOnAction) insertAction.run(key, callId, payload, at, at + 120_000, at, at + 5, at + 2);
      else
        insertAttempt.run(insertAction.run(key, callId, payload, at, at + 120_000, at, at + 5).lastInsertRowid, at + 2);
    }
  });
  for (let i = have; i < total; i += 50_000) batch(i, Math.min(total, i + 50_000));
  // Written without fsync for speed, then synced in one go: otherwise the OS would flush the
  // gigabyte during the measured phase, and callbridge's own fsyncs would queue behind it.
  db.pragma('synchronous = FULL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  // The file system still holds work for the gigabyte just written (its journal, the truncated
  // WAL): the first fsync after this would pay for it, and measured, it is callbridge's first
  // checkpoint, hundreds of ms that no long-lived installation sees.
  execFileSync('sync');
  return { added: Math.max(0, total - have), ms: Date.now() - started };
}
