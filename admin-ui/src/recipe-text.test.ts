import { describe, expect, it } from 'vitest';
import type { RecipeStep } from '@talon/skill-runtime/recipes/index.ts';
import { describeTarget, describeValue } from './recipe-text.ts';

describe('a recipe step in words', () => {
  it('names the first locator, its fallbacks and the frames, and a secret only by its handle', () => {
    const step: RecipeStep = {
      type: 'fill',
      target: {
        page: 0,
        frames: ['iframe[title="Login"]'],
        locators: [
          { kind: 'label', label: 'Password' },
          { kind: 'css', selector: '#pw' },
        ],
      },
      value: { secret: 'password' },
    };
    expect(describeTarget(step)).toBe('labelled “Password” (+1 fallback) in iframe[title="Login"]');
    expect(describeValue(step)).toBe('secret password');
  });

  it('says what a download, a key press and a navigation do', () => {
    const target = { page: 1, frames: [], locators: [{ kind: 'role' as const, role: 'button' as const, name: 'Export' }] };
    expect(describeTarget({ type: 'download', target })).toBe('button “Export” popup 1');
    expect(describeValue({ type: 'press', key: 'Enter' })).toBe('Enter');
    expect(describeTarget({ type: 'navigate', url: 'https://a.example/' })).toBe('');
    expect(describeValue({ type: 'navigate', url: 'https://a.example/' })).toBe('https://a.example/');
  }); // prettier-ignore
});
