import { statSync } from 'node:fs';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';

const CHECK = 'folders.permissions';

/** Anyone who can write to the data folder can replace the database or the key; to the skills folder, plant a skill. */
export const folderPermissionsCheck: DoctorCheck = {
  id: CHECK,
  title: 'the data and skills folders are not writable by other users',
  async run({ config }) {
    const findings: Finding[] = [];
    const folders = [
      { what: 'data folder', folder: config.dataDir },
      { what: 'skills folder', folder: config.skillsDir },
    ];
    for (const { what, folder } of folders) {
      let mode: number;
      try {
        mode = statSync(folder).mode;
      } catch {
        continue; // Not made yet: Talon creates it with its own permissions.
      }
      if ((mode & 0o002) === 0) continue;
      findings.push({
        check: CHECK,
        severity: 'critical',
        title: `The ${what} ${folder} is writable by every user of this machine`,
        detail:
          what === 'data folder'
            ? 'Another user could replace the database, the generated key or the skills in it.'
            : 'Another user could place a skill there; it would wait for your approval, but could replace the files of one you approve.',
        fix: `chmod o-w ${folder}`,
      });
    }
    if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title: 'The data and skills folders are not writable by other users',
        detail: folders.map(({ folder }) => folder).join(', '),
      });
    }
    return findings;
  },
};
