#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, redactConfig, redactUrl } from './config/index.js';
import { startCallbridge } from './server.js';
import { DatabaseError } from './store/db.js';

const usage = `Usage: callbridge serve [--config FILE]
       callbridge check [--config FILE]

serve: receives WhatsApp gateway call webhooks and answers callers in chat.
check: validates the configuration and prints it as callbridge reads it (durations in ms,
       defaults filled in, secrets masked), then exits.

Options:
  -c, --config FILE   YAML configuration (default: $CALLBRIDGE_CONFIG, else ./callbridge.yaml if present,
                      else built-in defaults: SQLite in ./data, one WAHA gateway at $WAHA_URL)
  -h, --help          show this help`;

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
  const running = await startCallbridge(config);
  running.app.log.info(
    `callbridge listening on ${running.url} (database ${redactUrl(config.database.url)}, config ${file ?? 'built-in defaults'})`,
  );
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
