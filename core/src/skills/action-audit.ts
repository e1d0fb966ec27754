import type { AuditLog } from '../audit/audit-log.ts';
import { TalonError } from '../errors.ts';
import type { ActionOutcome, LifecycleAction, LifecycleActor, LifecycleResult } from './lifecycle-types.ts';

/**
 * Runs one lifecycle action and writes its audit entry whatever happens: who, what, the checksum
 * before and after, the grants, and the result (or the refusal and why).
 */
export async function auditedAction(
  audit: AuditLog,
  action: LifecycleAction,
  target: string | (() => string),
  request: LifecycleActor,
  body: () => Promise<ActionOutcome>,
): Promise<LifecycleResult> {
  let outcome: ActionOutcome;
  try {
    outcome = await body();
  } catch (error) {
    await audit.record({
      actor: request.actor,
      action: `skill.${action}`,
      target: typeof target === 'string' ? target : target(),
      outcome: error instanceof TalonError && error.statusCode < 500 ? 'denied' : 'failed',
      reason: error instanceof TalonError ? error.code : 'internal_error',
      source: request.source,
      details: { message: error instanceof Error ? error.message : String(error) },
    });
    throw error;
  }
  const { checksumBefore, keptAside, ...result } = outcome;
  await audit.record({
    actor: request.actor,
    action: `skill.${action}`,
    target: result.name,
    outcome: 'succeeded',
    source: request.source,
    details: {
      version: result.version,
      checksumBefore,
      checksumAfter: action === 'unload' ? null : result.checksum,
      grants: result.grants,
      ...(keptAside ? { keptAside } : {}),
    },
  });
  return result;
}
