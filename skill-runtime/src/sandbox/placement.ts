/**
 * Which skills may share a worker process. An isolate escape into a worker gives the skill its
 * neighbours' runs to act with; so a neighbour must be one whose powers it could be given anyway
 * (Cloudflare workerd's cordons): the same origin and identical grants — the runtime turns those
 * into a cordon key (runtime/cordon.ts), and skills with powers too sharp to share have none. On top,
 * a newly placed skill proves itself alone first (probation), and one whose call had to be killed
 * goes back to a worker of its own for a while (cooldown).
 */
import { availableParallelism } from 'node:os';
import { SANDBOX_LIMITS } from '../limits.ts';

export interface PlacementPolicy {
  /** Calls a newly placed (or upgraded) skill completes alone, without a kill, before it may share. */
  probationCalls: number;
  /** How long a skill whose call had to be killed runs alone again (ms). */
  cooldownMs: number;
  /** Skills one shared worker holds at most. */
  maxSkillsPerWorker: number;
  /** Shared workers one cordon spreads its skills over before they double up. */
  workersPerCordon: number;
}

export const DEFAULT_PLACEMENT: PlacementPolicy = {
  probationCalls: SANDBOX_LIMITS.probationCalls,
  cooldownMs: SANDBOX_LIMITS.cooldownMs,
  maxSkillsPerWorker: SANDBOX_LIMITS.maxSkillsPerWorker,
  // One per core: a cordon's calls then use every core, as workers of their own would.
  workersPerCordon: Math.max(2, availableParallelism()),
};

/** What placement knows of one skill. */
export interface PlacementRecord {
  /** Skills with the same key may share a worker; undefined: never shares. */
  cordon: string | undefined;
  /** Calls completed since it was placed, none of them killed. */
  cleanCalls: number;
  /** It runs alone until this time (ms since the epoch), after one of its calls was killed. */
  aloneUntil: number;
}

/** The cordon whose shared worker the skill runs in now, or undefined to run in a worker of its own. */
export function sharedCordon(
  record: PlacementRecord,
  policy: PlacementPolicy,
  now: number,
): string | undefined {
  if (record.cordon === undefined) return undefined;
  if (record.cleanCalls < policy.probationCalls) return undefined;
  if (now < record.aloneUntil) return undefined;
  return record.cordon;
}

/** After one of its calls had to be killed: alone for the cooldown, and on probation again. */
export function afterKill(record: PlacementRecord, policy: PlacementPolicy, now: number): void {
  record.aloneUntil = now + policy.cooldownMs;
  record.cleanCalls = 0;
}
