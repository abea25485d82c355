import { describe, expect, it } from 'vitest';
import { escalationPending } from '../../../src/domain/escalation.js';

describe('a pending escalation', () => {
  it('holds until escalateUntil, that moment included', () => {
    expect(escalationPending({ escalateUntil: 1_000 }, 999)).toBe(true);
    expect(escalationPending({ escalateUntil: 1_000 }, 1_000)).toBe(true);
    expect(escalationPending({ escalateUntil: 1_000 }, 1_001)).toBe(false);
  });

  it('is not pending for a caller never marked, or whose mark a text used up', () => {
    expect(escalationPending({ escalateUntil: null }, 0)).toBe(false);
  });
});
