import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_SECRET_KEY_BASE_BYTES, type TalonConfig } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';

export const GENERATED_KEY_FILE = 'secret_key_base';

export interface ResolvedSecretKeyBase {
  value: string;
  /** Where it came from: the environment, or a file Talon generated in the data folder. */
  source: 'env' | 'file';
  file?: string;
}

export function generateSecretKeyBase(): string {
  return randomBytes(48).toString('base64');
}

/**
 * SECRET_KEY_BASE from the environment; in production it must be set. Elsewhere a strong one is
 * generated once into the data folder (mode 0600) and reused, with a warning that says where it is.
 */
export function resolveSecretKeyBase(config: TalonConfig, logger: Logger): ResolvedSecretKeyBase {
  if (config.secretKeyBase !== undefined) return { value: config.secretKeyBase, source: 'env' };
  if (config.nodeEnv === 'production') {
    throw new ConfigError(
      'SECRET_KEY_BASE is not set; in production it is required (generate one with: openssl rand -base64 48)',
    );
  }
  const file = path.join(config.dataDir, GENERATED_KEY_FILE);
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    value = generateSecretKeyBase();
    writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    logger.warn(
      { file },
      'SECRET_KEY_BASE is not set: generated one into the data folder; back it up, or set SECRET_KEY_BASE',
    );
    return { value, source: 'file', file };
  }
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_KEY_BASE_BYTES) {
    throw new ConfigError(`${file} holds a SECRET_KEY_BASE shorter than ${MIN_SECRET_KEY_BASE_BYTES} bytes`);
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    logger.warn({ file }, 'the generated SECRET_KEY_BASE file is readable by other users; chmod 600 it');
  }
  logger.warn({ file }, 'SECRET_KEY_BASE is not set: using the one generated in the data folder');
  return { value, source: 'file', file };
}
