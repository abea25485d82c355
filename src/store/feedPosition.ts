/**
 * A place in the live feed: the writing transaction (PostgreSQL's transaction id; 0 on SQLite, and
 * on rows written before migration 009) and the row's id. The feed is read in this order
 * (store/feed.ts), so "after this position" is a resume cursor.
 */
export interface FeedPosition {
  readonly tx: number;
  readonly id: number;
}

/** Before every change. */
export const FEED_START: FeedPosition = { tx: 0, id: 0 };

export const comparePositions = (a: FeedPosition, b: FeedPosition): number => a.tx - b.tx || a.id - b.id;

/**
 * A formatted position, for request schemas. At most 15 digits a part: both stay exact as JS
 * numbers, and a bare id is what earlier versions (and SQLite) gave as the SSE `id`.
 */
export const POSITION_PATTERN = '^(?:([0-9]{1,15})-)?([0-9]{1,15})$';
const positionRe = new RegExp(POSITION_PATTERN);

/**
 * As clients see it (the SSE `id`, `Last-Event-ID`): the id alone where tx is 0, so the cursors of
 * SQLite and of earlier versions keep their meaning; `<tx>-<id>` otherwise.
 */
export const formatPosition = (p: FeedPosition): string => (p.tx === 0 ? `${p.id}` : `${p.tx}-${p.id}`);

/** The position a client sent back, or null when it is not one `formatPosition` could have made. */
export function parsePosition(text: string): FeedPosition | null {
  const m = positionRe.exec(text);
  return m ? { tx: Number(m[1] ?? 0), id: Number(m[2]) } : null;
}
