import type { z } from 'zod';

/** Every problem found, one `<dotted.path>: <message>` per line of `message`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** `sessions.default.vip.numbers[1]`: keys joined by dots, list positions in brackets. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'config';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
};

/** Plain-language messages for zod's built-in issues; schema-specific messages take precedence. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const got = describeValue(issue.input);
      // YAML reads `apiKey: 12345` as a number; quoting is the fix.
      const hint = issue.expected === 'string' && typeof issue.input !== 'object' ? ' (quote it)' : '';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}${hint}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** One `<path>: <message>` line per problem in a zod issue. */
export function formatIssue(issue: z.core.$ZodIssue): string[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key; ${issue.message}`);
    case 'invalid_union': {
      // zod gives up on a union when every branch fails; when exactly one branch got the right
      // type (e.g. a database mapping with a bad poolSize), its problems are the useful ones.
      const typed = issue.errors.filter(
        (branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      const only = typed.length === 1 ? typed[0] : undefined;
      if (only) return only.flatMap((i) => formatIssue({ ...i, path: [...issue.path, ...i.path] }));
      return [`${formatPath(issue.path)}: ${issue.message}`];
    }
    case 'invalid_key':
      // The record's own message is generic; the key schema's says what a valid name looks like.
      return [`${formatPath(issue.path)}: ${issue.issues.map((i) => i.message).join('; ')}`];
    default:
      return [`${formatPath(issue.path)}: ${issue.message}`];
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
