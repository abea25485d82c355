import type { FastifyPluginAsync } from 'fastify';
import { frustrationLevel } from '../domain/frustration.js';
import { normaliseChatId, phoneOf } from '../domain/jid.js';
import type { FrustrationLevel, SessionSettings } from '../domain/types.js';
import type { Sessions } from '../sessions.js';
import { countCallsByCaller, countCallsSince, findCaller, listCallerRows, listCallerSessions, type CallerRow } from '../store/callers.js';
import { listConversions } from '../store/calls.js';
import type { Store } from '../store/db.js';
import { findVip } from '../store/vips.js';
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

export const callerRoutes: FastifyPluginAsync<{ store: Store; sessions: Sessions }> = async (app, opts) => {
  const db = opts.store.db;
  const { sessions } = opts;
  /** Every session there is to list: the named ones, and those only seen (a `*` entry). */
  const allSessions = async () => (sessions.open ? [...new Set([...sessions.named, ...(await listCallerSessions(db)).map((s) => s.session)])] : sessions.named);

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
      if (session !== undefined && !sessions.get(session)) return sendError(reply, 404, 'unknown_session', `unknown session "${session}"`);
      const now = Date.now();
      const out = [];
      for (const id of session ? [session] : await allSessions()) {
        const s = sessions.get(id);
        if (!s) continue;
        // Elevated and stressed callers are found from their recent calls; calm ones from the caller list.
        const min = level === 'stressed' ? s.frustration.stressed : level === 'elevated' ? s.frustration.elevated : 1;
        const counts = await countCallsByCaller(db, s.session, now - s.frustration.window, min);
        const rows = await listCallerRows(db, { session: s.session, callers: level && level !== 'calm' ? [...counts.keys()] : undefined, limit });
        for (const row of rows) {
          const view = callerView(row, s, counts.get(row.caller) ?? 0, s.vip.numbers.has(row.caller), now);
          if (!level || view.level === level) out.push(view);
        }
      }
      out.sort((a, b) => (b.lastCallAt ?? '').localeCompare(a.lastCallAt ?? ''));
      return { callers: out.slice(0, limit) };
    },
  );

  app.get<{ Params: { session: string; caller: string } }>('/api/callers/:session/:caller', async (req, reply) => {
    const s = sessions.get(req.params.session);
    if (!s) return sendError(reply, 404, 'unknown_session', `unknown session "${req.params.session}"`);
    const caller = normaliseChatId(req.params.caller);
    const state = await findCaller(db, s.session, caller);
    if (!state) return sendError(reply, 404, 'not_found', `no calls or messages from ${caller} on session "${s.session}"`);
    const now = Date.now();
    const [callsInWindow, dbVip, conversions] = await Promise.all([
      countCallsSince(db, s.session, caller, now - s.frustration.window),
      findVip(db, s.session, caller),
      listConversions(db, s.session, caller),
    ]);
    const vip = s.vip.numbers.has(caller) || dbVip !== null;
    return { ...callerView({ session: s.session, caller, ...state }, s, callsInWindow, vip, now), vipName: dbVip?.name ?? null, conversions };
  });
};
