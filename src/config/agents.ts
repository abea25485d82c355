import { z } from 'zod';
import { strictObject } from './fields.js';

// `api.agents`: named agents, each with their own bearer token(s). Claims and closes in the work
// queue record the name; `admin` is what the admin's `api.token` records.

/** An agent's bearer token, or several while one is being rotated. */
const agentToken = z.string().min(16, 'must be at least 16 characters');
const agent = strictObject({
  token: z.union([agentToken.transform((t) => [t]), z.array(agentToken).min(1, 'list at least one token')], {
    error: (issue) => (issue.code === 'invalid_union' ? 'expected a token, or a list of tokens' : undefined),
  }),
});

/** Agents by name; `name` is the config's name rule, less `admin` and `phone` (a reply typed on the business's phone). */
export const agents = (name: z.ZodString) =>
  z
    .record(
      name.refine((n) => n !== 'admin' && n !== 'phone', 'the names "admin" and "phone" are taken'),
      agent,
    )
    .default({});

/** Agents' tokens must tell them apart, and need the admin's beside them. */
export function checkAgents(
  api: { token?: string | undefined; agents: Record<string, { token: string[] }> },
  ctx: z.RefinementCtx,
): void {
  if (Object.keys(api.agents).length === 0) return;
  if (api.token === undefined) {
    ctx.addIssue({ code: 'custom', path: ['agents'], message: "agents need api.token (the admin's) to be set" });
    return;
  }
  const owner = new Map([[api.token, 'api.token']]);
  for (const [agentKey, a] of Object.entries(api.agents)) {
    for (const t of a.token) {
      const other = owner.get(t);
      if (other !== undefined)
        ctx.addIssue({ code: 'custom', path: ['agents', agentKey, 'token'], message: `the same token as ${other}` });
      else owner.set(t, `api.agents.${agentKey}`);
    }
  }
}
