import { sql } from 'slonik';
import { z } from 'zod';
import type { DoctorCheck } from '../doctor.ts';
import type { Finding } from '../finding.ts';
import { hostScope } from '../network-address.ts';

const CHECK = 'llm.locality';

const providerRow = z.object({ id: z.string(), name: z.string(), base_url: z.string() });

/** "Local" promises that prompts stay on the owner's machine or network: check each local provider's address. */
export const llmLocalityCheck: DoctorCheck = {
  id: CHECK,
  title: 'LLM providers marked local are on loopback or a private network',
  async run({ pool }) {
    const providers = await pool.any(sql.type(providerRow)`
      SELECT id, name, base_url FROM llm_providers WHERE locality = 'local' ORDER BY id`);
    const findings: Finding[] = [];
    for (const provider of providers) {
      const host = new URL(provider.base_url).hostname;
      const scope = await hostScope(host);
      if (scope === 'loopback' || scope === 'private') continue;
      findings.push({
        check: CHECK,
        severity: scope === undefined ? 'warning' : 'critical',
        title:
          scope === undefined
            ? `The local LLM provider "${provider.name}" is at ${host}, which does not resolve from here`
            : `The LLM provider "${provider.name}" is marked local but ${host} is a public address`,
        detail:
          'Workflows restricted to local providers send it their prompts, believing they stay on your network.',
        fix: `Point ${provider.id} at a model on your own machine or network, or mark it remote on the LLM → Providers screen`,
      });
    }
    if (findings.length === 0) {
      findings.push({
        check: CHECK,
        severity: 'info',
        title:
          providers.length === 0
            ? 'No LLM provider is marked local'
            : `Every local LLM provider is on your own machine or network (${providers.length})`,
        detail: 'Prompts sent to local providers stay off the internet.',
      });
    }
    return findings;
  },
};
