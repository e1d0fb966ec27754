import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStorage } from '@talon/skill-runtime/api/memory-storage.ts';
import { requestedGrants } from '@talon/skill-runtime/contract/requested-grants.ts';
import { readSkillFolderAt } from '@talon/skill-runtime/package/package-reader.ts';
import { createLocalRuntime } from '../local-runtime.ts';
import { FakeSkillApi } from './fake-api.ts';
import type { LoadedSkill, LoadSkillOptions, LocalGrants } from './types.ts';

export type { LoadedSkill, LoadSkillOptions };

function folderPath(folder: string | URL): string {
  return folder instanceof URL ? fileURLToPath(folder) : path.resolve(folder);
}

/**
 * Loads a built skill folder (skill.json + index.js) through Talon's own package reader (the same
 * manifest, bundle and folder checks) into Talon's runtime, with a SkillAPI the test scripts and
 * asserts on (FakeSkillApi).
 */
export async function loadSkill(folder: string | URL, options: LoadSkillOptions = {}): Promise<LoadedSkill> {
  const kind = options.core ? 'core' : 'dynamic';
  const pkg = await readSkillFolderAt(folderPath(folder), kind);
  const manifest = pkg.manifest;
  const grants: LocalGrants = { ...requestedGrants(manifest), ...options.grants };
  const storage = new MemoryStorage();
  const api = new FakeSkillApi(manifest.name, storage);
  const runtime = createLocalRuntime({
    storage,
    override: (method) => api.scripted(method),
    observe: (call) => api.calls.push(call),
    unavailable: (fn) => `${fn} is not available in a test: script it with api.respond('${fn}', value)`,
    notLoadedHint: ": the harness loads one skill, script it with api.respond('skills.invoke', value)",
  });
  try {
    await runtime.install({ ...pkg, kind, grants });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    manifest,
    api,
    grants,
    // A failing run opens no circuit for the next one: each test run stands alone.
    run: (request) => runtime.run(manifest.name, { ...request, breakerCountsFailure: false }),
    close: () => runtime.close(),
  };
}
