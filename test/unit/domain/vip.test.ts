import { describe, expect, it } from 'vitest';
import { isVip } from '../../../src/domain/vip.js';

const settings = { vip: { numbers: new Set(['15550000999@c.us']), bypassRedirect: true } };

describe('a VIP', () => {
  it('is on the config list, added through the API, or named so by the CRM', () => {
    expect(isVip(settings, '15550000999@c.us', { added: false })).toBe(true);
    expect(isVip(settings, '15550000111@c.us', { added: true })).toBe(true);
    expect(isVip(settings, '15550000111@c.us', { added: false, crm: true })).toBe(true);
  });

  it('is not anyone else, nor a caller the CRM did not say about', () => {
    expect(isVip(settings, '15550000111@c.us', { added: false })).toBe(false);
    expect(isVip(settings, '15550000111@c.us', { added: false, crm: false })).toBe(false);
    expect(isVip(settings, '15550000111@c.us', { added: false, crm: undefined })).toBe(false);
  });
});
