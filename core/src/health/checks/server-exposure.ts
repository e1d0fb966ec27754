import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';
import { hostScope, machineScope } from '../network-address.ts';

const CHECK = 'server.exposure';
const FIX =
  'Set HOST=127.0.0.1 and put a reverse proxy with TLS (Caddy, nginx) in front; set server.public_url to its https:// address';

/** Talon serves plain HTTP: anywhere but loopback, passwords and session cookies cross a network in clear. */
export const serverExposureCheck: DoctorCheck = {
  id: CHECK,
  title: 'where the admin listens, and TLS in front of it',
  async run({ config, settings }) {
    const findings: Finding[] = [];
    const where = `${config.host}:${config.port}`;
    const publicUrl = settings.getString('server.public_url');
    if (publicUrl.startsWith('http://')) {
      const scope = await hostScope(new URL(publicUrl).hostname).catch(() => undefined);
      if (scope !== 'loopback') {
        findings.push({
          check: CHECK,
          severity: 'critical',
          title: `server.public_url is plain http (${publicUrl})`,
          detail: 'Webhooks, links and logins through that address travel without TLS.',
          fix: 'Serve Talon behind TLS and set server.public_url to its https:// address',
        });
      }
    }
    let scope = await hostScope(config.host);
    if (scope === 'unspecified') scope = machineScope();
    if (scope === 'public' || scope === undefined) {
      findings.push({
        check: CHECK,
        severity: 'critical',
        title: `Talon listens on ${where}, reachable from a public address without TLS`,
        detail:
          'Talon itself speaks plain HTTP: the password and the session cookie can be read on the way, and a proxy in front can be bypassed on this port.',
        fix: FIX,
      });
    } else if (scope === 'private') {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: `Talon listens on ${where}, on your local network without TLS`,
        detail: 'Anyone on that network can read the password and session cookie on the way.',
        fix: FIX,
      });
    } else if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title: `Talon listens on loopback only (${where})`,
        detail: 'Only this machine reaches it directly; anything else goes through your reverse proxy.',
      });
    }
    return findings;
  },
};
