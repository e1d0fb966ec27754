import { describe, expect, it } from 'vitest';
import type { StepDefinition } from './api/workflow-types.ts';
import {
  draftOf,
  forgetStepReferences,
  newStep,
  parseConfig,
  renameStepReferences,
  stepsWithNewSecretBinding,
  uniqueStepId,
} from './workflow-draft.ts';

function step(
  id: string,
  routes: Record<string, string> = {},
  inputFrom: string | null = null,
): StepDefinition {
  return { ...newStep(undefined, []), id, routes, inputFrom };
}

describe('workflow drafts', () => {
  it('gives each new step an id no other step has, in the form the server accepts', () => {
    expect(uniqueStepId('echo', [])).toBe('echo');
    expect(uniqueStepId('echo', ['echo', 'echo_2'])).toBe('echo_3');
    expect(uniqueStepId('JSON Transform!', [])).toBe('json_transform');
    expect(uniqueStepId('42 things', [])).toBe('things');
    expect(uniqueStepId('', [])).toBe('step');
    for (const id of [uniqueStepId('Ünïcode', []), uniqueStepId('x'.repeat(90), [])]) {
      expect(id).toMatch(/^[a-z][a-z0-9_-]{0,63}$/);
    }
  });

  it('reads a config only when it is a JSON object, and says why not', () => {
    expect(parseConfig('{"wrap": "item"}')).toEqual({ config: { wrap: 'item' } });
    expect(parseConfig('  ')).toEqual({ config: {} });
    expect(parseConfig('{"wrap": ')).toEqual({ error: expect.stringContaining('not valid JSON') });
    expect(parseConfig('[1, 2]')).toEqual({ error: expect.stringContaining('must be a JSON object') });
    expect(parseConfig('null')).toEqual({ error: expect.stringContaining('must be a JSON object') });
  });

  it('keeps routes and input-from pointing at a step when its id changes, and drops them when it goes', () => {
    const steps = [
      step('a', { on_success: 'c', default: 'b' }),
      step('b', {}, 'a'),
      step('c', { on_error: 'a' }),
    ];
    renameStepReferences(steps, 'a', 'first');
    expect(steps[1]?.inputFrom).toBe('first');
    expect(steps[2]?.routes).toEqual({ on_error: 'first' });
    forgetStepReferences(steps, 'c');
    expect(steps[0]?.routes).toEqual({ default: 'b' });
  });
});

describe('stepsWithNewSecretBinding', () => {
  const binding = { handle: 'github.token', hosts: ['api.github.com'], in: 'header', name: 'authorization' };
  const step = (id: string, config: Record<string, unknown>) =>
    ({ ...newStep(undefined, []), id, skill: 'api_request', config }) as StepDefinition;
  const draft = (id: string, config: Record<string, unknown>) => ({
    ...draftOf(step(id, {})),
    configText: JSON.stringify(config),
  });

  it('names the steps whose binding is new or changed since the saved version, so the editor asks a code', () => {
    const saved = [step('a', { secretBinding: binding }), step('b', {})];
    expect(
      stepsWithNewSecretBinding([draft('a', { secretBinding: binding }), draft('b', {})], saved),
    ).toEqual([]);
    expect(
      stepsWithNewSecretBinding(
        [
          draft('a', { secretBinding: { ...binding, prefix: 'Bearer ' } }),
          draft('b', { secretBinding: binding }),
        ],
        saved,
      ),
    ).toEqual(['a', 'b']);
    expect(stepsWithNewSecretBinding([draft('c', { secretBinding: binding })], undefined)).toEqual(['c']);
    expect(stepsWithNewSecretBinding([{ ...draft('d', {}), configText: '{ not json' }], undefined)).toEqual(
      [],
    );
  });
});
