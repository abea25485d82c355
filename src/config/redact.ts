import type { Config } from './schema.js';

// The one place secrets are masked: `callbridge check`, the log lines and the database's errors
// all print the configuration through these.

const REDACTED = '***';

/** A copy safe to print or serve: every secret that is set becomes "***"; unset ones stay unset. */
export function redactConfig(c: Config): Config {
  const copy = structuredClone(c);
  copy.api.token = hide(copy.api.token);
  for (const a of Object.values(copy.api.agents)) a.token = a.token.map(() => REDACTED);
  copy.metrics.token = hide(copy.metrics.token);
  copy.database.url = redactUrl(copy.database.url);
  if (copy.alerts.webhook) copy.alerts.webhook.secret = REDACTED;
  // A Slack incoming-webhook URL is itself the credential.
  if (copy.alerts.slack) copy.alerts.slack.webhookUrl = REDACTED;
  if (copy.alerts.chatwoot) copy.alerts.chatwoot.apiToken = REDACTED;
  // Listed per gateway type so that adding a gateway with a new secret is a visible decision here.
  for (const g of Object.values(copy.gateways)) {
    g.webhookToken = hide(g.webhookToken);
    if (g.type === 'waha') {
      g.hmacKey = hide(g.hmacKey);
      g.apiKey = hide(g.apiKey);
    } else if (g.type === 'wawp') {
      g.hmacKey = hide(g.hmacKey);
      g.accessToken = REDACTED;
    } else {
      g.apiKey = REDACTED;
      g.jwtKey = hide(g.jwtKey);
    }
  }
  return copy;
}

function hide(value: string | undefined): string | undefined {
  return value === undefined ? undefined : REDACTED;
}

/** Query parameters that carry a credential: libpq's `password` and `sslpassword`, and their kin. */
const SECRET_PARAM = /pass|pwd|secret|token|key/i;

/**
 * A URL safe to print: the password of `user:password@` and the value of every password-like
 * query parameter become "***" (libpq takes a password either way). A URL that does not parse
 * (a bad port) is masked by its spelling, erring towards hiding too much.
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) {
    return url
      .replace(/^([^:/?#]+:\/\/[^:/?#@]*):.*@/, `$1:${REDACTED}@`)
      .replace(/([?&]([^=&#]*)=)[^&#]*/g, (whole, prefix: string, key: string) =>
        SECRET_PARAM.test(key) ? `${prefix}${REDACTED}` : whole,
      );
  }
  const parsed = new URL(url);
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  for (const key of new Set(parsed.searchParams.keys())) {
    if (SECRET_PARAM.test(key)) {
      parsed.searchParams.set(key, REDACTED);
      changed = true;
    }
  }
  return changed ? parsed.toString() : url;
}
