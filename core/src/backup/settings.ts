/**
 * The backup settings (`backup.*`), defined here and listed in settings/definitions.ts.
 */
import { CronExpressionParser } from 'cron-parser';
import path from 'node:path';
import type { SettingDefinition } from '../settings/definitions.ts';
import type { SettingsStore } from '../settings/store.ts';

export const BACKUP_SCHEDULE_SETTING = 'backup.schedule';
export const BACKUP_KEEP_SETTING = 'backup.keep';
export const BACKUP_DIR_SETTING = 'backup.dir';

/** How many archives are kept by default, and the bounds of the setting. */
export const BACKUP_KEEP = { default: 7, min: 1, max: 1_000 } as const;

export const BACKUP_SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  {
    key: BACKUP_SCHEDULE_SETTING,
    type: 'string',
    defaultValue: '',
    category: 'backup',
    sensitive: false,
    description:
      'When Talon backs itself up, as a cron expression in UTC (e.g. "0 3 * * *": every night at 03:00); empty: no scheduled backups',
    requiresCode: 'none',
  },
  {
    key: BACKUP_KEEP_SETTING,
    type: 'integer',
    defaultValue: String(BACKUP_KEEP.default),
    category: 'backup',
    sensitive: false,
    description: `How many backup archives to keep in the backup folder (the newest; ${BACKUP_KEEP.min}–${BACKUP_KEEP.max})`,
    requiresCode: 'none',
  },
  {
    key: BACKUP_DIR_SETTING,
    type: 'string',
    defaultValue: '',
    category: 'backup',
    sensitive: false,
    description:
      'The folder backups are written to (an absolute path; best on another disk); empty: DATA_DIR/backups',
    // Where a copy of everything goes: a code once 2FA is enrolled.
    requiresCode: 'once_enrolled',
  },
];

export interface BackupSettings {
  /** A valid cron expression, or undefined for none (an invalid one is reported, not run). */
  schedule: string | undefined;
  scheduleProblem: string | undefined;
  keep: number;
  dir: string;
}

export function readBackupSettings(settings: SettingsStore, dataDir: string): BackupSettings {
  const schedule = settings.getString(BACKUP_SCHEDULE_SETTING).trim();
  let scheduleProblem: string | undefined;
  if (schedule !== '') {
    try {
      CronExpressionParser.parse(schedule, { tz: 'UTC', strict: false });
    } catch (error) {
      scheduleProblem = `backup.schedule "${schedule}" is not a cron expression: ${(error as Error).message}`;
    }
  }
  const keep = settings.getInteger(BACKUP_KEEP_SETTING, BACKUP_KEEP.default);
  const dir = settings.getString(BACKUP_DIR_SETTING).trim();
  return {
    schedule: schedule === '' || scheduleProblem ? undefined : schedule,
    scheduleProblem,
    keep: Number.isInteger(keep)
      ? Math.min(BACKUP_KEEP.max, Math.max(BACKUP_KEEP.min, keep))
      : BACKUP_KEEP.default,
    dir: dir !== '' && path.isAbsolute(dir) ? dir : path.join(dataDir, 'backups'),
  };
}
