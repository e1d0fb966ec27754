import { describe, expect, it } from 'vitest';
import { resolveHttpUrl } from './resolve-url.ts';

describe('resolveHttpUrl (no URL class in an isolate)', () => {
  const BASE = 'https://a.example/b/c/d;p?q';

  it('resolves the examples of RFC 3986 §5.4 as the WHATWG URL class does', () => {
    for (const href of [
      'g',
      './g',
      'g/',
      '/g',
      '//g',
      '?y',
      'g?y',
      'g#s',
      '',
      '.',
      './',
      '..',
      '../',
      '../g',
      '../..',
      '../../',
      '../../g',
      '../../../g',
      '/./g',
      '/../g',
      'g.',
      '.g',
      'g..',
      './../g',
      './g/.',
      'g/./h',
      'g/../h',
      'g;x=1/./y',
      'g?y/./x',
    ]) {
      const expected = new URL(href, BASE);
      expected.hash = '';
      expect(resolveHttpUrl(href, BASE), JSON.stringify(href)).toBe(expected.href);
    }
  });

  it('keeps only http(s), and refuses credentials and what has no base', () => {
    expect(resolveHttpUrl('HTTPS://Example.COM', undefined)).toBe('https://example.com/');
    expect(resolveHttpUrl('javascript:alert(1)', BASE)).toBeUndefined();
    expect(resolveHttpUrl('mailto:x@y.example', BASE)).toBeUndefined();
    expect(resolveHttpUrl('https://user:pw@evil.example/', BASE)).toBeUndefined();
    expect(resolveHttpUrl('/relative', undefined)).toBeUndefined();
    expect(resolveHttpUrl('ja\nvascript:alert(1)', BASE)).toBeUndefined();
  });
});
