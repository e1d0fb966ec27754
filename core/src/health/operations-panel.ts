import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { SkillStatus } from '@talon/skill-runtime/contract/runtime-contract.ts';
import { probeAll, type ComponentHealth, type HealthProbe } from './component-health.ts';
import type { Finding } from './finding.ts';

/** Failed runs and alerts the dashboard lists at most. */
export const RECENT_ITEMS = 10;

export interface OperationsPanel {
  node: string;
  health: ComponentHealth[];
  findings: Finding[];
  runsInFlight: { queued: number; running: number; waiting2fa: number };
  openCircuits: { skill: string; state: 'open' | 'half_open'; failures: number; lastError: string | null }[];
  pendingSkills: string[];
  recentFailures: {
    runId: string;
    workflowId: string;
    workflowName: string;
    errorCode: string | null;
    errorMessage: string | null;
    finishedAt: string;
  }[];
  alerts: { kind: string; text: string; at: string }[];
}

export interface PanelSources {
  pool: DatabasePool;
  node: string;
  probes: readonly HealthProbe[];
  doctor(): Promise<Finding[]>;
  /** The loaded skills with their breakers, when a skill runtime runs here. */
  skills?: (() => SkillStatus[]) | undefined;
  /** Names of skill folders waiting for approval. */
  pendingSkills?: (() => string[]) | undefined;
}

const inFlightRow = z.object({ status: z.string(), count: z.number() });
const failureRow = z.object({
  id: z.string(),
  workflow_id: z.string(),
  name: z.string(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  finished_at: z.number(),
});
const alertRow = z.object({ kind: z.string(), text: z.string(), at: z.number() });

/** What the dashboard shows at a glance, from every node's shared tables and this node's services. */
export async function operationsPanel(sources: PanelSources): Promise<OperationsPanel> {
  const { pool } = sources;
  const [health, findings, inFlight, failures, alerts] = await Promise.all([
    probeAll(sources.probes),
    sources.doctor(),
    pool.any(sql.type(inFlightRow)`
      SELECT status, count(*)::int AS count FROM workflow_runs
      WHERE status IN ('queued', 'running', 'waiting_2fa') GROUP BY status`),
    pool.any(sql.type(failureRow)`
      SELECT r.id::text AS id, r.workflow_id::text AS workflow_id, w.name, r.error_code, r.error_message, r.finished_at
      FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id
      WHERE r.status = 'failed' AND r.finished_at IS NOT NULL
      ORDER BY r.finished_at DESC LIMIT ${RECENT_ITEMS}`),
    pool.any(sql.type(alertRow)`
      SELECT kind, text, at FROM telegram_announcements ORDER BY at DESC, id DESC LIMIT ${RECENT_ITEMS}`),
  ]);
  const count = (status: string): number => inFlight.find((row) => row.status === status)?.count ?? 0;
  return {
    node: sources.node,
    health,
    findings,
    runsInFlight: { queued: count('queued'), running: count('running'), waiting2fa: count('waiting_2fa') },
    openCircuits: (sources.skills?.() ?? [])
      .filter((skill) => skill.breaker.state !== 'closed')
      .map((skill) => ({
        skill: skill.name,
        state: skill.breaker.state as 'open' | 'half_open',
        failures: skill.breaker.failures,
        lastError: skill.breaker.lastError,
      })),
    pendingSkills: sources.pendingSkills?.() ?? [],
    recentFailures: failures.map((row) => ({
      runId: row.id,
      workflowId: row.workflow_id,
      workflowName: row.name,
      errorCode: row.error_code,
      errorMessage: row.error_message,
      finishedAt: new Date(row.finished_at).toISOString(),
    })),
    alerts: alerts.map((row) => ({ kind: row.kind, text: row.text, at: new Date(row.at).toISOString() })),
  };
}

/** The doctor's findings, run at most once per `ttlMs` however often the dashboard is loaded. */
export function cachedFindings(
  run: () => Promise<Finding[]>,
  ttlMs = 60_000,
  now = Date.now,
): () => Promise<Finding[]> {
  let cached: { at: number; findings: Promise<Finding[]> } | undefined;
  return () => {
    if (cached === undefined || now() - cached.at > ttlMs) {
      const findings = run();
      cached = { at: now(), findings };
      // A failed run is not kept: the next load tries again.
      findings.catch(() => {
        if (cached?.findings === findings) cached = undefined;
      });
    }
    return cached.findings;
  };
}
