import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.js';
import { parseWahaWebhook } from '../src/gateways/waha/webhook.js';
import { systemClock } from '../src/lib/clock.js';
import { Pipeline } from '../src/pipeline/index.js';
import { Sessions } from '../src/sessions.js';
import { callReceived } from '../src/sim/webhooks.js';
import { openStore } from '../src/store/db.js';
import { countStatements } from './statements.js';

/**
 * The writer's share of an event, alone in one thread: what the SQLite writer thread does for a
 * redirected call (ingest, record the send), N times, 256 at once, on a fresh file. Each has a
 * gateway connection held for it, as when the pool is not full: its commit marks the send.
 * `npx tsx bench/writer.ts 20000`; with `node --cpu-prof --import tsx bench/writer.ts` for its profile.
 * `BENCH_DATABASE_URL=postgres://...` runs it on PostgreSQL instead (an empty schema in its search_path).
 * `--statements` also prints the statements per call and the time in each (bench/statements.ts).
 */
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { statements: { type: 'boolean' } },
});
const n = Number(positionals[0] ?? 20_000);
const statements = args.statements ? countStatements() : null;
const dir = mkdtempSync(join(tmpdir(), 'callbridge-writer-'));
const config = parseConfig(
  {
    database: process.env.BENCH_DATABASE_URL ?? `sqlite:${join(dir, 'bench.db')}`,
    gateways: { local: { type: 'waha', url: 'http://127.0.0.1:9' } },
    sessions: { default: { gateway: 'local' } },
  },
  {},
);
const store = await openStore(config.database.url);
const sessions = new Sessions(config);
const pipeline = new Pipeline(store, sessions, config.dispatch.lease, systemClock);
const bodies = Array.from({ length: n }, (_, i) =>
  JSON.stringify(callReceived({ from: `${15_550_000_000 + i}@c.us` })),
);

const one = async (i: number) => {
  const text = bodies[i]!;
  const parsed = parseWahaWebhook(JSON.parse(text));
  const done = await pipeline.ingest({
    gateway: 'local',
    eventId: parsed.eventId,
    type: parsed.type,
    session: sessions.forWebhook('local', parsed.session) ?? null,
    sessionName: parsed.session,
    event: parsed.event,
    body: text,
    connectionHeld: true,
  });
  for (const action of done.actions) {
    const at = systemClock.now();
    if (!action.markedByCommit) await pipeline.startSending(action, at);
    const sent = { text: 'hi', name: null };
    const result = { actionId: action.id, startedAt: at, durationMs: 1, outcome: 'ok' as const, statusCode: 200 };
    await pipeline.recordAttempt(action, { ...result, error: null, nextAttemptAt: null, attempted: true, sent });
  }
};

statements?.start();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 256 }, async () => {
    while (next < n) await one(next++);
  }),
);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(
  `${n} redirected calls in ${Math.round(ms)} ms: ${Math.round((n / ms) * 1000)}/s, ` +
    `CPU ${Math.round((cpu.user + cpu.system) / n)} µs per call`,
);
if (statements) console.log(statements.report(n));
await pipeline.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
