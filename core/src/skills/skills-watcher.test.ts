import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSkillLifecycleApp,
  writeTestSkill,
  type SkillLifecycleApp,
} from '../testing/skill-lifecycle-app.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import type { SkillPackage, SkillRuntime } from '@talon/skill-runtime/contract/runtime-contract.ts';
import type { PendingSkill } from './pending-skills.ts';

/** Counts installs: the watcher must never cause one. */
const installs: SkillPackage[] = [];
const runtime: SkillRuntime = {
  install: async (pkg) => {
    installs.push(pkg);
  },
  uninstall: async () => undefined,
  run: async () => ({
    ok: false,
    error: { code: 'skill_not_found', message: '' },
    durationMs: 0,
    apiCalls: [],
  }),
  status: () => undefined,
  list: () => [],
  resetBreaker: () => undefined,
  close: async () => undefined,
};

let database: TestDatabase;
let root: string;
let skillsDir: string;
let talon: SkillLifecycleApp;
const announced: PendingSkill[] = [];

function waitForPending(
  predicate: (entry: PendingSkill) => boolean,
  timeoutMs = 10_000,
): Promise<PendingSkill> {
  return new Promise((resolve, reject) => {
    const found = talon.lifecycle.listPending().find(predicate);
    if (found) return resolve(found);
    const timer = setTimeout(() => reject(new Error('the watcher reported nothing in time')), timeoutMs);
    talon.events.on('skill.pending', (entry) => {
      if (predicate(entry)) {
        clearTimeout(timer);
        resolve(entry);
      }
    });
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'talon-watcher-'));
  await chmod(root, 0o755);
  skillsDir = path.join(root, 'skills');
  talon = await startSkillLifecycleApp({ database, skillsDir, runtime, watch: true });
  talon.events.on('skill.pending', (entry) => announced.push(entry));
});

afterAll(async () => {
  await talon?.close();
  await database?.drop();
  await rm(root, { recursive: true, force: true });
});

describe('the skills folder watcher', () => {
  it('shows a folder copied in as pending, with manifest, permissions and checksum, and never loads it', async () => {
    const checksum = await writeTestSkill(skillsDir, { name: 'dropped_in', permissions: ['storage'] });
    const entry = await waitForPending((p) => p.name === 'dropped_in' && p.checksum === checksum);
    expect(entry).toMatchObject({
      state: 'new',
      manifest: { name: 'dropped_in', version: '1.0.0' },
      requested: { permissions: ['storage'] },
    });
    expect(installs).toEqual([]);
  });

  it('follows a change to the folder: the new checksum replaces the old', async () => {
    const changed = await writeTestSkill(skillsDir, {
      name: 'dropped_in',
      permissions: ['storage'],
      code: 'export default { run() { return 2; } };',
    });
    await waitForPending((p) => p.name === 'dropped_in' && p.checksum === changed);
    expect(talon.lifecycle.listPending().filter((p) => p.name === 'dropped_in')).toHaveLength(1);
    expect(installs).toEqual([]);
  });

  it('reports a folder that breaks a rule as refused, with the reason', async () => {
    await writeTestSkill(skillsDir, { name: 'loose' });
    await chmod(path.join(skillsDir, 'loose', 'skill.json'), 0o666);
    await writeFile(path.join(skillsDir, 'loose', 'index.js'), 'export default { run() { return 3; } };');
    const entry = await waitForPending((p) => p.name === 'loose' && p.state === 'refused');
    expect(entry.error?.message).toMatch(/writable by every user/);
    expect(installs).toEqual([]);
  });

  it('drops a folder that is removed from the pending list', async () => {
    await rm(path.join(skillsDir, 'dropped_in'), { recursive: true });
    await expect
      .poll(() => talon.lifecycle.listPending().some((p) => p.name === 'dropped_in'), { timeout: 10_000 })
      .toBe(false);
  });
});
