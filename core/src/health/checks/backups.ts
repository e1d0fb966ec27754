import { sql } from 'slonik';
import { z } from 'zod';
import type { DoctorCheck } from '../doctor.ts';

const CHECK = 'backup.recent';
/** A deployment without a backup this recent is reported. */
export const BACKUP_MAX_AGE_DAYS = 7;

const lastRow = z.object({ finished_at: z.number(), file: z.string().nullable() });

/** Backups Talon wrote (scheduled, from the admin, or `pnpm talon backup`), as recorded in the database. */
export const backupsCheck: DoctorCheck = {
  id: CHECK,
  title: `a backup in the last ${BACKUP_MAX_AGE_DAYS} days`,
  async run({ pool, settings, now }) {
    const last = await pool.maybeOne(sql.type(lastRow)`
      SELECT finished_at, file FROM backups WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1`);
    const ageDays = last === null ? undefined : (now().getTime() - last.finished_at) / 86_400_000;
    if (ageDays !== undefined && ageDays <= BACKUP_MAX_AGE_DAYS) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: `The last backup is ${ageDays < 1 ? 'from today' : `${Math.floor(ageDays)} day(s) old`}`,
          detail: `${new Date(last!.finished_at).toISOString()}${last!.file ? `: ${last!.file}` : ''}`,
        },
      ];
    }
    const scheduled = settings.getString('backup.schedule') !== '';
    return [
      {
        check: CHECK,
        severity: 'warning',
        title:
          last === null
            ? 'Talon has never been backed up'
            : `The last backup is ${Math.floor(ageDays!)} days old`,
        detail: scheduled
          ? 'backup.schedule is set, but no scheduled backup succeeded lately: see the Backups list in the admin.'
          : 'No backup schedule is set (backup.schedule).',
        fix: scheduled
          ? 'Check why the scheduled backups fail (the admin lists each with its error), or run "pnpm talon backup"'
          : 'Run "pnpm talon backup", and set backup.schedule (e.g. "0 3 * * *") for one every night',
      },
    ];
  },
};
