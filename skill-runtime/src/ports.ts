/**
 * What the runtime needs from its host, as narrow interfaces: Talon gives it PostgreSQL, its
 * settings store and its audit log; `talon-skill run` and the test harness give it memory and
 * defaults. Nothing here knows of SQL, HTTP or Telegram.
 */
import type { Logger } from 'pino';
import type { JsonValue } from './contract/json.ts';

export type { Logger };

/** Settings as the runtime reads them, on every call (an owner's change applies at once). */
export interface SettingsReader {
  /** The typed value of a setting, or undefined when it is not set. */
  get(key: string): JsonValue | undefined;
  /** True for a setting that holds a secret: a skill may never read it. */
  isSensitive(key: string): boolean;
}

/** The value of a secret handle (a sensitive setting), or '' when it is not set. Only the host sees it. */
export type SecretResolver = (handle: string) => string;

/** One entry of the audit log (the host's own log has the same shape). */
export interface AuditEvent {
  /** Who: `skill:<name>`, `admin`, `system`... */
  actor: string;
  /** What, as `domain.verb`: `skillapi.http.fetch`... */
  action: string;
  target?: string | undefined;
  outcome: 'allowed' | 'denied' | 'succeeded' | 'failed';
  reason?: string | undefined;
  /** From where: a workflow run, a client address. */
  source?: string | undefined;
  /** Anything else worth keeping; never a secret. */
  details?: Record<string, unknown>;
}

/** Where denials and other security events go. Writing never throws into the caller's path. */
export interface AuditSink {
  record(event: AuditEvent): Promise<void>;
}

/** An audit sink that keeps nothing (a local run has no audit log: denials are in the run's records). */
export const NO_AUDIT: AuditSink = { record: async () => undefined };

export function readInteger(settings: SettingsReader, key: string, fallback: number): number {
  const value = settings.get(key);
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function readBoolean(settings: SettingsReader, key: string, fallback: boolean): boolean {
  const value = settings.get(key);
  return typeof value === 'boolean' ? value : fallback;
}
