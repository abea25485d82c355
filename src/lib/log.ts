import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';

/**
 * The one logger, made before anything that may fail (the writer thread can die while the rest is
 * still starting) and handed to Fastify. Readable lines on a terminal or with `log.pretty`, JSON otherwise.
 */
export function createLogger(log: Config['log']): Logger {
  const pretty = log.pretty ?? process.stdout.isTTY === true;
  return pino({
    level: log.level,
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-webhook-hmac"]'],
    serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: loggedPath(req.url) }) },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { destination: 1 } } } : {}),
  });
}

/**
 * A request's path as logged: no query (a stream ticket travels there) and no webhook token (the
 * segment after `/webhooks/<gateway>/`).
 */
export function loggedPath(url: string): string {
  const path = url.split('?')[0]!;
  return path.replace(/^(\/webhooks\/[^/]+\/)[^/]+/, '$1<webhookToken>');
}
