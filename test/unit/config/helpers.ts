import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ConfigError } from '../../../src/config/index.js';

export const dir = mkdtempSync(join(tmpdir(), 'callbridge-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
export function writeYaml(source: string): string {
  const file = join(dir, `config-${++fileCount}.yaml`);
  writeFileSync(file, source);
  return file;
}

/** The problems a config produces, or a failure if it is accepted. */
export function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

/** The smallest valid explicit config, to vary one setting at a time. */
export const minimal = {
  gateways: { local: { type: 'waha', url: 'http://127.0.0.1:3001' } },
  sessions: { default: { gateway: 'local' } },
};
