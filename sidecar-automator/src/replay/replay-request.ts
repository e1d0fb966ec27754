import type { BrowserContext } from 'playwright-core';
import type { Recipe, RecipeValue } from '@talon/skill-runtime/recipes/index.ts';
import { SidecarError } from '../errors.ts';

/** Cookies and local storage of a browser context, as Playwright reads and restores them. */
export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

/** A replay as the core asks for it, after the route's schema and parseRecipe checked it. */
export interface ReplayRequest {
  recipe: Recipe;
  /** Values of the recipe's secret handles, resolved by the core from its encrypted settings. */
  secrets: Record<string, string>;
  parameters: Record<string, string>;
  /** A session the core kept (encrypted) from an earlier replay, so a login need not be repeated. */
  storageState?: StorageState;
  /** Return the session state at the end, for the core to keep. */
  returnStorageState: boolean;
  /** The whole replay; steps have their own timeouts within it. */
  timeoutMs: number;
}

/**
 * Refuses a replay before it starts when a secret or parameter the steps use was not supplied
 * (listed by name; values are never echoed), or when one was supplied that the recipe does not know.
 */
export function checkReplayInputs(request: ReplayRequest): void {
  const { recipe } = request;
  const usedSecrets = new Set<string>();
  const usedParameters = new Set<string>();
  for (const step of recipe.steps) {
    if (step.type !== 'fill') continue;
    if ('secret' in step.value) usedSecrets.add(step.value.secret);
    if ('parameter' in step.value) usedParameters.add(step.value.parameter);
  }
  const missingSecrets = [...usedSecrets].filter((handle) => request.secrets[handle] === undefined);
  if (missingSecrets.length > 0) {
    throw new SidecarError(
      'secrets_missing',
      `The replay needs the secrets ${missingSecrets.join(', ')}`,
      400,
    );
  }
  const declaredSecrets = new Set(recipe.secrets.map((secret) => secret.handle));
  const unknownSecrets = Object.keys(request.secrets).filter((handle) => !declaredSecrets.has(handle));
  if (unknownSecrets.length > 0) {
    throw new SidecarError(
      'secrets_unknown',
      `The recipe declares no secret ${unknownSecrets.join(', ')}`,
      400,
    );
  }
  const declared = new Map(recipe.parameters.map((parameter) => [parameter.name, parameter]));
  const unknown = Object.keys(request.parameters).filter((name) => !declared.has(name));
  if (unknown.length > 0) {
    throw new SidecarError('parameters_unknown', `The recipe has no parameter ${unknown.join(', ')}`, 400);
  }
  const missing = [...usedParameters].filter(
    (name) => request.parameters[name] === undefined && declared.get(name)?.default === undefined,
  );
  if (missing.length > 0) {
    throw new SidecarError(
      'parameters_missing',
      `The replay needs the parameters ${missing.join(', ')}`,
      400,
    );
  }
}

/** The text a fill step types. */
export function resolveValue(value: RecipeValue, request: ReplayRequest): string {
  if ('literal' in value) return value.literal;
  if ('secret' in value) return request.secrets[value.secret] ?? '';
  const supplied = request.parameters[value.parameter];
  return (
    supplied ??
    request.recipe.parameters.find((parameter) => parameter.name === value.parameter)?.default ??
    ''
  );
}
