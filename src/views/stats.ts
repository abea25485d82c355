import { wilson } from '../domain/wilson.js';
import type { StatsRow } from '../store/stats.js';
import { iso } from './time.js';

/**
 * The text of a variant of a session's template, as the config has it now; null when the config no
 * longer has it (the text changed, so its id did, or the session is gone). A variant's id is the
 * hash of its text, so it names one text in whichever language it was written.
 */
export type VariantText = (session: string, template: string, variantId: string) => string | null;

/** `GET /api/stats`: a period's calls, redirects and replies. */
export interface StatsView {
  calls: StatsRow['calls'];
  missedRate: number | null;
  redirects: { sent: number; skipped: Record<string, number>; expired: number; failed: number };
  conversions: number;
  conversionRate: number | null;
  medianSecondsToRedirect: number | null;
  medianSecondsToReply: number | null;
  byVariant: Array<{
    template: string;
    language: string | null;
    variant: { index: number | null; id: string };
    text: string | null;
    sent: number;
    replies: number;
    replyRate: number | null;
    ci95: [number, number] | null;
  }>;
  byHour: Array<{ hour: string; answered: number; rejected: number; missed: number }>;
}

const round = (x: number, decimals: number) => Math.round(x * 10 ** decimals) / 10 ** decimals;
/** A share, to 4 decimals; null when there is nothing to share out. */
const rate = (part: number, whole: number) => (whole === 0 ? null : round(part / whole, 4));
const seconds = (ms: number | null) => (ms === null ? null : round(ms / 1000, 1));

export function statsView(s: StatsRow, variantText: VariantText): StatsView {
  return {
    calls: s.calls,
    missedRate: rate(s.calls.missed, s.calls.total),
    redirects: { sent: s.redirected, skipped: s.skipped, expired: s.expired, failed: s.failed },
    conversions: s.converted,
    conversionRate: rate(s.converted, s.redirected),
    medianSecondsToRedirect: seconds(s.medianMsToRedirect),
    medianSecondsToReply: seconds(s.medianMsToReply),
    byVariant: s.variants.map((v) => {
      const ci = wilson(v.replies, v.sent);
      return {
        template: v.template,
        language: v.language,
        variant: { index: v.variantIndex, id: v.variantId },
        text: variantText(v.session, v.template, v.variantId),
        sent: v.sent,
        replies: v.replies,
        replyRate: rate(v.replies, v.sent),
        ci95: ci && [round(ci[0], 4), round(ci[1], 4)],
      };
    }),
    byHour: s.buckets.map((b) => ({
      hour: iso(b.start),
      answered: b.answered,
      rejected: b.rejected,
      missed: b.missed,
    })),
  };
}
