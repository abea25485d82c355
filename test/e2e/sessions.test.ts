import { afterEach, describe, expect, it } from 'vitest';
import { callReceived } from '../../src/sim/webhooks.js';
import { PG_URL } from '../helpers/stores.js';
import { startHarness, testConfig, TOKEN, waitFor, type Harness } from '../helpers/harness.js';

interface CallView {
  session: string;
  callId: string;
  status: string;
  isVip: boolean;
  redirect: { status: string };
}

/** An agency's config: one named session, and every other session of the gateway under "shop-*". */
const agencyConfig = (db: string, url: string) => {
  const c = testConfig(db, url);
  const base = c.sessions.default!;
  c.sessions = { front: { ...base, name: 'default' }, 'shop-*': { ...base, name: '*', ringTimeout: 2000 } };
  return c;
};

for (const postgres of [false, true]) {
  describe.skipIf(postgres && !PG_URL)(
    `"*" sessions, for sessions added in the gateway without a config change (${postgres ? 'PostgreSQL; needs TEST_DATABASE_URL' : 'SQLite'})`,
    () => {
      let h: Harness;
      afterEach(() => h.close());

      const calls = async () => (await h.api<{ calls: CallView[] }>('/api/calls')).body.calls;
      const callById = async (callId: string) => (await calls()).find((c) => c.callId === callId);

      it('redirects callers of any session of the gateway through that session, each session with its own debounce', async () => {
        h = await startHarness(agencyConfig, { postgres });
        const from = '15551110000@c.us';
        for (const session of ['acme', 'bolt', 'default']) {
          expect((await h.post(callReceived({ session, from, callId: `${session}-1` }))).json).toMatchObject({
            status: 'processed',
          });
        }
        await h.gateway.waitFor((g) => g.sent.length === 3);
        await h.post(callReceived({ session: 'acme', from, callId: 'acme-2' }));
        await h.settled();

        expect(h.gateway.sent.map((s) => s.session).sort()).toEqual(['acme', 'bolt', 'default']);
        const bySession = Object.fromEntries((await calls()).map((c) => [c.callId, [c.session, c.redirect.status]]));
        expect(bySession).toEqual({
          'acme-1': ['shop-acme', 'sent'],
          'bolt-1': ['shop-bolt', 'sent'],
          'default-1': ['front', 'sent'],
          'acme-2': ['shop-acme', 'skipped:debounced'],
        });
        const { body } = await h.api<{ sessions: Array<Record<string, unknown>> }>('/api/sessions');
        expect(body.sessions.map(({ lastCallAt, ...s }) => ({ ...s, called: typeof lastCallAt === 'string' }))).toEqual(
          [
            { id: 'front', gateway: 'local', name: 'default', pattern: null, called: true },
            { id: 'shop-acme', gateway: 'local', name: 'acme', pattern: 'shop-*', called: true },
            { id: 'shop-bolt', gateway: 'local', name: 'bolt', pattern: 'shop-*', called: true },
          ],
        );
      });

      it('a ring timeout set before a restart fires after it, before any webhook names the session again', async () => {
        h = await startHarness(agencyConfig, { postgres });
        await h.post(callReceived({ session: 'acme', from: '15551110001@c.us', callId: 'late-1' }));
        await h.gateway.waitFor((g) => g.sent.length === 1);
        expect(await h.pendingTimers(), 'the ring timeout is still to come at the restart').toBe(1);
        await h.restart();
        h.clock.advance('2s');
        await waitFor('the call to turn missed', async () => (await callById('late-1'))?.status === 'missed');
        expect((await callById('late-1'))?.session).toBe('shop-acme');
      });

      it('lists the callers of every session seen; a VIP added on one session is a VIP there only', async () => {
        h = await startHarness(agencyConfig, { postgres });
        const vip = '15551110002';
        const added = await fetch(`${h.bridge.url}/api/sessions/shop-acme/vips`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ number: vip }),
        });
        expect(added.status).toBe(201);
        await h.post(callReceived({ session: 'acme', from: `${vip}@c.us`, callId: 'vip-acme' }));
        await h.post(callReceived({ session: 'bolt', from: `${vip}@c.us`, callId: 'vip-bolt' }));
        await h.gateway.waitFor((g) => g.sent.length === 1);
        await h.settled();
        expect((await callById('vip-acme'))?.isVip).toBe(true);
        expect((await callById('vip-bolt'))?.isVip).toBe(false);
        expect(h.gateway.sent.map((s) => s.session)).toEqual(['bolt']);

        const { body } = await h.api<{ callers: Array<{ session: string; caller: string; vip: boolean }> }>(
          '/api/callers',
        );
        expect(body.callers.map((c) => [c.session, c.vip]).sort()).toEqual([
          ['shop-acme', true],
          ['shop-bolt', false],
        ]);
        const acme = await h.api<{ callers: Array<{ vip: boolean }> }>('/api/callers?session=shop-acme');
        expect(acme.body.callers.map((c) => c.vip)).toEqual([true]);
        // Three calls make a caller elevated on that session only.
        for (const n of [2, 3])
          await h.post(callReceived({ session: 'bolt', from: `${vip}@c.us`, callId: `vip-bolt-${n}` }));
        const level = async (l: string) =>
          (
            await h.api<{ callers: Array<{ session: string; level: string; callsInWindow: number }> }>(
              `/api/callers?level=${l}`,
            )
          ).body.callers;
        expect(await level('elevated')).toMatchObject([{ session: 'shop-bolt', level: 'elevated', callsInWindow: 3 }]);
        expect(await level('calm')).toMatchObject([{ session: 'shop-acme', level: 'calm', callsInWindow: 1 }]);
        expect((await h.api('/api/callers?session=shop-nobody')).status).toBe(200);
        expect((await h.api('/api/callers?session=elsewhere')).status).toBe(404);
      });

      it('records a session name no gateway gives as an unknown session, and acts on nothing', async () => {
        h = await startHarness(agencyConfig, { postgres });
        expect((await h.post(callReceived({ session: '../etc', from: '15551110003@c.us' }))).json).toMatchObject({
          status: 'unknown_session',
        });
        await h.settled();
        expect(h.gateway.sent).toHaveLength(0);
        expect(await calls()).toEqual([]);
        const { body } = await h.api<{ sessions: unknown[] }>('/api/sessions');
        expect(body.sessions).toEqual([
          { id: 'front', gateway: 'local', name: 'default', pattern: null, lastCallAt: null },
        ]);
      });
    },
  );
}
