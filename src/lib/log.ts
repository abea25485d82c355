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
    ...(pretty ? { transport: { target: 'pino-pretty', options: { destination: 1 } } } : {}),
  });
}
