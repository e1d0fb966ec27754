import type { DatabasePool } from 'slonik';
import type { SettingsStore } from '../../settings/store.ts';
import type { SkillApiFunctionName } from '../permission-table.ts';
import { SkillApiError } from './api-error.ts';
import type { HostFunction } from './call-context.ts';
import { configGet } from './config-read.ts';
import { DEFAULT_HTTP_LIMITS, httpFetch, type HttpLimits } from './http-fetch.ts';
import { logFunction } from './log.ts';
import { skillsInvoke } from './skills-invoke.ts';
import type { NetworkPolicy } from './net-policy.ts';
import { DEFAULT_STORAGE_LIMITS, storageFunctions, type StorageLimits } from './storage.ts';

export interface HostFunctionDependencies {
  pool: DatabasePool;
  settings: SettingsStore;
  /** Fixed, or asked on every call (the owner's live settings). */
  network: NetworkPolicy | (() => NetworkPolicy);
  httpLimits?: HttpLimits;
  storageLimits?: StorageLimits;
}

/** A permission whose host side comes with a later issue: granted or not, the call says so. */
function notAvailableYet(fn: string): HostFunction {
  return async () => {
    throw new SkillApiError('not_available', `${fn} is not available in this version of Talon yet`);
  };
}

/** The host side of every SkillAPI function in the permission table (checked there, not here). */
export function hostFunctions(deps: HostFunctionDependencies): Record<SkillApiFunctionName, HostFunction> {
  return {
    'log.debug': logFunction('debug'),
    'log.info': logFunction('info'),
    'log.warn': logFunction('warn'),
    'log.error': logFunction('error'),
    'http.fetch': httpFetch(deps.settings, deps.network, deps.httpLimits ?? DEFAULT_HTTP_LIMITS),
    'config.get': configGet(deps.settings),
    ...storageFunctions(deps.pool, deps.storageLimits ?? DEFAULT_STORAGE_LIMITS),
    'skills.invoke': skillsInvoke,
    'llm.complete': notAvailableYet('llm.complete'),
    'telegram.send': notAvailableYet('telegram.send'),
    'shell.exec': notAvailableYet('shell.exec'),
    'automation.run': notAvailableYet('automation.run'),
  };
}
