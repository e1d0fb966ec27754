import { describe, expect, it } from 'vitest';
import type { SkillGrants } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { diffGrants, resolveGrants } from './grants.ts';
import { compareVersions } from './semver.ts';

const grant = (
  permissions: string[],
  net: string[] = [],
  secrets: string[] = [],
  invokes: string[] = [],
): SkillGrants => ({ permissions, net, secrets, invokes }) as SkillGrants;

describe('resolveGrants', () => {
  it('grants what is asked on a first load, and only what the owner passes when they narrow it', () => {
    expect(resolveGrants(grant(['http', 'log'], ['a.com']), undefined, undefined, '1.0.0')).toEqual(
      grant(['http', 'log'], ['a.com']),
    );
    expect(resolveGrants(grant(['http', 'log'], ['a.com']), grant(['log']), undefined, '1.0.0')).toEqual(
      grant(['log']),
    );
  });

  it('never grants more than the manifest asks for', () => {
    expect(() => resolveGrants(grant(['log']), grant(['log'], ['evil.com']), undefined, '1.0.0')).toThrow(
      'grants.net: "evil.com" is not asked for',
    );
  });

  it('keeps the current grant for an update that asks for the same or less, dropping what is no longer asked', () => {
    expect(resolveGrants(grant(['log']), undefined, grant(['log', 'storage']), '1.1.0')).toEqual(
      grant(['log']),
    );
    expect(() =>
      resolveGrants(grant(['log', 'http'], ['a.com']), undefined, grant(['log']), '1.1.0'),
    ).toThrow(/Version 1.1.0 asks for more than its current grant \(permissions \+http; net \+a.com\)/);
  });

  it('says what was added and what was dropped', () => {
    expect(diffGrants(grant(['log', 'http'], ['b.com']), grant(['log', 'storage'], ['a.com']))).toEqual({
      added: { permissions: ['http'], net: ['b.com'], secrets: [], invokes: [] },
      removed: { permissions: ['storage'], net: ['a.com'], secrets: [], invokes: [] },
    });
  });

  it('treats a changed secret binding and a newly invoked skill as asking for more', () => {
    const bound = 'github.token → header authorization for api.github.com';
    const moved = 'github.token → header x-echo for api.github.com';
    expect(() =>
      resolveGrants(grant(['secrets'], [], [moved]), undefined, grant(['secrets'], [], [bound]), '1.1.0'),
    ).toThrow(/secrets \+github.token → header x-echo for api.github.com/);
    expect(() =>
      resolveGrants(
        grant(['skills.invoke'], [], [], ['a', 'b']),
        undefined,
        grant(['skills.invoke'], [], [], ['a']),
        '1.1.0',
      ),
    ).toThrow(/invokes \+b/);
  });
});

describe('compareVersions', () => {
  it('orders by semver precedence', () => {
    const sorted = [
      '1.0.0',
      '0.9.10',
      '1.0.0-rc.2',
      '1.0.0-rc.10',
      '1.0.0-alpha',
      '0.9.9',
      '1.10.0',
      '1.2.0',
    ].sort(compareVersions);
    expect(sorted).toEqual([
      '0.9.9',
      '0.9.10',
      '1.0.0-alpha',
      '1.0.0-rc.2',
      '1.0.0-rc.10',
      '1.0.0',
      '1.2.0',
      '1.10.0',
    ]);
    expect(compareVersions('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
  });
});
