import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../src/domain/templates.js';

describe('templates', () => {
  it('fills placeholders', () => {
    expect(
      renderTemplate('Hi {{name}}, this is {{session}} ({{number}})', { name: 'John', session: 'shop', number: '123' }),
    ).toBe('Hi John, this is shop (123)');
  });
  it('drops a missing value with the space before it', () => {
    expect(renderTemplate('Hi {{name}}! We saw you.', { name: null })).toBe('Hi! We saw you.');
    expect(renderTemplate('Hi {{ name }}!', { name: '  ' })).toBe('Hi!');
  });
  it('uses a default when given', () => {
    expect(renderTemplate('Hi {{name|there}}!', {})).toBe('Hi there!');
    expect(renderTemplate('Hi {{name|there}}!', { name: 'Ana' })).toBe('Hi Ana!');
  });
  it('leaves text without placeholders alone', () => {
    expect(renderTemplate('Call us never.', { name: 'x' })).toBe('Call us never.');
  });
});
