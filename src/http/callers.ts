import type { FastifyPluginAsync } from 'fastify';
import { callsForLevel, frustrationLevel, windowStart } from '../domain/frustration.js';
import { normaliseChatId } from '../domain/jid.js';
import type { FrustrationLevel, SessionSettings } from '../domain/types.js';
import type { Clock } from '../lib/clock.js';
import type { Sessions } from '../sessions.js';
import {
  callerKey,
  countCallsByCaller,
  countCallsOfCallers,
  listCallerRows,
  listRecentCallers,
  type CallerRow,
} from '../store/callers.js';
import { listConversions } from '../store/calls.js';
import type { Store } from '../store/db.js';
import { findRing } from '../store/ringFacts.js';
import { findVipsAmong } from '../store/vips.js';
import { callerDetail, callerView } from '../views/callers.js';
import { sendError } from './errors.js';
import { apiErrors } from './schemas/errors.js';
import { addSharedSchemas, callerDetailSchema } from './schemas/views.js';
import { sessionCallerParams } from './schemas/params.js';
import { sessionOf } from './session.js';

/** Callers read per step when listing every session's: a page of the view, or a step of the search for a level. */
const PAGE = 500;

interface Found {
  row: CallerRow;
  s: SessionSettings;
  calls: number;
}

export const callerRoutes: FastifyPluginAsync<{ store: Store; sessions: Sessions; clock: Clock }> = async (
  app,
  opts,
) => {
  const db = opts.store.db;
  const { sessions } = opts;
  addSharedSchemas(app);

  /** The views of these callers, VIPs from the config file and from the API alike. */
  async function views(found: Found[], now: number) {
    const added = await findVipsAmong(
      db,
      found.map((f) => f.row),
    );
    return found.map(({ row, s, calls }) =>
      callerView(row, s, { callsInWindow: calls, addedVip: added.has(callerKey(row.session, row.caller)) }, now),
    );
  }

  /**
   * One session: the callers' calls in the window are counted in one grouped query (`calls_recent`);
   * callers of a level are then asked for by name, so the limit holds for each level.
   */
  async function sessionCallers(s: SessionSettings, level: FrustrationLevel | undefined, limit: number, now: number) {
    const f = s.frustration;
    const min = level === undefined || level === 'calm' ? 1 : callsForLevel(level, f);
    const counts = await countCallsByCaller(db, s.session, windowStart(f, now), min);
    const named = (want: (l: FrustrationLevel) => boolean) =>
      [...counts].filter(([, n]) => want(frustrationLevel(n, f))).map(([caller]) => caller);
    const which =
      level === 'calm' ? { except: named((l) => l !== 'calm') } : level ? { only: named((l) => l === level) } : {};
    const rows = await listCallerRows(db, { session: s.session, ...which, limit });
    return views(
      rows.map((row) => ({ row, s, calls: counts.get(row.caller) ?? 0 })),
      now,
    );
  }

  /**
   * Every session at once, most recent caller first: one walk down the callers by their last call
   * (`callers_recent`), each page's calls in their sessions' windows counted in one grouped query.
   * A caller with no call in the longest window is calm, so elevated and stressed ones are looked
   * for only among the callers of that window.
   */
  async function everyCaller(level: FrustrationLevel | undefined, limit: number, now: number) {
    const since = level === 'elevated' || level === 'stressed' ? now - sessions.longestWindow : undefined;
    // Without a level every caller of a served session is kept: one page of the limit, unless some are of sessions gone.
    const page = level === undefined ? Math.min(limit, PAGE) : PAGE;
    const found: Found[] = [];
    for (let offset = 0; found.length < limit; offset += page) {
      const rows = await listRecentCallers(db, { since, limit: page, offset });
      // A session no longer served keeps its history, out of this view.
      const served = rows.flatMap((row) => {
        const s = sessions.get(row.session);
        return s ? [{ row, s }] : [];
      });
      const counts = await countCallsOfCallers(
        db,
        served.map(({ row, s }) => ({ ...row, since: windowStart(s.frustration, now) })),
      );
      for (const { row, s } of served) {
        const calls = counts.get(callerKey(row.session, row.caller)) ?? 0;
        if (!level || frustrationLevel(calls, s.frustration) === level) found.push({ row, s, calls });
        if (found.length === limit) break;
      }
      if (rows.length < page) break;
    }
    return views(found, now);
  }

  app.get<{ Querystring: { session?: string; level?: FrustrationLevel; limit: number } }>(
    '/api/callers',
    {
      config: { session: true },
      schema: {
        summary: "Callers, most recent first, with how agitated they are; one session's or every session's",
        tags: ['callers'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            session: { type: 'string', minLength: 1 },
            level: { type: 'string', enum: ['calm', 'elevated', 'stressed'] },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['callers'],
            properties: { callers: { type: 'array', items: { $ref: 'Caller#' } } },
          },
          ...apiErrors(404),
        },
      },
    },
    async (req) => {
      const { level, limit } = req.query;
      const s = req.servedSession;
      const now = opts.clock.now();
      return {
        callers: await (s ? sessionCallers(s, level, limit, now) : everyCaller(level, limit, now)),
      };
    },
  );

  app.get<{ Params: { session: string; caller: string } }>(
    '/api/callers/:session/:caller',
    {
      config: { session: true },
      schema: {
        summary: 'A caller of a session: their standing, the name the API gave them as a VIP, their conversions',
        tags: ['callers'],
        params: sessionCallerParams,
        response: { 200: callerDetailSchema, ...apiErrors(404) },
      },
    },
    async (req, reply) => {
      const s = sessionOf(req);
      const caller = normaliseChatId(req.params.caller);
      const now = opts.clock.now();
      // Their state and what a new ring of theirs would read, as the decision reads it.
      const [ring, conversions] = await Promise.all([
        findRing(db, s.session, null, caller, windowStart(s.frustration, now)),
        listConversions(db, s.session, caller),
      ]);
      if (!ring.caller) return sendError(reply, 'noSuchCaller', caller, s.session);
      const { recentCalls, vip, optedOut } = ring.facts;
      const facts = { callsInWindow: recentCalls, vip, conversions, optedOut };
      return callerDetail({ session: s.session, caller, ...ring.caller }, s, facts, now);
    },
  );
};
