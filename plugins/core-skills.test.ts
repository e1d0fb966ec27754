import { describe, expect, it } from 'vitest';
import { DEFAULT_CORE_SKILLS_DIR, readCoreSkills } from '@talon/core/skills/core-skills.ts';
import { verifyCoreSkills } from './build-core-skills.ts';

describe('core skills shipped in plugins/', () => {
  it('are exactly the build of their sources, with the checksums the host verifies', async () => {
    expect(await verifyCoreSkills()).toEqual([]);
  });

  it('all pass the host verification at start', async () => {
    const read = await readCoreSkills(DEFAULT_CORE_SKILLS_DIR);
    expect(read.failed).toEqual([]);
    expect(read.verified.map((pkg) => pkg.manifest.name)).toEqual([
      'api_request',
      'conversational',
      'echo',
      'github_security_review',
      'json_transform',
      'llm_score',
      'llm_transform',
      'rss_fetch',
      'shell',
      'telegram_notify',
      'web_automation',
      'web_fetch',
    ]);
  });
});
