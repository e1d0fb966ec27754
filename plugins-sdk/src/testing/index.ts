export { loadSkill, type LoadedSkill, type LoadSkillOptions } from './harness.ts';
export { FakeSkillApi, fail } from './fake-api.ts';
export type { LocalGrants, RecordedApiCall } from '../api-handler.ts';
export type { SandboxRunResult, RunApiCall } from '../sandbox-runner.ts';
