import { describe, expect, it } from 'vitest';
import { formatDuration } from './format.ts';

describe('durations as the admin shows them', () => {
  it.each([
    [0, '0 s'],
    [42, '42 s'],
    [60, '1 min'],
    [899, '14 min 59 s'],
    [900, '15 min'],
    [3_600, '1 h'],
    [3_660, '1 h 1 min'],
    [90_061, '1 d 1 h'],
    [-5, '0 s'],
    [12.7, '12 s'],
  ])('%d seconds reads "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
