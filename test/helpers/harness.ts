import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { parseConfig, type Config } from '../../src/config/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { startCallbridge, type Callbridge } from '../../src/server.js';
import { countPendingActions } from '../../src/store/actions.js';
import { countTimers } from '../../src/store/timers.js';
import { startSimGateway, type SimGateway } from '../../src/sim/gateway.js';
import { postWebhook, type PostWebhookOptions } from '../../src/sim/webhooks.js';
import { PG_URL, createTestDatabase } from './stores.js';

export const API_KEY = 'test-api-key';
export const HMAC_KEY = 'test-hmac-key';
export const TOKEN = 'test-token-0123456789';
export const WAWP = { instanceId: 'inst-1', accessToken: 'wawp-token' };

/** Polls `check` until it returns something truthy; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The tests' session on the `local` gateway: a 1s ring, the default debounce and expiry. */
export const testSession = {
  gateway: 'local',
  ringTimeout: '1s',
  redirect: { debounce: '2m', expireAfter: '2m' },
  contactLookup: { budget: '300ms' },
};

/** Settings short enough for tests: a 1s ring, fast retries, fast polls. */
export function testConfig(dbFile: string, gatewayUrl: string, overrides: Record<string, unknown> = {}): Config {
  return parseConfig(
    {
      // No warm-up: ~120 harness starts would each spend seconds on it (test/e2e/readiness.test.ts has its own).
      http: { host: '127.0.0.1', port: 0, warmUp: 0 },
      database: `sqlite:${dbFile}`,
      api: { token: TOKEN },
      log: { level: 'silent' },
      gateways: { local: { type: 'waha', url: gatewayUrl, apiKey: API_KEY, hmacKey: HMAC_KEY } },
      sessions: { default: testSession },
      dispatch: { retryInitial: '50ms', retryMax: '200ms', pollInterval: '50ms', lease: '2s' },
      ...overrides,
    },
    {},
  );
}

export interface Harness {
  /**
   * Callbridge's domain time, and the simulated gateway's: it moves only when the test says
   * (`h.clock.advance('61s')`), firing the ring timeouts and retries that fall due on the way.
   */
  clock: ManualClock;
  gateway: SimGateway;
  bridge: Callbridge;
  config: Config;
  dir: string;
  /** Posts a signed webhook to /webhooks/<gateway>. */
  post(body: object | string, opts?: PostWebhookOptions & { gateway?: string }): ReturnType<typeof postWebhook>;
  api<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  /**
   * Resolves once no action is pending: every side effect decided so far has been sent, failed or
   * expired. A retry falls due only when the clock is moved past it.
   */
  settled(): Promise<void>;
  /**
   * Attempts recorded so far, of every action. A retry is timed from the clock when its failure is
   * recorded: wait for that before moving the clock past it.
   */
  attempts(): Promise<number>;
  /**
   * Waits for `failures` failed attempts to be recorded one by one, advancing the clock by `step`
   * (at least the retry delay) after each, so each retry falls due. A retry is timed when its
   * failure is recorded, so the clock may only move after that.
   */
  retryThrough(failures: number, step?: string): Promise<void>;
  /** Ring timeouts not yet fired. */
  pendingTimers(): Promise<number>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts callbridge and a simulated gateway on a manual clock. On SQLite by default; on a fresh
 * PostgreSQL schema with `{ postgres: true }`, or for every harness test with
 * TEST_HARNESS_DATABASE=postgres (and TEST_DATABASE_URL).
 */
export async function startHarness(
  makeConfig?: (dbFile: string, gatewayUrl: string) => Config,
  opts: { postgres?: boolean } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-test-'));
  // Starts at the real time, so timestamps and signatures checked against the machine's clock hold.
  const clock = new ManualClock(Date.now());
  // One simulated server answers both APIs: WAHA's under /api, Wawp's under /v2.
  const gateway = await startSimGateway({ apiKey: API_KEY, wawp: WAWP, clock });
  const config = (makeConfig ?? testConfig)(join(dir, 'test.db'), gateway.url);
  const onPostgres = opts.postgres ?? (process.env.TEST_HARNESS_DATABASE === 'postgres' && PG_URL !== undefined);
  const pgDatabase = onPostgres ? await createTestDatabase('postgres') : null;
  if (pgDatabase) config.database.url = pgDatabase.url;
  let bridge = await startCallbridge(config, { clock });
  const h: Harness = {
    clock,
    gateway,
    get bridge() {
      return bridge;
    },
    config,
    dir,
    post: (body, opts = {}) =>
      postWebhook(`${bridge.url}/webhooks/${opts.gateway ?? 'local'}`, body, { hmacKey: HMAC_KEY, clock, ...opts }),
    async api<T>(path: string) {
      const res = await fetch(bridge.url + path, { headers: { authorization: `Bearer ${TOKEN}` } });
      return { status: res.status, body: (await res.json()) as T };
    },
    async settled() {
      await waitFor('pending actions to settle', async () => (await countPendingActions(bridge.store.db)) === 0);
    },
    async attempts() {
      const db = bridge.store.db;
      const [rows, done] = await Promise.all([
        db
          .selectFrom('action_attempts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('actions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('done_started_at', 'is not', null)
          .executeTakeFirstOrThrow(),
      ]);
      return Number(rows.n) + Number(done.n);
    },
    async retryThrough(failures, step = '200ms') {
      for (let failed = 1; failed <= failures; failed++) {
        await waitFor(`failed attempt ${failed}`, async () => (await h.attempts()) >= failed);
        h.clock.advance(step);
      }
    },
    pendingTimers: () => countTimers(bridge.store.db),
    async restart() {
      await bridge.close();
      bridge = await startCallbridge(config, { clock });
    },
    async close() {
      await bridge.close();
      await gateway.close();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/**
 * A fresh harness for each test of the enclosing `describe`, closed after it. What it returns stands
 * for the current test's harness: `const h = useHarness(); … h.post(…)`.
 */
export function useHarness(...args: Parameters<typeof startHarness>): Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await startHarness(...args);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (current === undefined) throw new Error('useHarness: the harness exists only while a test runs');
      return Reflect.get(current, key, current) as unknown;
    },
  });
}
