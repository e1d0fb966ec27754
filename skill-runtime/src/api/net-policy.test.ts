import { describe, expect, it } from 'vitest';
import { checkDestination, isAllowedByNet, isNonPublicAddress, netReach } from './net-policy.ts';

const STRICT = { allowPrivateAddresses: false, allowPlainHttp: false };

describe('the http allowlist', () => {
  it('matches exact hosts, sub-domains of a wildcard, and ports', () => {
    expect(isAllowedByNet(new URL('https://api.example.com/x'), ['api.example.com'])).toBe(true);
    expect(isAllowedByNet(new URL('https://evil-api.example.com/'), ['api.example.com'])).toBe(false);
    expect(isAllowedByNet(new URL('https://api.example.com.evil.net/'), ['api.example.com'])).toBe(false);
    expect(isAllowedByNet(new URL('https://a.b.example.com/'), ['*.example.com'])).toBe(true);
    expect(isAllowedByNet(new URL('https://example.com/'), ['*.example.com'])).toBe(false);
    expect(isAllowedByNet(new URL('https://api.example.com:8443/'), ['api.example.com'])).toBe(false);
    expect(isAllowedByNet(new URL('https://api.example.com:8443/'), ['api.example.com:8443'])).toBe(true);
  });

  it('refuses plain http, credentials in the URL and private literals by default', () => {
    expect(() => checkDestination(new URL('http://api.example.com/'), ['api.example.com'], STRICT)).toThrow(
      /only https/,
    );
    expect(() =>
      checkDestination(new URL('https://u:p@api.example.com/'), ['api.example.com'], STRICT),
    ).toThrow(/credentials/);
    expect(() => checkDestination(new URL('https://10.0.0.8/'), ['10.0.0.8'], STRICT)).toThrow(/private/);
    expect(() =>
      checkDestination(new URL('https://[::ffff:127.0.0.1]/'), ['[::ffff:7f00:1]'], STRICT),
    ).toThrow();
  });

  it('knows loopback, private, link-local and mapped addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '100.64.0.1',
      '0.0.0.0',
    ]) {
      expect(isNonPublicAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) {
      expect(isNonPublicAddress(address), address).toBe(false);
    }
  });
});

describe('private addresses in every form a URL or a DNS answer can spell them', () => {
  const FORMS: [form: string, url: string][] = [
    ['decimal IPv4', 'https://2130706433/'],
    ['hex IPv4', 'https://0x7f000001/'],
    ['dotted hex IPv4', 'https://0x7f.0x0.0x0.0x1/'],
    ['octal IPv4', 'https://0177.0.0.1/'],
    ['short IPv4', 'https://127.1/'],
    ['decimal private IPv4', 'https://167772161/'],
    ['cloud metadata', 'https://169.254.169.254/'],
    ['IPv4-mapped IPv6', 'https://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped IPv6, hex', 'https://[::ffff:a9fe:a9fe]/'],
    ['IPv4-compatible IPv6', 'https://[::127.0.0.1]/'],
    ['IPv4-compatible IPv6, private', 'https://[::10.0.0.1]/'],
    ['NAT64 well-known prefix', 'https://[64:ff9b::7f00:1]/'],
    ['NAT64 local-use prefix', 'https://[64:ff9b:1::a00:1]/'],
    ['6to4 of a private IPv4', 'https://[2002:c0a8:101::1]/'],
    ['6to4 of loopback', 'https://[2002:7f00:1::]/'],
    ['Teredo', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/'],
    ['site-local IPv6', 'https://[fec0::1]/'],
    ['unique local IPv6', 'https://[fd12:3456::1]/'],
    ['link-local IPv6', 'https://[fe80::1]/'],
  ];
  const canonical = (href: string): string => new URL(href).hostname.replace(/^\[|\]$/g, '');

  for (const [form, href] of FORMS) {
    it(`refuses ${form} (${href} = ${canonical(href)})`, () => {
      // What the DNS guard and the literal check both ask: URL parsing has made the spelling canonical.
      expect(isNonPublicAddress(canonical(href))).toBe(true);
      const url = new URL(href);
      // An IPv4 literal on the allowlist by its canonical host is still refused for its address.
      if (url.hostname === canonical(href)) {
        expect(() => checkDestination(url, [url.hostname], STRICT)).toThrow(/private or loopback/);
        expect(() =>
          checkDestination(url, [url.hostname], { allowPrivateAddresses: true, allowPlainHttp: false }),
        ).not.toThrow();
      }
    });
  }

  it('still takes public addresses, IPv6 included', () => {
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e']) {
      expect(isNonPublicAddress(address), address).toBe(false);
    }
  });
});

describe('the net entry "*": any public host, never a private one', () => {
  const OPTED_IN = { allowPrivateAddresses: true, allowPlainHttp: true };

  it('reaches any host name and public address on the default port', () => {
    expect(netReach(new URL('https://news.example.org/a'), ['*'])).toBe('any_public');
    expect(netReach(new URL('http://93.184.216.34/'), ['*'])).toBe('any_public');
    expect(checkDestination(new URL('https://news.example.org/a'), ['*'], STRICT)).toEqual({
      privateAddresses: false,
    });
    // Not another port: `*` is hosts, not services.
    expect(netReach(new URL('https://news.example.org:8443/'), ['*'])).toBe('none');
    expect(() => checkDestination(new URL('https://news.example.org:8443/'), ['*'], STRICT)).toThrow(
      /not in this skill's net allowlist/,
    );
  });

  it('refuses loopback, private and link-local literals even when the owner allows private addresses', () => {
    for (const href of [
      'http://127.0.0.1/',
      'http://10.0.0.8/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://2130706433/',
    ]) {
      expect(() => checkDestination(new URL(href), ['*'], OPTED_IN), href).toThrow(
        /"\*" reaches public hosts only/,
      );
    }
  });

  it('leaves the opt-in to the entries that name a host, and tells the DNS guard which it is', () => {
    const net = ['*', '127.0.0.1:8080', 'intranet.local'];
    expect(checkDestination(new URL('http://127.0.0.1:8080/'), net, OPTED_IN)).toEqual({
      privateAddresses: true,
    });
    // A host name named in net may resolve to a private address with the opt-in; one reached through
    // `*` may not, so `localhost` through `*` is refused when it resolves, not only as a literal.
    expect(checkDestination(new URL('http://intranet.local/'), net, OPTED_IN)).toEqual({
      privateAddresses: true,
    });
    expect(checkDestination(new URL('http://localhost/'), net, OPTED_IN)).toEqual({
      privateAddresses: false,
    });
    // Without the opt-in, not even a named host may.
    const httpOnly = { allowPrivateAddresses: false, allowPlainHttp: true };
    expect(checkDestination(new URL('http://intranet.local/'), net, httpOnly)).toEqual({
      privateAddresses: false,
    });
  });

  it('is not a host pattern: "*" in an allowlist of hosts (a recipe, a binding) matches nothing', () => {
    expect(isAllowedByNet(new URL('https://news.example.org/'), ['*'])).toBe(false);
  });
});
