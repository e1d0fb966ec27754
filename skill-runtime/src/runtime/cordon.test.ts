import { describe, expect, it } from 'vitest';
import type { SkillManifest } from '../contract/manifest.ts';
import type { SkillGrants } from '../contract/wire-types.ts';
import { cordonOf } from './cordon.ts';

// Which skills may share a worker: the rule itself, case by case (cordons.test.ts shows the
// sandbox placing skills by it).

const manifest = (over: Partial<SkillManifest> = {}): SkillManifest => ({
  name: 'skill',
  version: '1.0.0',
  description: 'a skill',
  permissions: [],
  ...over,
});
const grants = (over: Partial<SkillGrants> = {}): SkillGrants => ({
  permissions: [],
  net: [],
  secrets: [],
  invokes: [],
  ...over,
});

describe('the cordon of a skill', () => {
  it('is the same for the same origin and identical grants, in any order', () => {
    const a = cordonOf('dynamic', manifest(), grants({ permissions: ['http', 'storage'], net: ['a.example', 'b.example'] }));
    const b = cordonOf('dynamic', manifest(), grants({ permissions: ['storage', 'http'], net: ['b.example', 'a.example'] }));
    expect(a).toBeDefined();
    expect(a).toBe(b);
  }); // prettier-ignore

  it('differs by origin, permissions, hosts and invoked skills', () => {
    const base = grants({ permissions: ['http'], net: ['a.example'] });
    const key = cordonOf('dynamic', manifest(), base);
    expect(cordonOf('core', manifest(), base)).not.toBe(key);
    expect(cordonOf('dynamic', manifest(), { ...base, permissions: ['http', 'storage'] })).not.toBe(key);
    expect(cordonOf('dynamic', manifest(), { ...base, net: ['c.example'] })).not.toBe(key);
    expect(cordonOf('dynamic', manifest(), { ...base, invokes: ['echo'] })).not.toBe(key);
  });

  it.each([['shell'], ['automation'], ['secrets']] as const)(
    'is none for a skill holding %s',
    (permission) => {
      expect(cordonOf('core', manifest(), grants({ permissions: [permission] }))).toBeUndefined();
    },
  );

  it('is none for a skill granted a secret binding', () => {
    const bound = grants({ permissions: ['http'], net: ['api.example.com'], secrets: ['x.token → header x-key for api.example.com'] });
    expect(cordonOf('dynamic', manifest(), bound)).toBeUndefined();
  }); // prettier-ignore

  it.each([
    'localhost',
    'printer.localhost',
    '127.0.0.1',
    '10.0.0.5:8080',
    '192.168.1.20',
    '[::1]',
    'fd00::1',
  ])('is none for a skill that reaches the private or loopback host %s', (host) => {
    expect(cordonOf('dynamic', manifest(), grants({ permissions: ['http'], net: [host] }))).toBeUndefined();
  });

  it('is shared for a public host, and for any public host ("*")', () => {
    expect(
      cordonOf('dynamic', manifest(), grants({ permissions: ['http'], net: ['8.8.8.8'] })),
    ).toBeDefined();
    expect(cordonOf('core', manifest(), grants({ permissions: ['http'], net: ['*'] }))).toBeDefined();
  });

  it('is none for an external skill (it handles hostile content all day)', () => {
    expect(cordonOf('core', manifest({ external: true }), grants({ permissions: ['http'], net: ['*'] }))).toBeUndefined();
  }); // prettier-ignore
});
