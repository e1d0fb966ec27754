import { describe, expect, it } from 'vitest';
import { DEFAULT_STORAGE_LIMITS } from '../../core/src/skills/skill-api/storage.ts';
import { LOCAL_STORAGE_LIMITS, LocalSkillApi } from './local-api.ts';

const manifest = {
  name: 'local_probe',
  version: '1.0.0',
  description: 'probe',
  permissions: ['storage' as const],
};

describe('the local SkillAPI of talon-skill run', () => {
  it('keeps the host storage limits', () => {
    expect(LOCAL_STORAGE_LIMITS).toEqual(DEFAULT_STORAGE_LIMITS);
  });

  it('answers through the host gate: granted calls work, others are denied and recorded as in Talon', async () => {
    const lines: string[] = [];
    const api = new LocalSkillApi({ log: (line) => lines.push(line) }).forRun({
      manifest,
      grants: { permissions: ['storage'], net: [], secrets: [] },
      depth: 0,
    });
    expect(JSON.parse(await api.handler('storage.set', '["k", {"a": 1}]'))).toEqual({ result: null });
    expect(JSON.parse(await api.handler('storage.get', '["k"]'))).toEqual({ result: { a: 1 } });
    expect(JSON.parse(await api.handler('config.get', '["telegram.bot_token"]'))).toMatchObject({
      error: { code: 'permission_denied' },
    });
    expect(JSON.parse(await api.handler('log.warn', '["careful", {"n": 2}]'))).toEqual({ result: null });
    expect(lines).toEqual(['[skill warn] careful {"n":2}']);
    expect(api.records().map((record) => [record.method, record.allowed, record.error])).toEqual([
      ['storage.set', true, undefined],
      ['storage.get', true, undefined],
      ['config.get', false, 'permission_denied'],
      ['log.warn', true, undefined],
    ]);
  });
});
