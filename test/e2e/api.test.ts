import { describe, expect, it } from 'vitest';
import { callReceived, callRejected } from '../../src/sim/webhooks.js';
import { useHarness } from '../helpers/harness.js';

interface Page {
  calls: Array<{
    id: number;
    callId: string;
    caller: string;
    status: string;
    session: string;
    isVideo: boolean;
    receivedAt: string;
  }>;
  nextCursor: string | null;
}

describe('the read API', () => {
  const h = useHarness();

  it('requires the bearer token', async () => {
    const none = await fetch(`${h.bridge.url}/api/calls`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`${h.bridge.url}/api/calls`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe('the bearer token is wrong');
    const health = await fetch(`${h.bridge.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('lists calls newest first, filters, and pages with a cursor', async () => {
    for (let i = 1; i <= 5; i++)
      await h.post(callReceived({ from: `4000000000${i}@c.us`, callId: `c${i}`, isVideo: i === 2 }));
    await h.post(callRejected({ callId: 'c3', from: '40000000003@c.us' }));

    const all = await h.api<Page>('/api/calls');
    expect(all.body.calls.map((c) => c.callId)).toEqual(['c5', 'c4', 'c3', 'c2', 'c1']);
    expect(all.body.calls[3]).toMatchObject({
      session: 'default',
      caller: '40000000002@c.us',
      isVideo: true,
      status: 'ringing',
    });
    expect(all.body.nextCursor).toBeNull();

    const first = await h.api<Page>('/api/calls?limit=2');
    expect(first.body.calls.map((c) => c.callId)).toEqual(['c5', 'c4']);
    const second = await h.api<Page>(`/api/calls?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.calls.map((c) => c.callId)).toEqual(['c3', 'c2']);
    const third = await h.api<Page>(`/api/calls?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.calls.map((c) => c.callId)).toEqual(['c1']);
    expect(third.body.nextCursor).toBeNull();

    expect((await h.api<Page>('/api/calls?status=rejected')).body.calls.map((c) => c.callId)).toEqual(['c3']);
    expect((await h.api<Page>('/api/calls?caller=%2B4%20000-000-0004')).body.calls.map((c) => c.callId)).toEqual([
      'c4',
    ]);
    expect((await h.api<Page>('/api/calls?session=other')).body.calls).toEqual([]);
  });

  it('shows one call with its events and actions', async () => {
    await h.post(callReceived({ from: '40000000009@c.us', callId: 'detail' }));
    await h.gateway.waitFor((g) => g.sent.length === 1);
    await h.settled();
    const { body: page } = await h.api<Page>('/api/calls');
    const { status, body } = await h.api<{
      call: { callId: string; redirect: { status: string } };
      events: Array<{ type: string; body: { payload: { id: string } } }>;
      actions: Array<{ kind: string; status: string; history: Array<{ outcome: string }> }>;
    }>(`/api/calls/${page.calls[0]!.id}`);
    expect(status).toBe(200);
    expect(body.call).toMatchObject({ callId: 'detail', redirect: { status: 'sent' } });
    // The webhooks of the call; its delivery is told by the action's history.
    expect(body.events.map((e) => e.type)).toEqual(['call.received']);
    expect(body.events[0]!.body.payload.id).toBe('detail');
    expect(body.actions).toEqual([
      expect.objectContaining({
        kind: 'sendRedirect',
        status: 'done',
        history: [expect.objectContaining({ outcome: 'ok' })],
      }),
    ]);
    expect((await h.api(`/api/calls/999999`)).status).toBe(404);
  });

  it('answers bad query parameters with 400 naming them', async () => {
    const over = await h.api<{ message: string }>('/api/calls?limit=10001');
    expect(over.status).toBe(400);
    expect(over.body.message).toContain('limit');
    const status = await h.api<{ message: string }>('/api/calls?status=lost');
    expect(status.status).toBe(400);
    expect(status.body.message).toContain('status');
    expect((await h.api<{ message: string }>('/api/calls/abc')).status).toBe(400);
  });

  it('never shows a secret', async () => {
    await h.post(callReceived({ from: '40000000010@c.us', callId: 'secret' }));
    await h.settled();
    const { body: page } = await h.api<Page>('/api/calls');
    const detail = await fetch(`${h.bridge.url}/api/calls/${page.calls[0]!.id}`, {
      headers: { authorization: `Bearer test-token-0123456789` },
    });
    const text = await detail.text();
    for (const secret of ['test-api-key', 'test-hmac-key', 'test-token-0123456789']) expect(text).not.toContain(secret);
  });
});
