import { describe, expect, it } from 'vitest';
import type { SkillManifest } from './manifest.ts';
import { reapprovalReasons, requestedGrants } from './requested-grants.ts';

const manifest: SkillManifest = {
  name: 'github_reader',
  version: '2.0.0',
  description: 'reads GitHub',
  permissions: ['http', 'secrets', 'skills.invoke'],
  net: ['api.github.com'],
  secrets: [
    {
      handle: 'github.token',
      hosts: ['api.github.com'],
      in: 'header',
      name: 'authorization',
      prefix: 'Bearer ',
    },
  ],
  invokes: ['summarise'],
};

describe('what a manifest asks for', () => {
  it('shows each secret as its binding, one line the owner approves, and the skills it invokes', () => {
    expect(requestedGrants(manifest)).toEqual({
      permissions: ['http', 'secrets', 'skills.invoke'],
      net: ['api.github.com'],
      secrets: ['github.token → header authorization (prefix "Bearer ") for api.github.com'],
      invokes: ['summarise'],
    });
  });
});

describe('an approval from before secret bindings and invokes', () => {
  it('is marked: its bare secret handles and its undeclared invoking stay off until approved again', () => {
    const old: SkillManifest = { ...manifest, version: '1.0.0', secrets: ['github.token'], invokes: [] };
    const reasons = reapprovalReasons(old, {
      permissions: ['http', 'secrets', 'skills.invoke'],
      net: ['api.github.com'],
      secrets: ['github.token'],
      invokes: [],
    });
    expect(reasons).toEqual([
      expect.stringContaining('github.token was approved before secrets were bound to their hosts'),
      expect.stringContaining('skills.invoke was approved before skills declared which skills they invoke'),
    ]);
    expect(reapprovalReasons(manifest, requestedGrants(manifest))).toEqual([]);
  });
});
