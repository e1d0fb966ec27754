import type { SkillApiFunctionName } from '../contract/permission-table.ts';
import { HTTP_LIMITS, STORAGE_LIMITS, type HttpLimits, type StorageLimits } from '../limits.ts';
import type { SecretResolver, SettingsReader } from '../ports.ts';
import { SkillApiError } from './api-error.ts';
import type { HostFunction } from './call-context.ts';
import { configGet } from './config-read.ts';
import { httpFetch } from './http-fetch.ts';
import { logFunction } from './log.ts';
import {
  outsideServiceFunctions,
  type OutsideServiceName,
  type OutsideServices,
} from './outside-services.ts';
import type { NetworkPolicy } from './net-policy.ts';
import { skillsInvoke } from './skills-invoke.ts';
import { storageFunctions, type StorageBackend } from './storage.ts';

export interface HostFunctionDependencies {
  settings: SettingsReader;
  secrets: SecretResolver;
  storage: StorageBackend;
  /** Fixed, or asked on every call (the owner's live settings). */
  network: NetworkPolicy | (() => NetworkPolicy);
  httpLimits?: HttpLimits;
  storageLimits?: StorageLimits;
  /** The host's outside services (a model, Telegram, its shell, the sidecar); a missing one answers `not_available`. */
  services?: OutsideServices;
  /** What a missing service says, e.g. "needs a running Talon". */
  unavailable?: (fn: OutsideServiceName) => string;
}

const defaultUnavailable = (fn: string): string => `${fn} is not available in this Talon`;

function unavailable(fn: OutsideServiceName, message: (fn: OutsideServiceName) => string): HostFunction {
  return async () => {
    throw new SkillApiError('not_available', message(fn));
  };
}

/**
 * The host side of every SkillAPI function in the permission table (grants are checked by the gate,
 * not here): one table, used by Talon and by the SDK's `talon-skill run` and test harness, which
 * differ only in the backends and services they give it.
 */
export function hostFunctions(deps: HostFunctionDependencies): Record<SkillApiFunctionName, HostFunction> {
  const missing = deps.unavailable ?? defaultUnavailable;
  const provided = outsideServiceFunctions(deps.services ?? {});
  const service = (fn: OutsideServiceName): HostFunction => provided[fn] ?? unavailable(fn, missing);
  return {
    'log.debug': logFunction('debug'),
    'log.info': logFunction('info'),
    'log.warn': logFunction('warn'),
    'log.error': logFunction('error'),
    'http.fetch': httpFetch(deps.secrets, deps.network, deps.httpLimits ?? HTTP_LIMITS),
    'config.get': configGet(deps.settings),
    ...storageFunctions(deps.storage, deps.storageLimits ?? STORAGE_LIMITS),
    'skills.invoke': skillsInvoke,
    'llm.complete': service('llm.complete'),
    'telegram.send': service('telegram.send'),
    'shell.exec': service('shell.exec'),
    'automation.run': service('automation.run'),
  };
}
