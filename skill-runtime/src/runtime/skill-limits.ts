import type { SkillLimits } from '../sandbox/sandbox.ts';
import type { SkillManifest } from '../contract/manifest.ts';
import { SANDBOX_LIMITS, type RuntimeLimits } from '../limits.ts';

/** The limits one skill runs with: what its manifest asks for, never past the host's maxima. */
export function skillLimits(manifest: SkillManifest, limits: RuntimeLimits): SkillLimits {
  const asked = manifest.limits ?? {};
  return {
    memoryMb: Math.min(asked.memoryMb ?? limits.defaultMemoryMb, limits.maxMemoryMb),
    cpuTimeoutMs: Math.min(asked.cpuTimeoutMs ?? limits.defaultCpuTimeoutMs, limits.maxCpuTimeoutMs),
    wallTimeoutMs: Math.min(asked.wallTimeoutMs ?? limits.defaultWallTimeoutMs, limits.maxWallTimeoutMs),
    resultMaxChars: limits.resultMaxChars,
    apiCallsPerRun: limits.apiCallsPerRun,
    apiConcurrentPerRun: limits.apiConcurrentPerRun,
    errorMessageChars: SANDBOX_LIMITS.maxErrorMessageChars,
  };
}
