import { describe, expect, it } from 'vitest';
import { ManifestCatalog } from '../workflows/skill-catalog.ts';
import { manifest } from '../workflows/testing/definitions.ts';
import { validateDefinition } from '../workflows/validate-definition.ts';
import { shellStepCommands } from './workflow-shell-steps.ts';

const catalog = new ManifestCatalog([
  manifest('shell', {
    routes: ['on_success', 'on_error', 'on_timeout'],
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { command: { type: 'string' } },
    },
  }),
  manifest('echo'),
]);

const problems = (definition: Record<string, unknown>) => {
  const check = validateDefinition(definition, catalog);
  return check.ok ? [] : check.problems;
};

describe('a workflow with a shell step', () => {
  it('always requires 2FA, is never restarted on its own, and its shell steps are never retried', () => {
    expect(
      problems({
        name: 'disk',
        retryOnNodeLost: true,
        steps: [
          { id: 'a', name: 'A', skill: 'shell', config: { command: 'df -h' }, retry: { maxAttempts: 3 } },
          { id: 'b', name: 'B', skill: 'echo', onUnavailable: 'fallback', fallbackSkill: 'shell' },
        ],
      }),
    ).toEqual([
      { path: '/requires2fa', message: expect.stringMatching(/always requires 2FA/) },
      { path: '/retryOnNodeLost', message: expect.stringMatching(/never restarted on its own/) },
      { path: '/steps/0/retry/maxAttempts', message: expect.stringMatching(/never retried automatically/) },
      { path: '/steps/1/fallbackSkill', message: 'the shell cannot be a fallback skill' },
    ]);
  });

  it('needs a fixed command in each shell step, one the quoting rules can read', () => {
    expect(
      problems({ name: 'x', requires2fa: true, steps: [{ id: 'a', name: 'A', skill: 'shell' }] }),
    ).toEqual([{ path: '/steps/0/config/command', message: expect.stringMatching(/needs a fixed command/) }]);
    expect(
      problems({
        name: 'x',
        requires2fa: true,
        steps: [{ id: 'a', name: 'A', skill: 'shell', config: { command: 'df -h | wc' } }],
      }),
    ).toEqual([{ path: '/steps/0/config/command', message: expect.stringMatching(/metacharacter \|/) }]);
  });

  it('is valid once it requires 2FA, and its approval covers exactly the steps’ commands', () => {
    const check = validateDefinition(
      {
        name: 'ok',
        requires2fa: true,
        steps: [
          { id: 'a', name: 'A', skill: 'shell', config: { command: `git log '--format=%h %s'` } },
          { id: 'b', name: 'B', skill: 'echo' },
        ],
      },
      catalog,
    );
    expect(check.ok).toBe(true);
    if (check.ok) expect(shellStepCommands(check.definition)).toEqual(["git log '--format=%h %s'"]);
  });
});
