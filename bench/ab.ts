import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildWebhooks, Deliveries, deliveredRound, webhookPool } from './load.js';
import { forkReporting, startCallbridgeProcess, type Child } from './processes.js';
import { median } from './stats.js';

/**
 * Two callbridge builds side by side: `npx tsx bench/ab.ts <dist-a> <dist-b> [--rounds 4]`, each a
 * directory `npm run build` made (e.g. of a `git worktree` at another commit). Both run at once
 * on SQLite against one simulated gateway (from the second build), and are loaded in alternating
 * 5 s rounds closed on delivery, as the benchmark's throughput phase does, so the machine's
 * drift lands on both. Prints delivered events/s and CPU µs per event of each, per round.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '4' } },
});
if (positionals.length !== 2) {
  console.error('usage: npx tsx bench/ab.ts <dist-a> <dist-b> [--rounds N]');
  process.exit(2);
}
const dists = positionals.map((p) => resolve(p));
const d = new Deliveries();
const children: Child[] = [];
const dir = mkdtempSync(join(tmpdir(), 'callbridge-ab-'));
try {
  const sim = await forkReporting(join(dists[1]!, 'sim', 'server.js'), {
    env: { SIM_API_KEY: 'ab-key' },
    onMessage: (m) => {
      const msg = m as { type?: string; sent?: Array<[string, number]> };
      if (msg.type === 'sent' && msg.sent) d.arrived(msg.sent);
    },
  });
  children.push(sim);
  const contenders = [];
  for (const [i, dist] of dists.entries()) {
    const name = i === 0 ? 'A' : 'B';
    const bridge = await startCallbridgeProcess({
      cli: join(dist, 'cli.js'),
      dir,
      name,
      database: `sqlite:${join(dir, `${name}.db`)}`,
      gatewayUrl: sim.url,
      apiKey: 'ab-key',
      hmacKey: 'ab-hmac',
    });
    children.push(bridge);
    contenders.push({ name, dist, bridge, pool: webhookPool(bridge.url), rates: [] as number[], cpu: [] as number[] });
  }
  let phase = 0;
  for (let r = 1; r <= Number(values.rounds); r++) {
    for (const c of contenders) {
      const hooks = buildWebhooks(++phase, 40_000, 'ab-hmac');
      await sleep(500);
      const round = await deliveredRound(
        { pool: c.pool, pid: c.bridge.proc.pid! },
        sim.proc.pid!,
        d,
        hooks,
        5000,
        1000,
      );
      c.rates.push(round.perSecond);
      c.cpu.push(round.cpuUsPerEvent.callbridge);
      console.log(`round ${r} ${c.name}: ${round.perSecond} delivered/s, ${c.cpu.at(-1)} µs CPU per event`);
    }
  }
  for (const c of contenders) {
    console.log(
      `${c.name} (${c.dist}): delivered/s ${c.rates.join(', ')} (median ${median(c.rates)}); CPU µs/event ${c.cpu.join(', ')} (median ${median(c.cpu)})`,
    );
    await c.pool.close();
  }
} finally {
  await Promise.all(children.map((c) => c.stop()));
  rmSync(dir, { recursive: true, force: true });
}
