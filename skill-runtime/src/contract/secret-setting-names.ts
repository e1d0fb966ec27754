const SENSITIVE_NAME = /api_key|token|password|secret/i;

/**
 * Setting keys whose name says they hold a credential are secret even when nobody flagged them:
 * the host encrypts them at rest, and no skill may read them with `config.get`.
 */
export function looksSensitive(key: string): boolean {
  return SENSITIVE_NAME.test(key);
}
