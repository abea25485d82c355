/** What every error answer carries (`errors.ts`): the status, its reason phrase, a code to branch on and a message. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['statusCode', 'error', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

const WHY: Record<number, string> = {
  400: 'invalid request',
  401: 'missing or wrong credentials',
  404: 'not found',
  409: 'conflict',
  413: 'body too large',
  429: 'rate limited',
  500: 'internal error',
  503: 'database unavailable',
};

/** Response schemas for these error statuses, each the shared error shape. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: WHY[s] ?? 'error', $ref: 'Error#' }]));

/** What every `/api` route may answer besides its own: a refused token, a limit reached, a failure. */
export const apiErrors = (...own: number[]) => errors(400, 401, ...own, 429, 500);

export const nullable = <T extends { type: string }>(s: T) => ({ ...s, type: [s.type, 'null'] });
export const isoTime = { type: 'string', format: 'date-time' } as const;
