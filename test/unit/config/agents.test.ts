import { describe, expect, it } from 'vitest';
import { parseConfig, redactConfig } from '../../../src/config/index.js';
import { minimal, problemsOf } from './helpers.js';

const ADMIN = 'admin-token-0123456789';
const ANA = 'ana-token-0123456789';
const withAgents = (agents: unknown, token: string | null = ADMIN) =>
  parseConfig({ ...minimal, api: { ...(token === null ? {} : { token }), agents } }, { ANA_TOKEN: ANA });

describe('api.agents', () => {
  it('takes a token per agent, from the environment, or a list of them while one is rotated', () => {
    const config = withAgents({
      ana: { token: '${ANA_TOKEN}' },
      bo: { token: ['bo-old-token-0123456', 'bo-new-token-0123456'] },
    });
    expect(config.api.agents).toEqual({
      ana: { token: [ANA] },
      bo: { token: ['bo-old-token-0123456', 'bo-new-token-0123456'] },
    });
    expect(parseConfig(minimal, {}).api.agents).toEqual({});
  });

  it('refuses short tokens, tokens two agents (or an agent and the admin) share, and bad names, by path', () => {
    expect(problemsOf(() => withAgents({ ana: { token: 'short' } }))).toEqual([
      'api.agents.ana.token: must be at least 16 characters',
    ]);
    expect(problemsOf(() => withAgents({ ana: { token: ANA }, bo: { token: [ANA] } }))).toEqual([
      'api.agents.bo.token: the same token as api.agents.ana',
    ]);
    expect(problemsOf(() => withAgents({ ana: { token: ADMIN } }))).toEqual([
      'api.agents.ana.token: the same token as api.token',
    ]);
    expect(problemsOf(() => withAgents({ admin: { token: ANA } })).join('\n')).toMatch(/"admin" and "phone" are taken/);
    expect(problemsOf(() => withAgents({ 'a b': { token: ANA } })).join('\n')).toMatch(/^api\.agents/);
  });

  it("needs the admin's api.token beside them", () => {
    expect(problemsOf(() => withAgents({ ana: { token: ANA } }, null))).toEqual([
      "api.agents: agents need api.token (the admin's) to be set",
    ]);
  });

  it('never prints their tokens', () => {
    const shown = JSON.stringify(redactConfig(withAgents({ ana: { token: [ANA, 'ana-next-token-012345'] } })));
    expect(shown).not.toContain(ANA);
    expect(shown).not.toContain('ana-next-token');
    expect(shown).toContain('"ana":{"token":["***","***"]}');
  });
});
