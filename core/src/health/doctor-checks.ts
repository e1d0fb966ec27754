import type { DoctorCheck } from './doctor.ts';
import { adminPasswordCheck } from './checks/admin-password.ts';
import { automationExposureCheck } from './checks/automation-exposure.ts';
import { backupsCheck } from './checks/backups.ts';
import { databaseExposureCheck } from './checks/database-exposure.ts';
import { displayExposureCheck } from './checks/display-exposure.ts';
import { folderPermissionsCheck } from './checks/folder-permissions.ts';
import { llmLocalityCheck } from './checks/llm-locality.ts';
import { sandboxWallCheck } from './checks/sandbox-wall.ts';
import { secretKeyCheck } from './checks/secret-key.ts';
import { serverExposureCheck } from './checks/server-exposure.ts';
import { shellCheck } from './checks/shell.ts';
import { skillNetworkCheck } from './checks/skill-network.ts';
import { twoFactorCheck } from './checks/two-factor.ts';
import { webhooksCheck } from './checks/webhooks.ts';

/**
 * THE list of what `pnpm talon doctor` and the dashboard check, one entry per domain. A domain adds
 * its check as a file in `checks/` and one line here; both surfaces pick it up.
 */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  serverExposureCheck,
  secretKeyCheck,
  adminPasswordCheck,
  twoFactorCheck,
  sandboxWallCheck,
  shellCheck,
  webhooksCheck,
  automationExposureCheck,
  displayExposureCheck,
  databaseExposureCheck,
  skillNetworkCheck,
  llmLocalityCheck,
  backupsCheck,
  folderPermissionsCheck,
];
