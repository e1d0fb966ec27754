import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import type { WorkflowRepository } from './repository.ts';

/** A workflow with `retryOnNodeLost` gets this many new attempts when its node is lost mid-run. */
export const NODE_LOST_RETRIES = 1;

export type LostRunOutcome = 'failed' | 'requeued' | 'ignored';

const lostRow = z.object({
  workflow_id: z.string(),
  workflow_version: z.number(),
  node_lost_retries: z.number(),
});

/**
 * What happens to a run whose job was lost with its node (its lease lapsed): queued again from its
 * first step when its workflow allows it and it was not retried already, otherwise failed with
 * `node_lost`. Nothing happens when the run no longer belongs to that job (handed back, picked up
 * again, or ended).
 */
export class LostRuns {
  readonly #pool: DatabasePool;
  readonly #workflows: WorkflowRepository;

  constructor(pool: DatabasePool, workflows: WorkflowRepository) {
    this.#pool = pool;
    this.#workflows = workflows;
  }

  async handle(runId: string, jobId: string | null): Promise<LostRunOutcome> {
    const run = await this.#pool.maybeOne(sql.type(lostRow)`
      SELECT workflow_id, workflow_version, node_lost_retries FROM workflow_runs
      WHERE id = ${runId} AND ((status = 'running' AND job_id = ${jobId})
        OR (status = 'queued' AND job_id IS NULL AND ${jobId !== null}))`);
    if (!run) return 'ignored';
    const definition = await this.#workflows.definitionAt(run.workflow_id, run.workflow_version);
    if (definition.retryOnNodeLost === true && run.node_lost_retries < NODE_LOST_RETRIES) {
      const requeued = await this.#pool.transaction(async (tx) => {
        const result = await tx.query(sql.unsafe`
          UPDATE workflow_runs SET status = 'queued', node = NULL, job_id = NULL, started_at = NULL,
            steps_executed = 0, node_lost_retries = node_lost_retries + 1
          WHERE id = ${runId} AND status = 'running' AND job_id = ${jobId}`);
        if (result.rowCount === 1)
          await tx.query(sql.unsafe`DELETE FROM workflow_step_results WHERE run_id = ${runId}`);
        return result.rowCount === 1;
      });
      if (requeued) return 'requeued';
    }
    const result = await this.#pool.query(sql.unsafe`
      UPDATE workflow_runs SET status = 'failed', error_code = 'node_lost',
        error_message = 'The node running it stopped answering (its job lease lapsed) before the run ended',
        finished_at = now()
      WHERE id = ${runId} AND ((status = 'running' AND job_id = ${jobId})
        OR (status = 'queued' AND job_id IS NULL AND ${jobId !== null}))`);
    return result.rowCount === 1 ? 'failed' : 'ignored';
  }
}
