import type { SkillLimits } from '../sandbox/sandbox.ts';
import type { SkillManifest } from './contract.ts';

/** Defaults and host maxima; a manifest's `limits` may ask for anything up to the maxima. */
export interface RuntimeLimits {
  defaultMemoryMb: number;
  maxMemoryMb: number;
  defaultCpuTimeoutMs: number;
  maxCpuTimeoutMs: number;
  defaultWallTimeoutMs: number;
  maxWallTimeoutMs: number;
  /** Largest result (and input) in characters of JSON. */
  resultMaxChars: number;
  apiCallsPerRun: number;
  apiConcurrentPerRun: number;
  apiCallsPerSecond: number;
  maxChainDepth: number;
}

export const DEFAULT_RUNTIME_LIMITS: RuntimeLimits = {
  defaultMemoryMb: 64,
  maxMemoryMb: 256,
  defaultCpuTimeoutMs: 5_000,
  maxCpuTimeoutMs: 60_000,
  defaultWallTimeoutMs: 30_000,
  maxWallTimeoutMs: 300_000,
  resultMaxChars: 1024 * 1024,
  apiCallsPerRun: 1000,
  apiConcurrentPerRun: 16,
  apiCallsPerSecond: 100,
  maxChainDepth: 3,
};

export function skillLimits(manifest: SkillManifest, limits: RuntimeLimits): SkillLimits {
  const asked = manifest.limits ?? {};
  return {
    memoryMb: Math.min(asked.memoryMb ?? limits.defaultMemoryMb, limits.maxMemoryMb),
    cpuTimeoutMs: Math.min(asked.cpuTimeoutMs ?? limits.defaultCpuTimeoutMs, limits.maxCpuTimeoutMs),
    wallTimeoutMs: Math.min(asked.wallTimeoutMs ?? limits.defaultWallTimeoutMs, limits.maxWallTimeoutMs),
    resultMaxChars: limits.resultMaxChars,
    apiCallsPerRun: limits.apiCallsPerRun,
    apiConcurrentPerRun: limits.apiConcurrentPerRun,
  };
}
