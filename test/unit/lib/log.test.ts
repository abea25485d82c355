import { describe, expect, it } from 'vitest';
import { loggedPath } from '../../../src/lib/log.js';

describe('a request path, as logged with log.requests', () => {
  it('keeps neither the query (stream tickets) nor a webhook token', () => {
    expect(loggedPath('/api/stream?ticket=abc')).toBe('/api/stream');
    expect(loggedPath('/webhooks/local/0123456789abcdef0123')).toBe('/webhooks/local/<webhookToken>');
    expect(loggedPath('/webhooks/local')).toBe('/webhooks/local');
    expect(loggedPath('/api/calls?limit=5')).toBe('/api/calls');
  });
});
