import { sql } from 'slonik';
import { z } from 'zod';
import { webhookSecretSetting } from '../../webhooks/workflow-webhooks.ts';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';

const CHECK = 'webhooks';

const enabledTrigger = z.object({ workflow_id: z.string(), name: z.string() });

/**
 * Webhooks bound without the secret that signs them. GitHub's is the setting `github.webhook_secret`
 * (deliveries are refused without it); Telegram's webhook mode generates its secret when empty; a
 * workflow's signed webhook trigger keeps its secret in a setting of its own (lost, for example, when
 * settings were restored without it), and refuses every delivery without it.
 */
export const webhooksCheck: DoctorCheck = {
  id: CHECK,
  title: 'webhook secrets of the webhooks in use',
  async run({ settings, pool }) {
    const findings: Finding[] = [];
    const triggers = await pool.any(sql.type(enabledTrigger)`
      SELECT t.workflow_id::text AS workflow_id, w.name
      FROM workflow_webhooks t JOIN workflows w ON w.id = t.workflow_id
      WHERE t.enabled ORDER BY t.workflow_id`);
    for (const trigger of triggers) {
      if (settings.getString(webhookSecretSetting(trigger.workflow_id)) !== '') continue;
      findings.push({
        check: CHECK,
        severity: 'warning',
        title: `The webhook trigger of “${trigger.name}” is on without its secret`,
        detail: 'Every delivery to it is refused, so whatever sends to it has stopped starting the workflow.',
        fix: 'Open the workflow in the admin, make a new secret for its webhook trigger (with a code) and give it to the sender',
      });
    }
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
        detail: `${githubInUse ? 'GitHub deliveries are signed with github.webhook_secret.' : 'GitHub is not set up.'} ${triggers.length} workflow webhook trigger(s) on, each with its secret.`,
      });
    }
    return findings;
  },
};
