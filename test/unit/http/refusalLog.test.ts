import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { createRefusalLog } from '../../../src/http/refusalLog.js';
import { ManualClock } from '../../../src/lib/clock.js';

function recorder() {
  const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  const log = { warn: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }) };
  return { lines, log: log as unknown as FastifyBaseLogger };
}

describe('the refused-webhook log', () => {
  it('says one line per reason per 10 s, and the next line counts the ones held back', () => {
    const clock = new ManualClock(0);
    const { lines, log } = recorder();
    const refused = createRefusalLog(log, clock);
    const bad = { gateway: 'local', reason: 'bad_signature', status: 401, requestId: 'req-1' };
    for (let i = 0; i < 5; i++) refused(bad);
    refused({ gateway: 'unknown', reason: 'unknown_gateway', status: 404, requestId: 'req-2' });
    expect(lines.map((l) => l.obj.reason)).toEqual(['bad_signature', 'unknown_gateway']);
    expect(lines[0]).toEqual({
      obj: { gateway: 'local', reason: 'bad_signature', status: 401, reqId: 'req-1', held: 0 },
      msg: 'webhook refused for gateway local: 401 bad_signature',
    });

    clock.advance('9999ms');
    refused(bad);
    expect(lines).toHaveLength(2);
    clock.advance('1ms');
    refused({ ...bad, requestId: 'req-9' });
    expect(lines[2]).toEqual({
      obj: { gateway: 'local', reason: 'bad_signature', status: 401, reqId: 'req-9', held: 5 },
      msg: 'webhook refused for gateway local: 401 bad_signature; 5 more refused for this reason since the last line',
    });
  });
});
