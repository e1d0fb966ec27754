/**
 * The shell's settings (`shell.*`), defined here and listed in settings/definitions.ts, and how
 * they are read on every run.
 */
import type { SettingDefinition } from '../settings/definitions.ts';
import type { SettingsStore } from '../settings/store.ts';
import { MAX_OUTPUT_CHARS, TIMEOUT_SECONDS } from './limits.ts';
import { Whitelist } from './whitelist.ts';

export const SHELL_ENABLED_SETTING = 'shell.enabled';
export const SHELL_WHITELIST_SETTING = 'shell.whitelist';
export const SHELL_TIMEOUT_SETTING = 'shell.timeout_seconds';
export const SHELL_MAX_OUTPUT_SETTING = 'shell.max_output_chars';

/**
 * What a fresh Talon allows: AlexClaw's diagnostics (disk, memory, processes, uptime, who and where)
 * with their arguments spelled out, since an entry allows exactly what it says.
 */
export const DEFAULT_SHELL_WHITELIST: readonly string[] = [
  'df',
  'df -h',
  'free',
  'free <enum -m|-g|-h>',
  'ps aux',
  'uptime',
  'uname -a',
  'whoami',
  'hostname',
  'date',
  'cat <enum /proc/loadavg|/proc/meminfo|/proc/uptime|/proc/cpuinfo|/proc/version>',
];

export const SHELL_SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  {
    key: SHELL_ENABLED_SETTING,
    type: 'boolean',
    defaultValue: 'false',
    category: 'shell',
    sensitive: false,
    description:
      'Let /shell and shell workflow steps run whitelisted commands on this machine (each run needs a 2FA code)',
    requiresCode: 'once_enrolled',
  },
  {
    key: SHELL_WHITELIST_SETTING,
    type: 'json',
    defaultValue: JSON.stringify(DEFAULT_SHELL_WHITELIST),
    category: 'shell',
    sensitive: false,
    description:
      'Commands the shell may run, one entry each: a program and one pattern per argument (literal, <int A-B>, <enum a|b|c>, <path under DIR>); edited on the Shell screen',
    requiresCode: 'once_enrolled',
  },
  {
    key: SHELL_TIMEOUT_SETTING,
    type: 'integer',
    defaultValue: String(TIMEOUT_SECONDS.default),
    category: 'shell',
    sensitive: false,
    description: `Seconds a shell command may run before it and everything it started are killed (${TIMEOUT_SECONDS.min}–${TIMEOUT_SECONDS.max})`,
    requiresCode: 'once_enrolled',
  },
  {
    key: SHELL_MAX_OUTPUT_SETTING,
    type: 'integer',
    defaultValue: String(MAX_OUTPUT_CHARS.default),
    category: 'shell',
    sensitive: false,
    description: `Characters of a shell command's output kept; the rest is cut with a note (${MAX_OUTPUT_CHARS.min}–${MAX_OUTPUT_CHARS.max})`,
    requiresCode: 'once_enrolled',
  },
];

export interface ShellSettings {
  enabled: boolean;
  whitelist: Whitelist;
  timeoutSeconds: number;
  maxOutputChars: number;
}

function clamp(value: number, bounds: { default: number; min: number; max: number }): number {
  if (!Number.isInteger(value)) return bounds.default;
  return Math.min(bounds.max, Math.max(bounds.min, value));
}

/** The live settings; `enabled` only for exactly `true` (AlexClaw SH-1). */
export function readShellSettings(settings: SettingsStore): ShellSettings {
  return {
    enabled: settings.getBoolean(SHELL_ENABLED_SETTING, false),
    whitelist: Whitelist.fromSetting(settings.get(SHELL_WHITELIST_SETTING)),
    timeoutSeconds: clamp(
      settings.getInteger(SHELL_TIMEOUT_SETTING, TIMEOUT_SECONDS.default),
      TIMEOUT_SECONDS,
    ),
    maxOutputChars: clamp(
      settings.getInteger(SHELL_MAX_OUTPUT_SETTING, MAX_OUTPUT_CHARS.default),
      MAX_OUTPUT_CHARS,
    ),
  };
}
