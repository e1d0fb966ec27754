import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TalonConfig } from '../config/env.ts';
import { GENERATED_KEY_FILE, type ResolvedSecretKeyBase } from './secret-key-base.ts';

/**
 * SECRET_KEY_BASE as a running Talon would resolve it — from the environment, or the file Talon
 * generated into the data folder — without ever generating one (commands run beside an
 * installation must not invent a key). Undefined when there is neither.
 */
export function existingSecretKeyBase(config: TalonConfig): ResolvedSecretKeyBase | undefined {
  if (config.secretKeyBase !== undefined) return { value: config.secretKeyBase, source: 'env' };
  const file = path.join(config.dataDir, GENERATED_KEY_FILE);
  try {
    return { value: readFileSync(file, 'utf8').trim(), source: 'file', file };
  } catch {
    return undefined;
  }
}
