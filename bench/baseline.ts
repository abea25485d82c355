import Fastify from 'fastify';

/**
 * The yardstick: a bare Fastify route that reads the raw body, parses the same JSON callbridge
 * parses, and answers 200. Run as its own process, reporting `{ type: 'ready', url }` over IPC.
 */
const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/webhooks/:gateway', async (req, reply) => {
  const json = JSON.parse((req.body as Buffer).toString('utf8')) as { id?: string };
  return reply.code(200).send({ status: 'processed', eventId: json.id });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
