import SQLite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** How often the WAL is copied into the database: a few hundred pages at a time at 500 calls/s. */
const EVERY_MS = 200;
/** Ticks with no new WAL frames before the WAL file is truncated to nothing (about 2 s quiet). */
const IDLE_TICKS = 10;

/**
 * The SQLite checkpointer thread (started beside the writer by WorkerPipeline). A checkpoint copies
 * the WAL's pages into the database file and fsyncs it; run by the writer's own connection, as SQLite
 * does by default, it happens inside a COMMIT and every webhook waiting on that commit waits for it.
 * Here it runs on a connection of its own in a thread of its own: PASSIVE never blocks the writer,
 * and busy_timeout 0 makes the idle TRUNCATE give way to it.
 */
const port = parentPort!;
const db = new SQLite((workerData as { file: string }).file);
db.pragma('busy_timeout = 0');

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

let lastLog = -1;
let quiet = 0;
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    if (!r) return;
    quiet = r.log === lastLog ? quiet + 1 : 0;
    lastLog = r.log;
    // Idle and fully copied: give the disk space of the WAL back.
    if (quiet === IDLE_TICKS && r.log > 0 && r.log === r.checkpointed) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // SQLITE_BUSY (the writer holds its lock): the next tick tries again.
  }
};
const timer = setInterval(tick, EVERY_MS);

port.on('message', (m: string) => {
  if (m !== 'close') return;
  clearInterval(timer);
  db.close();
  port.postMessage('closed');
});
port.postMessage('ready');
