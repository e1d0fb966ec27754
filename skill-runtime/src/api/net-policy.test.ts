import { describe, expect, it } from 'vitest';
import { checkDestination, isAllowedByNet, isNonPublicAddress } from './net-policy.ts';

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
