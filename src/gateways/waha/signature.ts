import { createHmac, timingSafeEqual } from 'node:crypto';

/** WAHA signs the raw body: `X-Webhook-Hmac` is the hex HMAC-SHA512 of it. Compared in constant time. */
export function verifyHmacSha512(rawBody: Buffer, signature: string | undefined, key: string): boolean {
  if (!signature || !/^[0-9a-f]+$/i.test(signature)) return false;
  const expected = createHmac('sha512', key).update(rawBody).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
