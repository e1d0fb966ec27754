import { sql } from 'slonik';
import { z } from 'zod';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';

const CHECK = 'skills.network';

const grantRow = z.object({ name: z.string(), net: z.array(z.string()) });

/** The owner's opt-ins that let skills past the private-address and HTTPS-only checks of `http.fetch`. */
export const skillNetworkCheck: DoctorCheck = {
  id: CHECK,
  title: 'skills allowed to reach private networks or plain http',
  async run({ settings, pool }) {
    const privateAllowed = settings.getBoolean('skills.http.allow_private_addresses', false);
    const plainAllowed = settings.getBoolean('skills.http.allow_plain_http', false);
    if (!privateAllowed && !plainAllowed) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: 'Skills reach public https addresses only',
          detail: 'skills.http.allow_private_addresses and skills.http.allow_plain_http are off.',
        },
      ];
    }
    const rows = await pool.any(sql.type(grantRow)`
      SELECT name, ARRAY(SELECT jsonb_array_elements_text(grants -> 'net')) AS net
      FROM skill_approvals WHERE jsonb_array_length(COALESCE(grants -> 'net', '[]'::jsonb)) > 0 ORDER BY name`);
    const withNetwork = rows.map((row) => row.name);
    const affected =
      withNetwork.length === 0
        ? 'No approved skill has network access now, but any you approve later will.'
        : `Skills with network access: ${withNetwork.join(', ')}.`;
    const findings: Finding[] = [];
    if (privateAllowed) {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: 'Skills may reach loopback, private and link-local addresses',
        detail: `skills.http.allow_private_addresses is on: a skill's allowlisted host may resolve to your router, this machine's services or a cloud metadata address. ${affected}`,
        fix: 'Turn skills.http.allow_private_addresses off unless a skill must reach a service on your own network',
      });
    }
    if (plainAllowed) {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: 'Skills may use plain http://',
        detail: `skills.http.allow_plain_http is on: what skills send and receive can be read and changed on the way. ${affected}`,
        fix: 'Turn skills.http.allow_plain_http off unless a skill must reach a plain-http service',
      });
    }
    return findings;
  },
};
