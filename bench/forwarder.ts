import Fastify from 'fastify';
import { Pool } from 'undici';

/**
 * The ceiling: callbridge's three HTTP exchanges per event and nothing else. A bare Fastify route
 * parses the webhook, answers 200, then asks the simulated gateway for the contact and sends the
 * text over a keep-alive undici Pool of callbridge's default size; no storage, no policy, no retries.
 * Its delivered rate is what this machine allows any bridge of this shape. Configured by the
 * environment (FORWARD_TO, FORWARD_API_KEY); reports `{ type: 'ready', url }` over IPC.
 */
const pool = new Pool(process.env.FORWARD_TO!, { connections: 16, keepAliveTimeout: 30_000 });
const headers = { accept: 'application/json', 'x-api-key': process.env.FORWARD_API_KEY ?? '' };

async function forward(chatId: string): Promise<void> {
  const contact = await pool.request({
    method: 'GET',
    path: `/api/contacts?contactId=${encodeURIComponent(chatId)}&session=default`,
    headers,
  });
  await contact.body.dump();
  const sent = await pool.request({
    method: 'POST',
    path: '/api/sendText',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ session: 'default', chatId, text: 'We saw you calling; how can we help?' }),
  });
  await sent.body.dump();
}

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/webhooks/:gateway', async (req, reply) => {
  const json = JSON.parse((req.body as Buffer).toString('utf8')) as { id?: string; payload: { from: string } };
  forward(json.payload.from).catch((err: unknown) => console.error('forwarder:', (err as Error).message));
  return reply.code(200).send({ status: 'processed', eventId: json.id });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
process.on('disconnect', () => void app.close().then(() => pool.close().then(() => process.exit(0))));
