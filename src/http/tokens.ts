import type { Config } from '../config/index.js';
import { ADMIN } from '../domain/workItems.js';
import { tokenMatches } from './api.js';

/**
 * Who a bearer token is: the admin (`api.token`) or one of `api.agents`. Every token opens the
 * API and the stream alike; the name is what claims and closes of work items are recorded with.
 */
export class ApiTokens {
  private readonly tokens: Array<{ agent: string; token: string }>;

  constructor(api: Pick<Config['api'], 'token' | 'agents'>) {
    this.tokens = api.token === undefined ? [] : [{ agent: ADMIN, token: api.token }];
    for (const [agent, { token }] of Object.entries(api.agents))
      for (const t of token) this.tokens.push({ agent, token: t });
  }

  /** False when no token is configured: the API is open, and nobody is anybody. */
  get required(): boolean {
    return this.tokens.length > 0;
  }

  /** The admin's token: what stream tickets are signed with, the same on every replica. */
  get admin(): string | undefined {
    return this.tokens[0]?.token;
  }

  /**
   * `admin`, the agent's name, or null when the header carries none of the tokens. Every token is
   * compared (each in constant time), so how long this takes does not tell which one came close.
   */
  agentOf(header: string | undefined): string | null {
    let found: string | null = null;
    for (const t of this.tokens) if (tokenMatches(header, t.token) && found === null) found = t.agent;
    return found;
  }
}
