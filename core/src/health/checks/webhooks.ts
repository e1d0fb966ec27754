import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';

const CHECK = 'webhooks';

/**
 * Webhooks bound without the secret that signs them. GitHub's is the setting `github.webhook_secret`
 * (deliveries are refused without it); Telegram's webhook mode generates its secret when empty.
 */
export const webhooksCheck: DoctorCheck = {
  id: CHECK,
  title: 'webhook secrets of the webhooks in use',
  async run({ settings }) {
    const findings: Finding[] = [];
    const githubInUse = settings.getString('github.token') !== '';
    if (githubInUse && settings.getString('github.webhook_secret') === '') {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: 'GitHub is set up but github.webhook_secret is empty',
        detail: 'Every delivery to /webhooks/github is refused until the secret is set.',
        fix: 'Generate a secret (openssl rand -hex 32), set it as github.webhook_secret and in the webhook on GitHub',
      });
    }
    if (settings.getString('telegram.mode') === 'webhook' && settings.getString('server.public_url') === '') {
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: 'Telegram is in webhook mode but server.public_url is empty',
        detail: 'Telegram has no address to deliver to, so no command arrives.',
        fix: 'Set server.public_url to the https:// address Telegram can reach, or switch telegram.mode to polling',
      });
    }
    if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title: 'Every webhook in use has its secret',
        detail: githubInUse
          ? 'GitHub deliveries are signed with github.webhook_secret.'
          : 'GitHub is not set up.',
      });
    }
    return findings;
  },
};
