export { loadSkill } from './harness.ts';
export { FakeSkillApi, fail } from './fake-api.ts';
export type {
  LoadedSkill,
  LoadSkillOptions,
  LocalGrants,
  RecordedApiCall,
  RunApiCall,
  SandboxRunResult,
} from './types.ts';
