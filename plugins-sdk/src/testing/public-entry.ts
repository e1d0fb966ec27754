/**
 * The type entry of `@talon/plugins-sdk/testing` in an installed copy: the same API as `index.ts`,
 * declared without the host's sandbox sources (which only the bundled dist/testing.js carries).
 * harness.ts checks its `loadSkill` against the declaration below, so the two cannot drift.
 */
import type { LoadedSkill, LoadSkillOptions } from './types.ts';

export type { LoadedSkill, LoadSkillOptions, RunApiCall, SandboxRunResult } from './types.ts';
export type { LocalGrants, RecordedApiCall } from '../api-handler.ts';
export { FakeSkillApi, fail } from './fake-api.ts';

/** Loads a built skill folder into Talon's real sandbox with a fake SkillAPI (see README, Testing). */
export declare function loadSkill(folder: string | URL, options?: LoadSkillOptions): Promise<LoadedSkill>;
