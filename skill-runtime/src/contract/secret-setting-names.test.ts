import { describe, expect, it } from 'vitest';
import { looksSensitive } from './secret-setting-names.ts';

describe('looksSensitive', () => {
  it('flags names of credentials', () => {
    expect(looksSensitive('mcp.api_key')).toBe(true);
    expect(looksSensitive('discord.bot_token')).toBe(true);
    expect(looksSensitive('smtp.password')).toBe(true);
    expect(looksSensitive('telegram.chat_id')).toBe(false);
  });
});
