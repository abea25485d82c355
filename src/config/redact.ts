import type { Config } from './schema.js';

const REDACTED = '***';

/** A copy safe to print or serve: every secret that is set becomes "***"; unset ones stay unset. */
export function redactConfig(c: Config): Config {
  const copy = structuredClone(c);
  copy.api.token = hide(copy.api.token);
  copy.database.url = redactDatabaseUrl(copy.database.url);
  if (copy.alerts.webhook) copy.alerts.webhook.secret = REDACTED;
  // A Slack incoming-webhook URL is itself the credential.
  if (copy.alerts.slack) copy.alerts.slack.webhookUrl = REDACTED;
  // Listed per gateway type so that adding a gateway with a new secret is a visible decision here.
  for (const g of Object.values(copy.gateways)) {
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

/** Hides `user:password@` and a `?password=` parameter (libpq accepts both). */
function redactDatabaseUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  if (parsed.searchParams.has('password')) {
    parsed.searchParams.set('password', REDACTED);
    changed = true;
  }
  return changed ? parsed.toString() : url;
}
