/** Codes a SkillAPI call can fail with; the skill sees them as `error.code`. */
export type SkillApiErrorCode =
  | 'permission_denied'
  | 'host_not_allowed'
  | 'secret_not_granted'
  | 'rate_limited'
  | 'invalid_argument'
  | 'not_found'
  | 'not_available'
  | 'upstream_error'
  | 'timeout'
  | 'too_large'
  | 'internal_error';

/** Thrown by host functions; becomes the `{ error }` envelope the glue rethrows inside the isolate. */
export class SkillApiError extends Error {
  /** One of SkillApiErrorCode, or a code an outside service gave (`llm_invalid_json`, `rate_limited`...). */
  readonly code: SkillApiErrorCode | (string & {});

  constructor(code: SkillApiErrorCode | (string & {}), message: string) {
    super(message);
    this.name = 'SkillApiError';
    this.code = code;
  }
}

/** Denials (as opposed to failures) are written to the audit log. */
export const DENIAL_CODES: ReadonlySet<string> = new Set<SkillApiErrorCode>([
  'permission_denied',
  'host_not_allowed',
  'secret_not_granted',
  'rate_limited',
]);
