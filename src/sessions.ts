import type { Config, SessionConfig } from './config/index.js';
import type { AlertChannel, AlertKind, SessionSettings } from './domain/types.js';
import { isSessionName, nameInPattern, sessionPattern, type SessionPattern } from './sessionKeys.js';

/** Finds a session's settings by its id (a `Map` of them will do, in tests). */
export type SessionLookup = Pick<Sessions, 'get'>;

/** A session as the rest of callbridge sees it: the policy's settings and where it lives. */
export interface SessionEntry {
  settings: SessionSettings;
  /** Key of `Config.gateways`. */
  gateway: string;
  /** The session's name in the gateway. */
  name: string;
  /** The `*` key the session comes from, or null for a session the config names. */
  pattern: string | null;
  config: SessionConfig;
}

/** A `*` key of the config, split at its star. */
interface Pattern extends SessionPattern {
  key: string;
  config: SessionConfig;
}

/**
 * Sessions of `*` entries remembered at once. They are rebuilt from the config when asked for
 * again, so forgetting them costs nothing but a little work; a gateway with no signature can't
 * grow memory by sending made-up session names.
 */
const MAX_SEEN = 10_000;

/**
 * Every session callbridge serves: those the config names, and those a `*` entry stands for (every
 * other session of its gateway, for agencies that add sessions without editing the config). A
 * session's id is its config key, or the `*` key with the star replaced by the gateway's name for
 * it (`shop-*` → `shop-acme`); the config is checked at start so that no two sessions share an id.
 */
export class Sessions {
  private readonly entries = new Map<string, SessionEntry>();
  private readonly byPlace = new Map<string, SessionEntry>();
  /** At most one per gateway (checked with the config). */
  private readonly patterns = new Map<string, Pattern>();
  /** The ids of the sessions of `*` entries remembered, oldest first. */
  private readonly seen: string[] = [];
  /** The ids of the sessions the config names one by one. */
  readonly named: string[];
  /** The longest frustration window of any session: older calls count for none. */
  readonly longestWindow: number;

  constructor(private readonly config: Pick<Config, 'sessions' | 'alerts'>) {
    for (const [key, s] of Object.entries(config.sessions)) {
      const pattern = sessionPattern(key);
      if (pattern) this.patterns.set(s.gateway, { key, ...pattern, config: s });
      else this.remember(key, s, s.name);
    }
    this.named = [...this.entries.keys()];
    this.longestWindow = Math.max(0, ...Object.values(config.sessions).map((s) => s.frustration.window));
  }

  /** The session a gateway's webhook belongs to, if any. */
  forWebhook(gateway: string, name: string): SessionSettings | undefined {
    const known = this.byPlace.get(placeKey(gateway, name));
    if (known) return known.settings;
    const p = this.patterns.get(gateway);
    if (!p || !isSessionName(name)) return undefined;
    return this.see(p.prefix + name + p.suffix, p, name).settings;
  }

  /** A session by its id, as calls, callers and actions store it. */
  entry(id: string): SessionEntry | undefined {
    const known = this.entries.get(id);
    if (known) return known;
    for (const [gateway, p] of this.patterns) {
      const name = nameInPattern(p, id);
      // A name the config gives its own entry belongs to that entry, under that entry's id.
      if (name !== null && !this.byPlace.has(placeKey(gateway, name))) return this.see(id, p, name);
    }
    return undefined;
  }

  get(id: string): SessionSettings | undefined {
    return this.entry(id)?.settings;
  }

  private see(id: string, pattern: Pattern, name: string): SessionEntry {
    if (this.seen.length >= MAX_SEEN) {
      const forgotten = this.entries.get(this.seen.shift()!)!;
      this.entries.delete(forgotten.settings.session);
      this.byPlace.delete(placeKey(forgotten.gateway, forgotten.name));
    }
    this.seen.push(id);
    return this.remember(id, pattern.config, name, pattern.key);
  }

  private remember(id: string, config: SessionConfig, name: string, pattern: string | null = null): SessionEntry {
    const entry: SessionEntry = {
      settings: toSettings(id, config, this.config.alerts),
      gateway: config.gateway,
      name,
      pattern,
      config,
    };
    this.entries.set(id, entry);
    this.byPlace.set(placeKey(config.gateway, name), entry);
    return entry;
  }
}

const placeKey = (gateway: string, name: string) => `${gateway}\u0000${name}`;

/** The policy's view of a session: its config, with alert routes limited to the channels that exist. */
function toSettings(id: string, s: SessionConfig, alerts: Config['alerts']): SessionSettings {
  const routes = (channel: AlertChannel, kinds: AlertKind[]) => new Set(alerts[channel] ? kinds : []);
  return {
    session: id,
    ringTimeout: s.ringTimeout,
    rejectCalls: s.rejectCalls,
    redirect: s.redirect,
    vip: { numbers: new Set(s.vip.numbers), names: s.vip.names, bypassRedirect: s.vip.bypassRedirect },
    frustration: s.frustration,
    conversionWindow: s.conversionWindow,
    welcome: s.welcome,
    hours: s.hours,
    languages: s.languages,
    followUp: s.followUp,
    optOut: s.optOut,
    groupCalls: s.groupCalls,
    alerts: {
      slack: routes('slack', s.alerts.slack),
      webhook: routes('webhook', s.alerts.webhook),
      chatwoot: routes('chatwoot', s.alerts.chatwoot),
    },
    alertExpireAfter: alerts.webhook?.expireAfter ?? 24 * 3_600_000,
  };
}
