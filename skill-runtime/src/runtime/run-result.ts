import { DEFAULT_ROUTES } from '../contract/manifest.ts';
import type { RunOutcome } from '../sandbox/sandbox.ts';
import type {
  ApiCallRecord,
  JsonValue,
  SkillManifest,
  SkillRunResult,
} from '../contract/runtime-contract.ts';

/** The SDK's branch marker: `branch(name, value)` returns `{ $branch, result }`. */
const SDK_BRANCH_KEY = '$branch';
const DEFAULT_BRANCH = 'on_success';

type Failure = Extract<SkillRunResult, { ok: false }>['error'];

interface GlueEnvelope {
  ok?: JsonValue;
  thrown?: { message?: unknown; code?: unknown };
  invalid?: unknown;
  tooLarge?: unknown;
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ result, branch }` or the SDK's `{ $branch, result }` (exactly those two keys); otherwise a plain value. */
function splitBranch(
  value: JsonValue,
): { result: JsonValue; branch: string | undefined } | { invalid: string } {
  if (!isObject(value)) return { result: value, branch: undefined };
  const keys = Object.keys(value);
  const branchKey = keys.includes(SDK_BRANCH_KEY)
    ? SDK_BRANCH_KEY
    : keys.includes('branch')
      ? 'branch'
      : undefined;
  if (branchKey === undefined || keys.length !== 2 || !keys.includes('result'))
    return { result: value, branch: undefined };
  const branch = value[branchKey];
  if (typeof branch !== 'string') return { invalid: 'the branch of a result must be a string' };
  return { result: value['result'] ?? null, branch };
}

/**
 * Turns what the worker sent back into a SkillRunResult. The result crossed as a JSON string made
 * inside the isolate, so here it is only parsed and checked: shape, branch against the manifest's
 * routes. A thrown error keeps a SkillAPI code only when the host really failed a call with it.
 */
export function interpretOutcome(
  outcome: RunOutcome,
  manifest: SkillManifest,
  apiCalls: ApiCallRecord[],
): { ok: true; result: JsonValue; branch: string } | { ok: false; error: Failure } {
  if (!outcome.ok) return { ok: false, error: { code: outcome.code, message: outcome.message } };
  let envelope: GlueEnvelope;
  try {
    envelope = JSON.parse(outcome.json) as GlueEnvelope;
  } catch {
    return {
      ok: false,
      error: { code: 'invalid_result', message: 'the skill returned something that is not JSON' },
    };
  }
  if (!isObject(envelope))
    return { ok: false, error: { code: 'invalid_result', message: 'malformed result' } };
  if (envelope.thrown !== undefined) {
    const thrown: Record<string, unknown> = isObject(envelope.thrown) ? envelope.thrown : {};
    const message = typeof thrown['message'] === 'string' ? thrown['message'] : 'the skill failed';
    const code = typeof thrown['code'] === 'string' ? thrown['code'] : undefined;
    const fromHost = code !== undefined && apiCalls.some((call) => call.error === code);
    return { ok: false, error: { code: fromHost ? code : 'skill_error', message } };
  }
  if (envelope.invalid !== undefined) {
    return { ok: false, error: { code: 'invalid_result', message: String(envelope.invalid).slice(0, 500) } };
  }
  if (envelope.tooLarge !== undefined) {
    return {
      ok: false,
      error: {
        code: 'result_too_large',
        message: `the result is ${Number(envelope.tooLarge)} characters, over the limit`,
      },
    };
  }
  if (!('ok' in envelope))
    return { ok: false, error: { code: 'invalid_result', message: 'malformed result' } };
  const split = splitBranch(envelope.ok ?? null);
  if ('invalid' in split) return { ok: false, error: { code: 'invalid_branch', message: split.invalid } };
  const routes = manifest.routes ?? [...DEFAULT_ROUTES];
  const branch = split.branch ?? DEFAULT_BRANCH;
  if (split.branch !== undefined && !routes.includes(branch)) {
    return {
      ok: false,
      error: {
        code: 'invalid_branch',
        message: `the skill chose branch "${branch.slice(0, 64)}", which is not one of its routes (${routes.join(', ')})`,
      },
    };
  }
  return { ok: true, result: split.result, branch };
}
