import { startSimGateway } from './gateway.js';

/**
 * Runs the simulated gateway as its own process (the benchmark's, so it does not share a core with
 * the load generator). Configured by the environment: SIM_PORT (0 = any), SIM_API_KEY.
 * When started with an IPC channel it reports `{ type: 'ready', url }`, then every accepted text as
 * `{ type: 'sent', sent: [[chatId, at], ...] }`, batched; `at` is `performance.timeOrigin + performance.now()`,
 * comparable across processes on one machine. The message `{ type: 'reset' }` clears the recordings.
 */
const FLUSH_EVERY_MS = 20;

const gateway = await startSimGateway({
  port: Number(process.env.SIM_PORT ?? 0),
  host: '127.0.0.1',
  ...(process.env.SIM_API_KEY ? { apiKey: process.env.SIM_API_KEY } : {}),
});

const send = process.send?.bind(process);
if (send) {
  let batch: Array<[string, number]> = [];
  gateway.onSent((s) => batch.push([s.chatId, performance.timeOrigin + performance.now()]));
  setInterval(() => {
    if (batch.length === 0) return;
    send({ type: 'sent', sent: batch });
    batch = [];
  }, FLUSH_EVERY_MS);
  process.on('message', (m: { type?: string }) => {
    // The recordings grow with every text; a long benchmark clears them between phases.
    if (m.type === 'reset') gateway.reset();
  });
  process.on('disconnect', () => void gateway.close().then(() => process.exit(0)));
  send({ type: 'ready', url: gateway.url });
} else {
  console.log(`simulated gateway listening on ${gateway.url}`);
}

const stop = () => void gateway.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
