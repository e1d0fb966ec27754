import type { JsonValue } from '../contract/runtime-contract.ts';
import { optionalObject, requireArity, requireString } from './arguments.ts';
import type { HostFunction } from './call-context.ts';

/**
 * `skills.invoke(name, input, config?)`: runs another skill as a nested call (the runtime applies
 * the chain rules of invoke-chain.ts). The callee's failure is a value the caller can branch on,
 * not an error of the call.
 */
export const skillsInvoke: HostFunction = async (context, args) => {
  requireArity('skills.invoke', args, 3);
  const name = requireString('skills.invoke', 'name', args[0], 64);
  const input = args[1] === undefined ? null : args[1];
  const config = optionalObject('skills.invoke', 'config', args[2]);
  const result = await context.invoke(name, input, config);
  const answer: JsonValue = result.ok
    ? { ok: true, result: result.result, branch: result.branch }
    : { ok: false, error: { code: String(result.error.code), message: result.error.message } };
  return answer;
};
