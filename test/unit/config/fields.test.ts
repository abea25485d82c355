import { describe, expect, it } from 'vitest';
import { template } from '../../../src/config/fields.js';
import { MESSAGE_PLACEHOLDERS } from '../../../src/domain/types.js';

describe('template', () => {
  // As a closed-hours text would declare it: the placeholders of every message, and its own.
  const closedHours = template([...MESSAGE_PLACEHOLDERS, 'opensAt'], 'We open at {{opensAt}}, {{name}}.');

  it('takes the placeholders its own set declares', () => {
    expect(closedHours.parse('Back at {{opensAt}}')).toBe('Back at {{opensAt}}');
    expect(closedHours.parse(undefined)).toBe('We open at {{opensAt}}, {{name}}.');
  });

  it('refuses the others, listing its set', () => {
    const result = closedHours.safeParse('Back at {{closesAt}}');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'unknown placeholder {{closesAt}}; this template may use {{name}}, {{session}}, {{number}}, {{opensAt}}',
    ]);
  });

  it('checks its default too, so a built-in text cannot drift from the set', () => {
    expect(() => template(MESSAGE_PLACEHOLDERS, 'Hi {{nmae}}').parse(undefined)).toThrow(/unknown placeholder/);
  });
});
