import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeFolderFor } from '../lib/folder.js';
import { ConfigError, errorMessage } from './errors.js';

// With no `api.token`, callbridge on a SQLite file makes one on its first start and keeps it
// beside the database, so the API is never open by default. PostgreSQL gets none: its replicas
// must share one token, which only `api.token` can give them all.

export interface KeptApiToken {
  token: string;
  /** Where it is kept: `api-token` beside the SQLite file. */
  file: string;
  /** Made on this start (so shown once), not read from an earlier one. */
  created: boolean;
}

/** The token kept beside the SQLite database `databaseUrl`, made if there is none yet; null for other databases. */
export function keptApiToken(databaseUrl: string): KeptApiToken | null {
  const database = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : ':memory:';
  if (database === ':memory:') return null;
  const file = join(dirname(database), 'api-token');
  const kept = readToken(file);
  if (kept !== null) return { token: kept, file, created: false };

  try {
    makeFolderFor(database);
  } catch (err) {
    // The database's own folder: said as opening the database would say it.
    throw new ConfigError([`database: ${errorMessage(err)}`]);
  }
  // 24 random bytes: 32 characters of base64url.
  const token = randomBytes(24).toString('base64url');
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new ConfigError([`api.token: not set, and no token can be kept in ${file}: ${reason(err)}`]);
  }
  return { token, file, created: true };
}

function readToken(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // ENOTDIR: the folder is a file, which making the database's folder reports.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new ConfigError([`api.token: not set, and the token kept in ${file} cannot be read: ${reason(err)}`]);
  }
  const token = text.trim();
  if (token.length < 16) {
    throw new ConfigError([
      `api.token: the token kept in ${file} is shorter than 16 characters; delete the file to have a new one made`,
    ]);
  }
  return token;
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : errorMessage(err);
}
