import { describe, expect, it } from 'vitest';
import { DEFAULT_CORE_SKILLS_DIR, readCoreSkills } from '@talon/core/skills/core-skills.ts';

// The skills Talon ships (plugins/), as the host reads them at start: each verified against the
// checksum committed beside it. (That the bundles are exactly the build of their sources is
// plugins/core-skills.test.ts.)
describe('the core skills shipped in plugins/', () => {
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
