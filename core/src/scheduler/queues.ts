/** pg-boss queue names Talon uses (all in pg-boss's own `pgboss` schema). */
export const RUN_QUEUE = 'talon.workflow-run';
/** Where pg-boss copies a run job that failed (a lost lease): the run is then marked `node_lost`. */
export const LOST_RUN_QUEUE = 'talon.workflow-run-lost';
/** Cron ticks of workflow schedules: one pg-boss schedule per workflow, keyed by its id. */
export const TICK_QUEUE = 'talon.workflow-tick';
/** Periodic check for schedule occurrences nobody fired (all nodes down). */
export const MISSED_CHECK_QUEUE = 'talon.workflow-missed-check';
/** Hourly deletion of old run history (settings `workflows.history.*`). */
export const PRUNE_QUEUE = 'talon.workflow-prune';
/** Delayed jobs that cancel a run still waiting for its 2FA code at its deadline. */
export const APPROVAL_EXPIRY_QUEUE = 'talon.workflow-approval-expiry';

/** The queue only the named node works: how a workflow is pinned to a node. */
export function nodeRunQueue(node: string): string {
  return `${RUN_QUEUE}.node.${node.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export interface RunJobData {
  runId: string;
  workflowId: string;
  maxConcurrentRuns: number;
  nodePin: string | null;
}

export interface TickJobData {
  workflowId: string;
}
