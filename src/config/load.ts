import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkExposure, checkSessions } from './checks.js';
import { ConfigError, describeIssue, errorMessage, formatIssue, formatPath } from './errors.js';
import { isMapping } from './fields.js';
import { configSchema, type Config } from './schema.js';

/** Used only when the input has no `gateways` / `sessions` at all: a local WAHA, so no file is needed to start. */
const DEFAULT_GATEWAYS = {
  waha: {
    type: 'waha',
    url: '${WAHA_URL:-http://127.0.0.1:3001}',
    apiKey: '${WAHA_API_KEY:-}',
    hmacKey: '${WAHA_HMAC_KEY:-}',
  },
};
const DEFAULT_SESSIONS = { default: { gateway: 'waha' } };

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/** Reads and validates the YAML file, or the defaults when there is none. Throws `ConfigError`. */
export function loadConfig(opts: { file?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  if (opts.file === undefined) return parseConfig({}, env);

  let source: string;
  try {
    source = readFileSync(opts.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ConfigError([`cannot read config file ${opts.file}: ${READ_ERRORS[code] ?? errorMessage(err)}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (err) {
    throw new ConfigError([`cannot parse config file ${opts.file}: ${errorMessage(err)}`]);
  }
  return parseConfig(raw, env);
}

/** Validates an already-parsed config object: interpolates `${VAR}`, applies defaults. Throws `ConfigError`. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  // An empty YAML file parses to null: that is "all defaults", not an error.
  const given = raw ?? {};
  if (!isMapping(given)) throw new ConfigError(['config: expected a mapping of settings']);

  const withDefaults = {
    ...given,
    gateways: given.gateways === undefined ? DEFAULT_GATEWAYS : given.gateways,
    sessions: given.sessions === undefined ? DEFAULT_SESSIONS : given.sessions,
  };

  const missing: string[] = [];
  const input = interpolate(withDefaults, [], env, missing) as Record<string, unknown>;
  if (missing.length > 0) throw new ConfigError(missing);

  if (env.DATABASE_URL) {
    input.database = isMapping(input.database) ? { ...input.database, url: env.DATABASE_URL } : env.DATABASE_URL;
  }

  const result = configSchema.safeParse(input, { error: describeIssue });
  const problems = [...(result.success ? [] : result.error.issues.flatMap(formatIssue)), ...checkSessions(input)].map(
    // The file may say something else entirely; point at where the bad URL came from.
    (p) => (env.DATABASE_URL && /^database(\.url)?: /.test(p) ? `${p} (from DATABASE_URL)` : p),
  );
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  // Whether a valid config is safe to serve: asked of what it says, defaults and all.
  const unsafe = checkExposure(result.data);
  if (unsafe.length > 0) throw new ConfigError(unsafe);
  return result.data;
}

// `${VAR}` or `${VAR:-default}`; the default runs to the first `}`.
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces variables in every string scalar, recording each unset one (without a default) by path. */
function interpolate(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, missing: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, variable: string, fallback: string | undefined) => {
      const found = env[variable];
      // Like the shell's `:-`, the default also covers a variable that is set but empty.
      if (fallback !== undefined && !found) return fallback;
      if (found === undefined) {
        missing.push(`${formatPath(path)}: environment variable ${variable} is not set`);
        return whole;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, [...path, i], env, missing));
  if (isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, [...path, key], env, missing)]),
    );
  }
  return value;
}
