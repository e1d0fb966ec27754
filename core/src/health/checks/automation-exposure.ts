import type { DoctorCheck } from '../doctor.ts';
import { hostScope } from '../network-address.ts';

const CHECK = 'automation.exposure';

/** The browser sidecar drives a real browser for Talon: it belongs on loopback (or behind TLS on a private network). */
export const automationExposureCheck: DoctorCheck = {
  id: CHECK,
  title: 'where the browser sidecar is reached',
  async run({ settings }) {
    if (!settings.getBoolean('web_automator.enabled', false)) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: 'The browser sidecar is off',
          detail: 'web_automator.enabled is false.',
        },
      ];
    }
    const address = settings.getString('web_automator.host');
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return [
        {
          check: CHECK,
          severity: 'warning',
          title: `web_automator.host is not a URL (${address})`,
          detail: 'Talon cannot reach the sidecar.',
          fix: 'Set web_automator.host to http://127.0.0.1:6900 (Talon starts the sidecar itself there)',
        },
      ];
    }
    const scope = await hostScope(url.hostname);
    if (scope === 'loopback') {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: `The browser sidecar is on loopback (${url.host})`,
          detail: 'Only this machine reaches it.',
        },
      ];
    }
    if (scope === 'private' && url.protocol === 'https:') {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: `The browser sidecar is on your network behind TLS (${url.host})`,
          detail: 'Requests carry its token over TLS.',
        },
      ];
    }
    return [
      {
        check: CHECK,
        severity: scope === 'private' ? 'warning' : 'critical',
        title: `The browser sidecar is reached at ${url.host} (${scope ?? 'a name that does not resolve'}${url.protocol === 'http:' ? ', plain http' : ''})`,
        detail:
          'Whoever reaches the sidecar with its token drives a browser with your logins in it; its VNC view shows your screen.',
        fix: 'Run the sidecar on loopback (web_automator.host=http://127.0.0.1:6900) or behind TLS on a private network, never on a public address',
      },
    ];
  },
};
