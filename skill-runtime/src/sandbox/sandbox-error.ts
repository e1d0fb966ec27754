import { TalonError } from '../errors.ts';

/** Why a call into the sandbox failed, as the runtime reports it (see SkillErrorCode). */
export type SandboxFailureCode =
  | 'timeout'
  | 'memory_limit'
  | 'crashed'
  /** Another skill's call killed the worker both shared (see Sandbox: such a call is run again once). */
  | 'worker_lost'
  | 'skill_error'
  | 'invalid_skill'
  | 'result_too_large'
  | 'invalid_result'
  | 'rate_limited';

export class SandboxError extends TalonError {
  declare readonly code: SandboxFailureCode;

  constructor(code: SandboxFailureCode, message: string) {
    super(code, message, code === 'invalid_skill' ? 400 : 500);
  }
}
