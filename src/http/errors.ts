import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { formatDuration } from '../duration.js';
import { loggedPath } from '../lib/log.js';

/** A reason worked out where the error is found (a verifier, a parser), passed on as it is. */
const reason = (why: string) => why;

/**
 * Every error callbridge answers with: its code, its status and its message. Codes are what
 * clients (the dashboard, scripts) branch on, so they live here only; several errors may share one.
 */
const catalog = {
  unauthorized: { code: 'unauthorized', status: 401, message: reason },
  unknownSession: {
    code: 'unknown_session',
    status: 404,
    message: (session: string) => `unknown session "${session}"`,
  },
  badCursor: { code: 'bad_request', status: 400, message: () => 'cursor: not a nextCursor this API gave' },
  noSuchCall: { code: 'not_found', status: 404, message: (id: number) => `no call with id ${id}` },
  noSuchCaller: {
    code: 'not_found',
    status: 404,
    message: (caller: string, session: string) => `no calls or messages from ${caller} on session "${session}"`,
  },
  notOptedOut: {
    code: 'not_found',
    status: 404,
    message: (caller: string, session: string) => `${caller} has not opted out of session "${session}"`,
  },
  notAVip: {
    code: 'not_found',
    status: 404,
    message: (caller: string, session: string) => `${caller} is not a VIP of session "${session}"`,
  },
  noSuchWorkItem: { code: 'not_found', status: 404, message: (id: number) => `no work item with id ${id}` },
  alreadyClaimed: { code: 'already_claimed', status: 409, message: (by: string) => `${by} has claimed this item` },
  itemDone: {
    code: 'already_done',
    status: 409,
    message: (by: string, resolution: string) => `this item is done already (${resolution}, by ${by})`,
  },
  notClaimed: { code: 'not_claimed', status: 409, message: () => 'nobody has claimed this item' },
  notTheHolder: {
    code: 'not_holder',
    status: 409,
    message: (by: string) => `${by} has claimed this item; only they or the admin can release it`,
  },
  noRoute: {
    code: 'not_found',
    status: 404,
    message: (method: string, path: string) => `no route for ${method} ${path}`,
  },
  invalidNumber: {
    code: 'invalid_number',
    status: 400,
    /** `problem` is the strict validator's (`"123" is not a WhatsApp number (7 to 15 digits)`). */
    message: (problem: string) =>
      `body/number: ${problem}; expected a phone number like "+1 555 000 1111" or a chat id`,
  },
  vipInConfig: {
    code: 'vip_in_config',
    status: 409,
    message: (caller: string, session: string) =>
      `${caller} is a VIP in the config file (sessions.${session}.vip.numbers); remove it there`,
  },
  unknownGateway: {
    code: 'unknown_gateway',
    status: 404,
    // Not the configured names: they would tell a poster which gateway to try unsigned.
    message: (gateway: string) => `there is no gateway named "${gateway}"`,
  },
  badSignature: { code: 'bad_signature', status: 401, message: reason },
  badToken: { code: 'bad_token', status: 401, message: reason },
  staleWebhook: { code: 'stale_webhook', status: 401, message: reason },
  badTimestamp: { code: 'invalid_timestamp', status: 400, message: reason },
  malformedJson: {
    code: 'malformed_json',
    status: 400,
    /** `parseError` is null for an empty body. */
    message: (parseError: string | null) =>
      parseError === null ? 'the body is empty' : `the body is not valid JSON: ${parseError}`,
  },
  tooDeep: {
    code: 'too_deep',
    status: 400,
    message: (limit: number) => `the body nests deeper than ${limit} levels; webhooks nest a few`,
  },
  invalidEvent: { code: 'invalid_event', status: 400, message: reason },
  bodyTooLarge: {
    code: 'body_too_large',
    status: 413,
    message: (limit: number) => `the body is larger than http.bodyLimit (${limit} bytes); webhooks are a few KB`,
  },
  invalidRequest: { code: 'invalid_request', status: 400, message: reason },
  /** A client error Fastify raised without a code of its own. */
  badRequest: { code: 'bad_request', status: 400, message: reason },
  rateLimited: {
    code: 'rate_limited',
    status: 429,
    message: (max: number, after: string) => `more than ${max} requests in the window; retry in ${after}`,
  },
  requestTimeout: {
    code: 'request_timeout',
    status: 408,
    message: (limit: number) =>
      `the request did not arrive in full within ${formatDuration(limit)} (http.requestTimeout)`,
  },
  headersTooLarge: {
    code: 'headers_too_large',
    status: 431,
    message: () => 'the request headers are larger than this server takes',
  },
  databaseUnavailable: { code: 'database_unavailable', status: 503, message: reason },
  warmingUp: {
    code: 'warming_up',
    status: 503,
    message: () => 'callbridge is warming up its hot path; it takes full load once this answers 200',
  },
  internal: { code: 'internal_error', status: 500, message: () => 'internal error; the event was not acknowledged' },
} as const;

