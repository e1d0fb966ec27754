import { checkSkillConfig, configMismatchMessage } from '../contract/config-check.ts';
import type { SkillManifest } from '../contract/manifest.ts';
import type { JsonValue } from '../contract/runtime-contract.ts';

export type PreparedRunRequest =
  | { ok: true; input: string; config: string }
  | { ok: false; code: 'invalid_input' | 'config_invalid'; message: string };

/**
 * A run request as the sandbox takes it (input and config as JSON), or why it is refused before the
 * skill is asked: too large, or a config that does not fit the manifest's configSchema. Shared by
 * Talon's runtime and the SDK's sandbox runner so both refuse the same requests the same way.
 */
export function prepareRunRequest(
  manifest: SkillManifest,
  request: { input?: JsonValue; config?: { [key: string]: JsonValue } | undefined },
  maxChars: number,
): PreparedRunRequest {
  const input = JSON.stringify(request.input ?? null);
  const config = JSON.stringify(request.config ?? {});
  if (input.length + config.length > maxChars) {
    return {
      ok: false,
      code: 'invalid_input',
      message: `the input and config may be at most ${maxChars} characters of JSON`,
    };
  }
  const problems = checkSkillConfig(manifest, request.config ?? {});
  if (problems.length > 0) {
    return { ok: false, code: 'config_invalid', message: configMismatchMessage(manifest, problems) };
  }
  return { ok: true, input, config };
}
