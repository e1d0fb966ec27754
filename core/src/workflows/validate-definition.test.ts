import { describe, expect, it } from 'vitest';
import { ManifestCatalog } from './skill-catalog.ts';
import { manifest } from './testing/definitions.ts';
import { validateDefinition } from './validate-definition.ts';

const catalog = new ManifestCatalog([
  manifest('rss_fetch', {
    version: '2.1.0',
    routes: ['on_items', 'on_empty', 'on_error'],
    configSchema: {
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string', pattern: '^https://' }, limit: { type: 'integer', minimum: 1 } },
    },
  }),
  manifest('notify'),
]);

describe('validateDefinition', () => {
  it('fills in defaults and records the installed skill version', () => {
    const check = validateDefinition(
      {
        name: 'News',
        steps: [{ id: 'fetch', name: 'Fetch', skill: 'rss_fetch', config: { url: 'https://x' } }],
      },
      catalog,
    );
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.definition).toMatchObject({
      description: '',
      enabled: true,
      schedule: null,
      requires2fa: false,
      maxConcurrentRuns: 1,
      stepBudget: 100,
      steps: [
        {
          skillVersion: '2.1.0',
          inputFrom: null,
          routes: {},
          retry: { maxAttempts: 1 },
          onUnavailable: 'halt',
          fallbackSkill: null,
        },
      ],
    });
  });

  it('reports every shape problem with its JSON path', () => {
    const check = validateDefinition(
      {
        name: '',
        color: 'red',
        maxConcurrentRuns: 0,
        steps: [
          { id: 'Bad Id', name: 'x', skill: 'notify', retry: { maxAttempts: 0 }, onUnavailable: 'pray' },
          { name: 'no id' },
        ],
      },
      catalog,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    const paths = check.problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/name',
        '/',
        '/maxConcurrentRuns',
        '/steps/0/id',
        '/steps/0/retry/maxAttempts',
        '/steps/0/onUnavailable',
        '/steps/1/id',
        '/steps/1/skill',
      ]),
    );
    expect(check.problems.find((problem) => problem.path === '/')?.message).toBe('unknown field "color"');
    expect(check.problems.find((problem) => problem.path === '/steps/1/skill')?.message).toBe(
      'missing required field "skill"',
    );
  });

  it('reports every rule across fields and against installed skills, each with its path', () => {
    const check = validateDefinition(
      {
        name: 'Broken',
        schedule: { cron: '61 * * * *', timezone: 'Mars/Olympus' },
        steps: [
          {
            id: 'fetch',
            name: 'Fetch',
            skill: 'rss_fetch',
            skillVersion: '1.0.0',
            config: { url: 'http://plain', limit: 0 },
            inputFrom: 'notify',
            routes: { on_items: 'nowhere', on_success: 'notify', default: 'end' },
            onUnavailable: 'fallback',
          },
          { id: 'notify', name: 'Notify', skill: 'missing_skill' },
          { id: 'notify', name: 'Twice', skill: 'notify', fallbackSkill: 'notify' },
        ],
      },
      catalog,
    );
    expect(check.ok).toBe(false);
    if (check.ok) return;
    const byPath = Object.fromEntries(check.problems.map((problem) => [problem.path, problem.message]));
    expect(byPath).toMatchObject({
      '/schedule/timezone': 'unknown time zone "Mars/Olympus"',
      '/steps/2/id': 'duplicate step id "notify"',
      '/steps/0/inputFrom': '"notify" is not an earlier step',
      '/steps/0/fallbackSkill': 'onUnavailable "fallback" needs a fallbackSkill',
      '/steps/0/routes/on_items': 'goes to "nowhere", which is neither a step id nor "end"',
      '/steps/0/skillVersion': 'designed for rss_fetch 1.0.0, but 2.1.0 is installed (incompatible)',
      '/steps/0/config/url': 'must match pattern "^https://"',
      '/steps/0/config/limit': 'must be >= 1',
      '/steps/1/skill': 'skill "missing_skill" is not installed',
      '/steps/2/fallbackSkill': 'fallbackSkill is only used with onUnavailable "fallback"',
    });
    expect(byPath['/steps/0/routes/on_success']).toContain('never returns "on_success"');
    // Both schedule fields are reported, not only the first found.
    expect(byPath['/schedule/cron']).toContain('expected range 0-59');
  });

  it('rejects an invalid cron expression and one without 5 fields', () => {
    for (const cron of ['61 * * * *', '* * * *', '*/5 * * * * *']) {
      const check = validateDefinition({ name: 'c', schedule: { cron }, steps: [] }, catalog);
      expect(check.ok ? [] : check.problems.map((problem) => problem.path)).toEqual(['/schedule/cron']);
    }
    expect(
      validateDefinition(
        { name: 'c', schedule: { cron: '*/5 9-17 * * 1-5', timezone: 'Europe/Paris' }, steps: [] },
        catalog,
      ).ok,
    ).toBe(true);
  });

  // AlexClaw WF-10 QUIRK: `fallback` without a fallback skill crashed the run; here it cannot be saved.
  it('refuses a fallback without a fallback skill at save time', () => {
    const check = validateDefinition(
      { name: 'f', steps: [{ id: 'n', name: 'N', skill: 'notify', onUnavailable: 'fallback' }] },
      catalog,
    );
    expect(check.ok ? [] : check.problems).toEqual([
      { path: '/steps/0/fallbackSkill', message: 'onUnavailable "fallback" needs a fallbackSkill' },
    ]);
  });

  it('offers the branches the skill declares, plus default and on_error', () => {
    const check = validateDefinition(
      {
        name: 'routes',
        steps: [
          {
            id: 'fetch',
            name: 'F',
            skill: 'rss_fetch',
            config: { url: 'https://x' },
            routes: { on_items: 'n', on_empty: 'end', default: 'n', on_error: 'end' },
          },
          { id: 'n', name: 'N', skill: 'notify' },
        ],
      },
      catalog,
    );
    expect(check.ok).toBe(true);
  });
});
