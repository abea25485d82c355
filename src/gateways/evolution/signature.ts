import { jwtVerify } from 'jose';

/**
 * Evolution signs its webhooks, when a `jwt_key` is configured on the webhook, with
 * `Authorization: Bearer <HS256 JWT>` that expires minutes after it was issued.
 */
export async function verifyEvolutionJwt(authorization: string | undefined, key: string): Promise<boolean> {
  if (!authorization?.startsWith('Bearer ')) return false;
  try {
    await jwtVerify(authorization.slice(7), new TextEncoder().encode(key), { algorithms: ['HS256'] });
    return true;
  } catch {
    return false;
  }
}
