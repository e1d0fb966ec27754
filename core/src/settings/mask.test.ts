import { describe, expect, it } from 'vitest';
import { maskSecret } from './mask.ts';

describe('maskSecret', () => {
  it('shows the first and last four characters of long values', () => {
    expect(maskSecret('sk-ant-api03-abcdef')).toBe('sk-a********cdef');
  });

  it('hides short values completely, one star per character', () => {
    expect(maskSecret('12345678')).toBe('********');
    expect(maskSecret('abc')).toBe('***');
    expect(maskSecret('')).toBe('');
  });

  it('counts characters, not bytes', () => {
    expect(maskSecret('ééééééééé')).toBe('éééé********éééé');
  });
});
