import { CompiledQuery, type KyselyPlugin } from 'kysely';
import { expect, it } from 'vitest';
import { emptyCaller } from '../../src/domain/decision.js';
import { actionWrites } from '../../src/store/actions.js';
import { callerWrite, findCaller } from '../../src/store/callers.js';
import { callWrite, findCall } from '../../src/store/calls.js';
import { timerWrites } from '../../src/store/timers.js';
import { Write, writeTogether } from '../../src/store/together.js';
import { aCall } from '../helpers/calls.js';
import { describeOnEachDatabase, useFreshStore } from '../helpers/stores.js';
import { saveCall, saveCaller } from '../helpers/writes.js';

const LEASE = 30_000;
const CALLER = '15550000777@c.us';
const redirect = (key: string) => ({
  kind: 'sendRedirect' as const,
  key,
  expiresAt: 1_000_000,
  payload: { chatId: CALLER, template: 'hi', name: null, isVideo: false },
});

/** Counts the statements run through it: each result passes through a plugin once. */
function counting() {
  const counter = { statements: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      counter.statements++;
      return args.result;
    },
  };
  return { counter, plugin };
}

describeOnEachDatabase('writes made together', (dialect) => {
  const fresh = useFreshStore(dialect);

  it('read as each would alone, and go as one statement on PostgreSQL', async () => {
    const { counter, plugin } = counting();
    const db = fresh.store.db.withPlugin(plugin);
    await saveCall(db, aCall({ callId: 'answered' }), null, 1);
    await saveCaller(db, 'default', CALLER, { ...emptyCaller, lastCallAt: 1 }, null, 1);
    await writeTogether(db, actionWrites(db, 'default', 'answered', [redirect('redirect:default:taken')], 1, LEASE));
    const stored = await findCaller(db, 'default', CALLER);
    counter.statements = 0;

    const fresher = callWrite(db, aCall({ callId: 'new' }), null, 5);
    // Decided on a status the call no longer has, and on a caller version since replaced: stale.
    const stale = callWrite(db, { ...aCall({ callId: 'answered' }), status: 'missed' }, 'answered', 5);
    const outdated = callerWrite(db, 'default', CALLER, stored!, { ...stored!, version: stored!.version - 1 }, 5);
    const other = callerWrite(db, 'default', '15550000778@c.us', { ...emptyCaller, lastCallAt: 5 }, null, 5);
    const timers = timerWrites(db, 'default', [
      { key: 'ring:default:new', kind: 'ringTimeout', dueAt: 65, callId: 'new' },
    ]);
    const actions = actionWrites(
      db,
      'default',
      'new',
      [redirect('redirect:default:new'), redirect('redirect:default:taken')],
      5,
      LEASE,
      true,
    );
    await writeTogether(db, [fresher, stale, outdated, other, ...timers, ...actions]);

    expect(counter.statements).toBe(dialect === 'postgres' ? 1 : 7);
    expect(fresher.value).toBeTypeOf('number');
    expect(stale.value).toBeNull();
    expect([outdated.value, other.value]).toEqual([false, true]);
    expect(timers[0]!.value).toBeUndefined();
    expect(actions.map((a) => a.value && [a.value.key, a.value.sendingSince])).toEqual([
      ['redirect:default:new', 5],
      null,
    ]);
    expect(await findCall(db, 'default', 'answered')).toMatchObject({ status: 'ringing' });
    expect(await findCall(db, 'default', 'new')).toMatchObject({ status: 'ringing' });
    const rows = await db.selectFrom('timers').select('key').execute();
    expect(rows.map((r) => r.key)).toEqual(['ring:default:new']);
    const stored2 = await db.selectFrom('actions').select(['id', 'key']).orderBy('id').execute();
    expect(stored2.map((r) => r.key)).toEqual(['redirect:default:taken', 'redirect:default:new']);
    expect(stored2[1]!.id).toBe(actions[0]!.value!.id);
  });

  it.skipIf(dialect !== 'postgres')(
    'refuses a write whose SQL has a literal: a `$1` in it could not be told from a placeholder',
    async () => {
      const db = fresh.store.db;
      const literal = new Write(
        CompiledQuery.raw(`insert into optouts (session, caller, at) values ('$1', $1, 1)`, ['x']),
      );
      const plain = new Write(
        CompiledQuery.raw('insert into optouts (session, caller, at) values ($1, $2, 2)', ['s', 'y']),
      );
      await expect(writeTogether(db, [plain, literal])).rejects.toThrow(/has a literal/);
    },
  );
});
