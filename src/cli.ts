#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, isLoopback, keptApiToken, loadConfig, redactConfig, redactUrl } from './config/index.js';
import { startCallbridge } from './server.js';
import { VERSION } from './version.js';
import { DatabaseError } from './store/db.js';

const usage = `Usage: callbridge serve [--config FILE]
       callbridge check [--config FILE]

serve: receives WhatsApp gateway call webhooks and answers callers in chat.
check: validates the configuration and prints it as callbridge reads it (durations in ms,
       defaults filled in, secrets masked), then exits.

Options:
  -c, --config FILE   YAML configuration (default: $CALLBRIDGE_CONFIG, else ./callbridge.yaml if present,
                      else built-in defaults: 127.0.0.1:3000, SQLite in ./data, one WAHA gateway at $WAHA_URL)

With no api.token, serve makes one on its first start, keeps it beside the SQLite file
(data/api-token) and prints it once.
  -h, --help          show this help`;

/** The events to subscribe to at each kind of gateway: the ones callbridge acts on. */
const SUBSCRIBE = {
  waha: ['call.received', 'call.accepted', 'call.rejected', 'message', 'message.any'],
  wawp: ['call.received', 'call.accepted', 'call.rejected', 'message', 'message.any'],
  evolution: ['CALL', 'MESSAGES_UPSERT'],
} as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    console.log(usage);
    return 0;
  }
  if (command !== 'serve' && command !== 'check') {
    console.error(`unknown command "${command}"\n\n${usage}`);
    return 2;
  }
  const file =
    values.config ?? process.env.CALLBRIDGE_CONFIG ?? (existsSync('callbridge.yaml') ? 'callbridge.yaml' : undefined);
  const config = loadConfig({ file });
  if (command === 'check') {
    console.log(`# ${file ?? 'built-in defaults'}: valid\n${stringify(redactConfig(config))}`);
    return 0;
  }
  const kept = config.api.token === undefined ? keptApiToken(config.database.url) : null;
  if (kept) config.api.token = kept.token;
  const running = await startCallbridge(config);
  const { log } = running.app;
  void running.ready.then(() => log.info('ready: warm-up done, /readyz answers 200'));
  log.info(
    `callbridge listening on ${running.url} (database ${redactUrl(config.database.url)}, config ${file ?? 'built-in defaults'}, version ${VERSION})`,
  );
  for (const [name, g] of Object.entries(config.gateways)) {
    // The token is a credential: the operator is shown where it goes, never its value.
    const url = `${running.url}/webhooks/${name}${g.webhookToken ? '/<webhookToken>' : ''}`;
    log.info(`gateway ${name} (${g.type}): webhooks to POST ${url}, events ${SUBSCRIBE[g.type].join(', ')}`);
  }
  if (kept?.created) {
    // Shown this once, for the person who just started it; later starts say only where it is kept.
    log.info(
      `dashboard: ${running.url}/ with the API token ${kept.token} (made on this first start, kept in ${kept.file})`,
    );
    log.info(
      'to open callbridge to the network, set http.host, api.token, and for each gateway hmacKey (WAHA, Wawp), jwtKey (Evolution) or webhookToken',
    );
  } else if (kept) {
    log.info(`dashboard: ${running.url}/ with the API token kept in ${kept.file}`);
  } else {
    log.info(`dashboard: ${running.url}/`);
    // Only with insecure: true; the config checks refuse it otherwise.
    if (config.api.token === undefined && !isLoopback(config.http.host))
      log.warn(
        `the API and the dashboard have no token and listen on ${config.http.host}: anyone who can reach them can read calls and callers; set api.token`,
      );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  running.app.log.info('shutting down: finishing in-flight webhooks and actions');
  await running.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Configuration and database problems are the user's to fix: say what, without a stack trace.
    if (err instanceof ConfigError || err instanceof DatabaseError) console.error(`callbridge: ${err.message}`);
    else if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE')
      console.error(`callbridge: ${err.message}`);
    else console.error(err);
    process.exit(1);
  },
);
