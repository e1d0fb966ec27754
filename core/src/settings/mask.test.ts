import { describe, expect, it } from 'vitest';
import { looksSensitive, maskSecret } from './mask.ts';

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

describe('looksSensitive', () => {
  it('flags names of credentials', () => {
    expect(looksSensitive('mcp.api_key')).toBe(true);
    expect(looksSensitive('discord.bot_token')).toBe(true);
    expect(looksSensitive('smtp.password')).toBe(true);
    expect(looksSensitive('telegram.chat_id')).toBe(false);
  });
});
