/**
 * The SkillAPI functions whose service lies outside the runtime — a language model, the owner's
 * Telegram chat, the host's shell, the browser sidecar — written once here as host functions over
 * narrow ports the host implements. Each checks what the skill passed; the port does the work and
 * throws an error with a stable `code` the skill then sees. A host without a port answers
 * `not_available`; the test harness scripts these functions instead.
 */
import type { JsonValue } from '../contract/json.ts';
import { SkillApiError } from './api-error.ts';
import { isPlainObject, optionalObject, requireArity, requireString } from './arguments.ts';
import type { ApiCallContext, HostFunction } from './call-context.ts';

/** Who a service call is for: bound by the host, never taken from the skill. */
export interface ServiceCaller {
  skill: string;
  runId: string;
}

export interface LlmPort {
  /**
   * The request as the skill sent it (the port validates it); the answer the skill gets. `note` puts
   * a line in the call's record (which provider answered, which failed before it).
   */
  complete(request: JsonValue, caller: ServiceCaller, note?: (text: string) => void): Promise<JsonValue>;
}

export interface TelegramPort {
  send(text: string, options: { html: boolean }, caller: ServiceCaller): Promise<void>;
}

export interface ShellPort {
  exec(command: string, args: string[], caller: ServiceCaller): Promise<JsonValue>;
}

export interface AutomationPort {
  run(recipe: string, params: { [key: string]: JsonValue }, caller: ServiceCaller): Promise<JsonValue>;
}

export interface OutsideServices {
  llm?: LlmPort | undefined;
  telegram?: TelegramPort | undefined;
  shell?: ShellPort | undefined;
  automation?: AutomationPort | undefined;
}

export type OutsideServiceName = 'llm.complete' | 'telegram.send' | 'shell.exec' | 'automation.run';

const TELEGRAM_TEXT_MAX_CHARS = 16_384;
const SHELL_COMMAND_MAX_CHARS = 4_000;

function caller(context: ApiCallContext): ServiceCaller {
  return { skill: context.skill, runId: context.runId };
}

/** A port's failure as the skill sees it: its code and message; anything without a code is the host's. */
async function throughPort<T>(fn: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SkillApiError) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && /^[a-z][a-z0-9_]{1,63}$/.test(code)) {
      throw new SkillApiError(code, error.message);
    }
    throw error;
  }
}

/** The host functions of the outside services, each `undefined` where the host has no port. */
export function outsideServiceFunctions(
  services: OutsideServices,
): Partial<Record<OutsideServiceName, HostFunction>> {
  const functions: Partial<Record<OutsideServiceName, HostFunction>> = {};
  const { llm, telegram, shell, automation } = services;
  if (llm) {
    functions['llm.complete'] = async (context, args, call) => {
      requireArity('llm.complete', args, 1);
      if (!isPlainObject(args[0])) {
        throw new SkillApiError(
          'invalid_argument',
          'llm.complete: the request must be an object ({ prompt } or { messages })',
        );
      }
      const request = args[0];
      return throughPort('llm.complete', () =>
        llm.complete(request, caller(context), (text) => call?.note(text)),
      );
    };
  }
  if (telegram) {
    functions['telegram.send'] = async (context, args) => {
      requireArity('telegram.send', args, 2);
      const text = requireString('telegram.send', 'text', args[0], TELEGRAM_TEXT_MAX_CHARS);
      const options = optionalObject('telegram.send', 'options', args[1]) ?? {};
      const html = options['html'] === true;
      await throughPort('telegram.send', () => telegram.send(text, { html }, caller(context)));
      return null;
    };
  }
  if (shell) {
    functions['shell.exec'] = async (context, args) => {
      requireArity('shell.exec', args, 2);
      const command = requireString('shell.exec', 'command', args[0], SHELL_COMMAND_MAX_CHARS);
      const rest = args[1] ?? [];
      if (!Array.isArray(rest) || rest.some((arg) => typeof arg !== 'string')) {
        throw new SkillApiError('invalid_argument', 'shell.exec: args must be a list of strings');
      }
      return throughPort('shell.exec', () => shell.exec(command, rest as string[], caller(context)));
    };
  }
  if (automation) {
    functions['automation.run'] = async (context, args) => {
      requireArity('automation.run', args, 2);
      const recipe = requireString('automation.run', 'recipe', args[0], 200);
      const params = optionalObject('automation.run', 'params', args[1]) ?? {};
      return throughPort('automation.run', () => automation.run(recipe, params, caller(context)));
    };
  }
  return functions;
}