export type ErrorName = keyof typeof catalog;

/** Every error a client sees has this shape: `{ statusCode, error, code, message }`, the message naming the problem. */
/** The code each error answer went out with, for the hooks that log refusals. */
const answeredCodes = new WeakMap<FastifyReply, string>();

/** The error code this reply was answered with, if it was one of ours. */
export const errorCodeOf = (reply: FastifyReply): string | undefined => answeredCodes.get(reply);

function send(reply: FastifyReply, statusCode: number, code: string, message: string) {
  answeredCodes.set(reply, code);
  return reply.code(statusCode).send({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message });
}

/** Answers with the catalog's error `name`, its message filled in with `args`. */
export function sendError<N extends ErrorName>(
  reply: FastifyReply,
  name: N,
  ...args: Parameters<(typeof catalog)[N]['message']>
) {
  const e = catalog[name];
  return send(reply, e.status, e.code, (e.message as (...a: typeof args) => string)(...args));
}

/**
 * The catalog's error `name` as something to throw, for plugins that answer by throwing (the rate
 * limiter); the error handler sends it with its code and status like any other.
 */
export function catalogError<N extends ErrorName>(name: N, ...args: Parameters<(typeof catalog)[N]['message']>) {
  const e = catalog[name];
  const message = (e.message as (...a: typeof args) => string)(...args);
  return Object.assign(new Error(message), { statusCode: e.status, code: e.code });
}

/**
 * Fastify's clientErrorHandler: what a socket gets when Node refuses its request before any route
 * sees it (it did not arrive in full in time, its headers are too large, it is not HTTP), in the
 * catalog's shape. The connection is closed once the answer is written.
 */
export function clientErrorHandler(requestTimeout: number) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    // Nobody is left to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const e =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { ...catalog.requestTimeout, message: catalog.requestTimeout.message(requestTimeout) }
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? { ...catalog.headersTooLarge, message: catalog.headersTooLarge.message() }
          : { ...catalog.badRequest, message: catalog.badRequest.message('the request is not valid HTTP/1.1') };
    const reasonPhrase = STATUS_CODES[e.status] ?? 'Error';
    const body = JSON.stringify({ statusCode: e.status, error: reasonPhrase, code: e.code, message: e.message });
    if (!socket.writable) return void socket.destroy();
    socket.end(
      `HTTP/1.1 ${e.status} ${reasonPhrase}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (err.validation) return sendError(reply, 'invalidRequest', err.message);
    // Fastify's own client errors keep its code (FST_ERR_CTP_BODY_TOO_LARGE) and status.
    if (status < 500) return send(reply, status, err.code ?? catalog.badRequest.code, err.message);
    // The route, not its headers, body or query (a stream ticket travels there), token masked.
    req.log.error({ err, method: req.method, url: loggedPath(req.url) }, 'request failed');
    // The one 503 with a code is the pipeline's: its database writer has stopped. It says so.
    if (status === 503 && err.code) return sendError(reply, 'databaseUnavailable', err.message);
    return sendError(reply, 'internal');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 'noRoute', req.method, req.url.split('?')[0]!));
}
