import { looksSensitive } from '../contract/secret-setting-names.ts';
import type { SettingsReader } from '../ports.ts';
import type { JsonValue } from '../contract/runtime-contract.ts';
import { SkillApiError } from './api-error.ts';
import { requireArity, requireString } from './arguments.ts';
import type { HostFunction } from './call-context.ts';

const KEY_PATTERN = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

/** `config.get(key)`: a non-secret setting's typed value, or null when it is not set. */
export function configGet(settings: SettingsReader): HostFunction {
  return async (_context, args) => {
    requireArity('config.get', args, 1);
    const key = requireString('config.get', 'key', args[0], 200);
    if (!KEY_PATTERN.test(key)) {
      throw new SkillApiError('invalid_argument', 'config.get: key must look like `area.name` (lower case)');
    }
    if (settings.isSensitive(key) || looksSensitive(key)) {
      throw new SkillApiError(
        'permission_denied',
        `config.get: "${key}" is a secret setting; skills cannot read it`,
      );
    }
    return (settings.get(key) ?? null) as JsonValue;
  };
}
