import { describe, expect, it } from 'vitest';
import { verifyCoreSkills } from './build-core-skills.ts';

describe('core skills shipped in plugins/', () => {
  it('are exactly the build of their sources, with the checksums the host verifies', async () => {
    expect(await verifyCoreSkills()).toEqual([]);
  });
});
