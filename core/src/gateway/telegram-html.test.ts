import { describe, expect, it } from 'vitest';
import { escapeHtml, sanitizeSkillHtml, visibleLength } from './telegram-html.ts';

describe('sanitizeSkillHtml', () => {
  it('keeps the formatting tags and escapes text', () => {
    expect(sanitizeSkillHtml('<b>1 < 2</b> & <code>x</code>')).toBe('<b>1 &lt; 2</b> &amp; <code>x</code>');
  });

  it('never lets a link, an attribute or an unknown tag through', () => {
    for (const hostile of [
      '<a href="https://x">y</a>',
      '<b onclick="x">y</b>',
      '<tg-spoiler>y</tg-spoiler>',
      '<img src=x>',
    ]) {
      expect(sanitizeSkillHtml(hostile)).not.toMatch(/<(a|img|tg-spoiler|b )/);
    }
    expect(sanitizeSkillHtml('<a href="https://x">y</a>')).toBe(escapeHtml('<a href="https://x">y</a>'));
  });

  it('closes what was left open and refuses mis-nested closing tags', () => {
    expect(sanitizeSkillHtml('<b><i>x</b>')).toBe('<b><i>x&lt;/b&gt;</i></b>');
    expect(sanitizeSkillHtml('</pre>x')).toBe('&lt;/pre&gt;x');
  });

  it('counts visible characters, not markup', () => {
    expect(visibleLength(sanitizeSkillHtml('<b>a&b</b>'))).toBe(3);
  });
});
