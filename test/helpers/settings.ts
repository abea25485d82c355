import { keywordForm } from '../../src/domain/optOut.js';
import type { DecisionState } from '../../src/domain/decide.js';
import { ALERT_KINDS, type SessionSettings } from '../../src/domain/types.js';
import { oneText } from './texts.js';

/** Every alert kind: the webhook channel is told of all of them. */
const allKinds = new Set(ALERT_KINDS);
/**
 * A session's settings as the domain takes them (what the config resolves to), for the unit tests
 * of `decide` and the rules it uses: short, distinct texts, every alert on, `over` on top.
 */
export function testSettings(over: Partial<SessionSettings> = {}): SessionSettings {
  return {
    session: 's1',
    ringTimeout: 60_000,
    rejectCalls: false,
    redirect: {
      enabled: true,
      debounce: 120_000,
      expireAfter: 120_000,
      voice: oneText('voice {{name}}'),
      video: oneText('video {{name}}'),
      repeat: oneText('repeat {{name}}'),
      repeatStressed: oneText('stressed {{name}}'),
      repeatWithin: 86_400_000,
      group: oneText('group'),
      closed: { voice: null, video: null },
    },
    vip: { numbers: new Set(['15550000999@c.us']), names: {}, bypassRedirect: true },
    frustration: { window: 600_000, elevated: 3, stressed: 5, escalateFor: 1_800_000 },
    conversionWindow: 1_800_000,
    welcome: { enabled: true, text: oneText('welcome {{name}}'), every: 30 * 86_400_000 },
    hours: null,
    languages: { default: 'en', byCountry: {} },
    followUp: { enabled: false, after: 7_200_000, text: oneText('follow-up {{name}}'), whenClosed: 'wait' },
    optOut: {
      keywords: new Set(['STOP', 'BAJA'].map(keywordForm)),
      resume: new Set(['START'].map(keywordForm)),
      confirm: oneText('opted out'),
      resumed: oneText('resumed'),
    },
    groupCalls: { action: 'ignore' },
    alerts: {
      slack: new Set(['vip', 'missed', 'stressed', 'escalated'] as const),
      webhook: allKinds,
      chatwoot: new Set(),
    },
    alertExpireAfter: 86_400_000,

    ...over,
  };
}

/** What `decide` is given about a first-time caller: nothing known, `over` on top. */
export const decisionState = (over: Partial<DecisionState> = {}): DecisionState => ({
  call: null,
  caller: null,
  recentCalls: 0,
  vip: null,
  profile: null,
  optedOut: null,
  ...over,
});
