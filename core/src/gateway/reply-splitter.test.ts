import { describe, expect, it } from 'vitest';
import { splitReply } from './reply-splitter.ts';

describe('splitReply', () => {
  it('keeps a short reply whole', () => {
    expect(splitReply('pong')).toEqual(['pong']);
  });

  it('splits on line boundaries, never inside a line that fits', () => {
    const lines = ['a'.repeat(6), 'b'.repeat(6), 'c'.repeat(6)];
    expect(splitReply(lines.join('\n'), 13)).toEqual(['aaaaaa\nbbbbbb', 'cccccc']);
  });

  it('cuts a single line longer than the limit at the limit', () => {
    expect(splitReply('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('sends at most the given number of parts and says how many characters were left out', () => {
    const text = Array.from({ length: 20 }, (_, i) => `line ${String(i).padStart(2, '0')}`).join('\n');
    const parts = splitReply(text, 40, 2);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(40);
    const more = Number(/… \((\d+) more characters, see the admin\)$/.exec(parts[1]!)![1]);
    const shown = parts[0]!.length + parts[1]!.split('\n…')[0]!.length;
    // Everything is accounted for: shown + left out + the line breaks between the first two parts.
    expect(shown + more).toBe(text.length);
  });
});
