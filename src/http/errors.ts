import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';

/** Every error a client sees has this shape: `{ statusCode, error, code, message }`, the message naming the problem. */
export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string) {
  return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status < 500) {
      const code = err.validation ? 'invalid_request' : (err.code ?? 'bad_request');
      return sendError(reply, status, code, err.message);
    }
    req.log.error({ err }, 'request failed');
    // A 503 says why (the database is unavailable); anything else is ours and says nothing inside.
    if (status === 503 && err.code) return sendError(reply, 503, err.code, err.message);
    return sendError(reply, status, 'internal_error', 'internal error; the event was not acknowledged');
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, 'not_found', `no route for ${req.method} ${req.url.split('?')[0]}`),
  );
}
