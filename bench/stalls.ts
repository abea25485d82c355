import { round } from './stats.js';

/** A commit callbridge logged as slow (`slow commit`, over 50 ms), as its writer timed it. */
export interface SlowCommit {
  at: number;
  ms: number;
  commitMs: number;
  jobs: number;
  riders: number;
}

/** The worst of each kind of stall callbridge saw in a phase, ms, from its /metrics (each gauge is "since the last scrape"). */
export interface PhaseStalls {
  httpLoopMaxMs: number;
  writerLoopMaxMs: number;
  httpGcMaxMs: number;
  writerGcMaxMs: number;
  commitMaxMs: number;
  webhookWaitMaxMs: number;
  commits: number;
}

const series = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
};

/** Scrapes callbridge's stall gauges (which starts them over); `commits` is the running count. */
export async function scrapeStalls(url: string): Promise<PhaseStalls> {
  let text = '';
  try {
    text = await (await fetch(`${url}/metrics`)).text();
  } catch {
    // callbridge gone: every value NaN
  }
  const ms = (name: string) => round(series(text, name) * 1000, 1);
  return {
    httpLoopMaxMs: ms('callbridge_event_loop_delay_max_seconds{thread="http"}'),
    writerLoopMaxMs: ms('callbridge_event_loop_delay_max_seconds{thread="writer"}'),
    httpGcMaxMs: ms('callbridge_gc_pause_max_seconds{thread="http"}'),
    writerGcMaxMs: ms('callbridge_gc_pause_max_seconds{thread="writer"}'),
    commitMaxMs: ms('callbridge_commit_max_seconds'),
    webhookWaitMaxMs: ms('callbridge_webhook_wait_max_seconds'),
    commits: series(text, 'callbridge_commit_seconds_count'),
  };
}

export interface Moment {
  /** ms after the phase's first webhook. */
  fromMs: number;
  worstMs: number;
  webhooks: number;
  /** The slowest commits under way in the window or in the half second before it. */
  slowCommits: Array<{ atMs: number; ms: number; commitMs: number; jobs: number }>;
}

const WINDOW_MS = 100;

/** The `n` 100 ms windows (by sending time) with the slowest redirects, and what the writer committed slowly then. */
export function worstMoments(samples: Array<[number, number]>, start: number, commits: SlowCommit[], n = 5): Moment[] {
  const windows = new Map<number, { worst: number; count: number }>();
  for (const [sent, at] of samples) {
    const w = Math.floor((sent - start) / WINDOW_MS);
    const cur = windows.get(w) ?? { worst: 0, count: 0 };
    cur.worst = Math.max(cur.worst, at - sent);
    cur.count++;
    windows.set(w, cur);
  }
  return [...windows.entries()]
    .sort((a, b) => b[1].worst - a[1].worst)
    .slice(0, n)
    .map(([w, v]) => {
      const from = start + w * WINDOW_MS;
      return {
        fromMs: w * WINDOW_MS,
        worstMs: round(v.worst, 1),
        webhooks: v.count,
        // The three slowest that were under way while the window's webhooks were sent, or just before.
        slowCommits: commits
          .filter((c) => c.at < from + WINDOW_MS && c.at + c.ms > from - 500)
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 3)
          .map((c) => ({
            atMs: round(c.at - start, 0),
            ms: round(c.ms, 1),
            commitMs: round(c.commitMs, 1),
            jobs: c.jobs,
          })),
      };
    });
}

/** One line per moment, for the console. */
export const describeMoments = (moments: Moment[]) =>
  moments
    .map(
      (m) =>
        `  +${m.fromMs} ms: worst ${m.worstMs} ms over ${m.webhooks} webhooks; ` +
        (m.slowCommits.length
          ? m.slowCommits
              .map((c) => `commit at +${c.atMs} ms took ${c.ms} ms (COMMIT ${c.commitMs}, ${c.jobs} jobs)`)
              .join('; ')
          : 'no slow commit'),
    )
    .join('\n');
