import type { FastifyPluginAsync } from 'fastify';
import { frustrationLevel } from '../domain/frustration.js';
import { normaliseChatId, phoneOf } from '../domain/jid.js';
import type { FrustrationLevel, SessionSettings } from '../domain/types.js';
import type { Sessions } from '../sessions.js';
import {
  countCallsByCaller,
  countCallsSince,
  findCaller,
  listCallerRows,
  listRecentCallers,
  type CallerRow,
} from '../store/callers.js';
import { listConversions } from '../store/calls.js';
import type { Store } from '../store/db.js';
import { findVip, findVipsAmong } from '../store/vips.js';
import { sendError } from './errors.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What an agent wants to know about a caller: how agitated, how recently, whether a person is owed a reply. */
function callerView(row: CallerRow, s: SessionSettings, callsInWindow: number, vip: boolean, now: number) {
  return {
    session: row.session,
    caller: row.caller,
    number: phoneOf(row.caller),
    level: frustrationLevel(callsInWindow, s.frustration),
    callsInWindow,
    lastCallAt: iso(row.lastCallAt),
    lastRedirectAt: iso(row.lastRedirectAt),
    vip,
    escalation: {
      pending: row.escalateUntil !== null && row.escalateUntil >= now,
      until: row.escalateUntil !== null && row.escalateUntil >= now ? iso(row.escalateUntil) : null,
      lastStressedAt: iso(row.stressedAt),
    },
    welcomedAt: iso(row.welcomedAt),
  };
}

/** Callers read per step when listing every session's: a page of the view, or a step of the search for a level. */
const PAGE = 500;

export const callerRoutes: FastifyPluginAsync<{ store: Store; sessions: Sessions }> = async (app, opts) => {
  const db = opts.store.db;
  const { sessions } = opts;

  /** The views of these callers, VIPs from the config file and from the API alike. */
  async function views(found: Array<{ row: CallerRow; s: SessionSettings; calls: number }>, now: number) {
    const vips = await findVipsAmong(
      db,
      found.map((f) => f.row),
    );
    return found.map(({ row, s, calls }) =>
      callerView(row, s, calls, s.vip.numbers.has(row.caller) || vips.has(`${row.session}\u0000${row.caller}`), now),
    );
  }

  /** One session: elevated and stressed callers are found from their recent calls, calm ones from the caller list. */
  async function sessionCallers(s: SessionSettings, level: FrustrationLevel | undefined, limit: number, now: number) {
    const min = level === 'stressed' ? s.frustration.stressed : level === 'elevated' ? s.frustration.elevated : 1;
    const counts = await countCallsByCaller(db, s.session, now - s.frustration.window, min);
    const rows = await listCallerRows(db, {
      session: s.session,
      callers: level && level !== 'calm' ? [...counts.keys()] : undefined,
      limit,
    });
    const found = rows.map((row) => ({ row, s, calls: counts.get(row.caller) ?? 0 }));
    return views(level ? found.filter((f) => frustrationLevel(f.calls, s.frustration) === level) : found, now);
  }

  /**
   * Every session at once, most recent caller first: one walk down the callers by their last call,
   * counting each one's calls in its session's window, rather than a query per session. A caller
   * with no call in the longest window is calm, so elevated and stressed ones are looked for only
   * among the callers of that window.
   */
  async function everyCaller(level: FrustrationLevel | undefined, limit: number, now: number) {
    const since = level === 'elevated' || level === 'stressed' ? now - sessions.longestWindow : undefined;
    const found: Array<{ row: CallerRow; s: SessionSettings; calls: number }> = [];
    for (let offset = 0; found.length < limit; offset += PAGE) {
      const rows = await listRecentCallers(db, { since, limit: PAGE, offset });
      for (const row of rows) {
        // A session no longer served keeps its history, out of this view.
        const s = sessions.get(row.session);
        if (!s) continue;
        const calls = await countCallsSince(db, s.session, row.caller, now - s.frustration.window);
        if (!level || frustrationLevel(calls, s.frustration) === level) found.push({ row, s, calls });
        if (found.length === limit) break;
      }
      if (rows.length < PAGE) break;
    }
    return views(found, now);
  }

  app.get<{ Querystring: { session?: string; level?: FrustrationLevel; limit: number } }>(
    '/api/callers',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session: { type: 'string', minLength: 1 },
            level: { type: 'string', enum: ['calm', 'elevated', 'stressed'] },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
          },
        },
      },
    },
    async (req, reply) => {
      const { session, level, limit } = req.query;
      if (session === undefined) return { callers: await everyCaller(level, limit, Date.now()) };
      const s = sessions.get(session);
      if (!s) return sendError(reply, 404, 'unknown_session', `unknown session "${session}"`);
      return { callers: await sessionCallers(s, level, limit, Date.now()) };
    },
  );

  app.get<{ Params: { session: string; caller: string } }>('/api/callers/:session/:caller', async (req, reply) => {
    const s = sessions.get(req.params.session);
    if (!s) return sendError(reply, 404, 'unknown_session', `unknown session "${req.params.session}"`);
    const caller = normaliseChatId(req.params.caller);
    const state = await findCaller(db, s.session, caller);
    if (!state)
      return sendError(reply, 404, 'not_found', `no calls or messages from ${caller} on session "${s.session}"`);
    const now = Date.now();
    const [callsInWindow, dbVip, conversions] = await Promise.all([
      countCallsSince(db, s.session, caller, now - s.frustration.window),
      findVip(db, s.session, caller),
      listConversions(db, s.session, caller),
    ]);
    const vip = s.vip.numbers.has(caller) || dbVip !== null;
    return {
      ...callerView({ session: s.session, caller, ...state }, s, callsInWindow, vip, now),
      vipName: dbVip?.name ?? null,
      conversions,
    };
  });
};
