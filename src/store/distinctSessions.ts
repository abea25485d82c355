import { sql } from 'kysely';

/**
 * The sessions that have rows in `table`, as a subquery: each step seeks the next session in the
 * table's (session, ...) index, so the cost grows with the sessions, not the rows. (DISTINCT or
 * GROUP BY would read all of them: 93 ms for 1.4M callers, against 0.05 ms.)
 */
export const distinctSessions = (table: 'calls' | 'callers') => {
  const t = sql.table(table);
  return sql<string>`(with recursive s(session) as (
      select min(session) from ${t}
      union all
      select (select min(session) from ${t} where session > s.session) from s where s.session is not null
    ) select session from s where session is not null)`;
};
