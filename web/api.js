// The JSON API with the agent's bearer token. The token lives in sessionStorage: this tab only,
// gone when it closes, and never in a URL (the live stream takes a short-lived ticket instead).

const TOKEN_KEY = 'callbridge.token';

export const getToken = () => sessionStorage.getItem(TOKEN_KEY) ?? '';
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** An answer other than 2xx, carrying the server's `{ code, message }`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called with the ApiError whenever the server refuses the token, wherever the request came from. */
let onUnauthorized = () => {};
export const whenUnauthorized = (handler) => {
  onUnauthorized = handler;
};

/** `path` is relative (`api/calls`), so the page works behind a proxy that serves it under a path too. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'callbridge could not be reached');
  }
  if (res.status === 204) return null;
  const json = await res.json().catch(() => null);
  if (res.ok) return json;
  const error = new ApiError(res.status, json?.code ?? 'error', json?.message ?? `${res.status} ${res.statusText}`);
  if (res.status === 401) onUnauthorized(error);
  throw error;
}

/** `path?k=v` with the empty values left out. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
