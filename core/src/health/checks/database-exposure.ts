import { sql } from 'slonik';
import { z } from 'zod';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';
import { hostScope, ipScope, machineScope } from '../network-address.ts';

const CHECK = 'database.exposure';

/** PostgreSQL holds everything; a private network between nodes is fine, a public address is not. */
export const databaseExposureCheck: DoctorCheck = {
  id: CHECK,
  title: 'where PostgreSQL can be reached',
  async run({ config, embeddedDatabase, pool }) {
    if (embeddedDatabase || config.databaseUrl === undefined) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: 'The embedded PostgreSQL listens on 127.0.0.1 only',
          detail: 'It has no Unix socket and no other address.',
        },
      ];
    }
    const host = new URL(config.databaseUrl).hostname;
    const scope = await hostScope(host);
    const findings: Finding[] = [];
    if (scope === 'public' || scope === 'unspecified') {
      findings.push({
        check: CHECK,
        severity: 'critical',
        title: `PostgreSQL is reached at a public address (${host})`,
        detail: 'Anyone on the internet can try its password; everything Talon knows is in it.',
        fix: 'Let PostgreSQL listen on loopback or a private network only (listen_addresses, pg_hba.conf, a firewall) and point DATABASE_URL there',
      });
    } else if (scope === undefined) {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: `The database host ${host} does not resolve from here`,
        detail: 'Its exposure could not be checked.',
      });
    }
    // A database on this machine that listens on every interface is as exposed as this machine is.
    if (scope === 'loopback') {
      const listen = await pool
        .oneFirst(
          sql.type(z.object({ listen: z.string() }))`SELECT current_setting('listen_addresses') AS listen`,
        )
        .catch(() => undefined);
      const addresses = (listen ?? '').split(',').map((entry) => entry.trim());
      const wide = addresses.some(
        (entry) => entry === '*' || ipScope(entry) === 'unspecified' || ipScope(entry) === 'public',
      );
      if (wide && machineScope() === 'public') {
        findings.push({
          check: CHECK,
          severity: 'warning',
          title: `PostgreSQL listens on ${listen}, and this machine has a public address`,
          detail: 'Talon reaches it on loopback, but so may the internet.',
          fix: "Set listen_addresses = 'localhost' (or the private address other nodes use) and restart PostgreSQL",
        });
      }
    }
    if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title: `PostgreSQL is reached on ${scope === 'loopback' ? 'loopback' : 'a private network'} (${host})`,
        detail: 'Not from a public address.',
      });
    }
    return findings;
  },
};
