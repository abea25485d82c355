import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../lib/clock.js';
import type { StatsBucket } from '../store/stats.js';
import type { StatsReader } from '../store/statsReader.js';
import { statsView, type VariantText } from '../views/stats.js';
import { iso } from '../views/time.js';
import { sendError } from './errors.js';
import { apiErrors } from './schemas/errors.js';
import { statsQuerystring, statsSchema } from './schemas/stats.js';

export interface StatsOptions {
  stats: StatsReader;
  clock: Clock;
  /** The text of a variant the stats name, from the config. */
  variantText: VariantText;
}

const DEFAULT_PERIOD = 7 * 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO date (its midnight UTC) or date-time with an offset, as epoch ms; null when it is neither.
 * A date-time without an offset is refused: the server's zone is not the reader's.
 */
function parseInstant(text: string): number | null {
  const m = DATE.exec(text) ?? DATE_TIME.exec(text);
  const ms = m ? Date.parse(text) : NaN;
  if (!m || Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-30 over into March.
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDate() === d ? ms : null;
}

/** `GET /api/stats`: a period's calls, redirects, replies and their texts, for one session or all. */
export const statsRoutes: FastifyPluginAsync<StatsOptions> = async (app, opts) => {
  app.get<{ Querystring: { session?: string; from?: string; to?: string; bucket: StatsBucket } }>(
    '/api/stats',
    {
      config: { session: true },
      schema: {
        summary: "A period's calls by outcome, redirects, conversions and reply rates by text, and calls by hour",
        tags: ['stats'],
        querystring: statsQuerystring,
        response: { 200: statsSchema, ...apiErrors(404) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const given = {
        from: q.from === undefined ? undefined : parseInstant(q.from),
        to: q.to === undefined ? undefined : parseInstant(q.to),
      };
      for (const name of ['from', 'to'] as const)
        if (given[name] === null)
          return sendError(
            reply,
            'invalidRequest',
            `querystring/${name} "${q[name]}" is not an ISO date (2026-12-01) or date-time with an offset (2026-12-01T09:00:00Z)`,
          );
      const to = given.to ?? opts.clock.now();
      const from = given.from ?? to - DEFAULT_PERIOD;
      if (from > to) return sendError(reply, 'invalidRequest', `querystring/from ${q.from} is after to (${iso(to)})`);
      const row = await opts.stats.read({ session: q.session, from, to, bucket: q.bucket });
      return statsView(row, opts.variantText);
    },
  );
};
