import { isIP } from 'node:net';
import {
  parseRecipe,
  RecipeError,
  RECIPE_LIMITS,
  RECIPE_VERSION,
  type Recipe,
  type RecipeSecret,
  type RecipeStep,
} from '@talon/skill-runtime/recipes/index.ts';

export interface DraftInput {
  name: string;
  startUrl: string;
  viewport: { width: number; height: number };
  /** Hosts and ports the browser reached while recording. */
  reached: readonly { host: string; port: number }[];
  /** Private addresses it was let through to. */
  privateAddresses: readonly string[];
  steps: RecipeStep[];
  secrets: RecipeSecret[];
  recordedAt: Date;
}

/** `example.com` for the default ports, `127.0.0.1:8080` otherwise (the allowlist's port rule). */
function allowlistEntry(host: string, port: number): string | undefined {
  if (isIP(host) === 6) return undefined; // not expressible in an allowlist entry; the owner adds a name
  return port === 80 || port === 443 ? host : `${host}:${port}`;
}

/**
 * The recipe a recording produces: its steps, secret handles, and an allowlist of exactly the hosts
 * the recording reached (the owner reviews and trims it). `problems` is empty unless the draft does
 * not pass parseRecipe, which the owner must fix before the core accepts it.
 */
export function draftRecipe(input: DraftInput): { recipe: Recipe; problems: string[] } {
  const domains = new Set<string>();
  const start = new URL(input.startUrl);
  const startEntry = allowlistEntry(
    start.hostname,
    Number(start.port || (start.protocol === 'https:' ? 443 : 80)),
  );
  if (startEntry) domains.add(startEntry);
  for (const { host, port } of input.reached) {
    const entry = allowlistEntry(host, port);
    if (entry && domains.size < RECIPE_LIMITS.maxAllowlistEntries) domains.add(entry);
  }
  const recipe: Recipe = {
    version: RECIPE_VERSION,
    name: input.name,
    description: `Recorded from ${input.startUrl}`,
    startUrl: input.startUrl,
    viewport: input.viewport,
    allowedDomains: [...domains],
    allowedPrivateAddresses: [...new Set(input.privateAddresses)].slice(0, RECIPE_LIMITS.maxAllowlistEntries),
    stepTimeoutMs: RECIPE_LIMITS.defaultStepTimeoutMs,
    secrets: input.secrets,
    parameters: [],
    steps: input.steps,
    recordedAt: input.recordedAt.toISOString(),
  };
  try {
    return { recipe: parseRecipe(recipe), problems: [] };
  } catch (error) {
    if (error instanceof RecipeError) return { recipe, problems: [...error.problems] };
    throw error;
  }
}
