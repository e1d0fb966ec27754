import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/env.ts';

export type { Logger };

/**
 * Paths pino censors before a line is written. Secrets must never reach a log: credentials in
 * request headers and bodies, and any field whose name says it holds one.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
  'password',
  'secret',
  'token',
  'value',
  'secretKeyBase',
  'databaseUrl',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.secretKeyBase',
  '*.databaseUrl',
  '*.value',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'talon' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Replaces the password in a connection URL so it can be shown in messages and logs. */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}
