import type { IncomingMessage } from 'node:http';
import { catalogError } from './errors.js';

/**
 * How much past the limit a body is still read, and thrown away, before the 413 goes out. A client
 * still writing when the socket closes (Node's fetch) gets EPIPE instead of the answer; reading the
 * rest lets it read the 413. Past this the answer goes out at once: reading more would cost
 * bandwidth for nothing.
 */
export const DRAIN_LIMIT = 1024 * 1024;

type Done = (err: Error | null, body?: Buffer) => void;

/**
 * A content-type parser's body: the raw bytes, up to `limit`; over it, a 413 `body_too_large`
 * answered once the body has been read to its end, or DRAIN_LIMIT past the limit.
 */
export function readRawBody(payload: IncomingMessage, limit: number, done: Done): void {
  // Fastify closes the connection after any parser error, once the answer is written.
  const tooLarge = () => done(catalogError('bodyTooLarge', limit));
  if (Number(payload.headers['content-length']) > limit + DRAIN_LIMIT) return tooLarge();
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received <= limit) chunks.push(chunk);
    else chunks.length = 0;
    if (received > limit + DRAIN_LIMIT) {
      stop();
      tooLarge();
    }
  };
  const onEnd = () => {
    stop();
    if (received > limit) tooLarge();
    else done(null, Buffer.concat(chunks, received));
  };
  const onError = (err: Error) => {
    stop();
    done(Object.assign(err, { statusCode: 400 }));
  };
  const stop = () => {
    payload.off('data', onData);
    payload.off('end', onEnd);
    payload.off('error', onError);
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
}
