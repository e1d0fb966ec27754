import { sql, type DatabasePool } from 'slonik';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { WorkflowNameTakenError } from './errors.ts';
import type { WorkflowService } from './service.ts';

/** The name of the built-in chat workflow: the one to pick as `telegram.free_text_workflow`. */
export const CHAT_WORKFLOW_NAME = 'chat';

/**
 * Workflows Talon ships, created once on the first start that has their skills: "chat" answers the
 * owner's Telegram messages that are not commands with the `conversational` core skill and sends the
 * answer back with `telegram_notify`. The owner picks it as `telegram.free_text_workflow` (nothing
 * answers free text until then), and may edit, rename or delete it: it is not created again.
 */
export const BUILTIN_WORKFLOWS: readonly { name: string; definition: Record<string, unknown> }[] = [
  {
    name: CHAT_WORKFLOW_NAME,
    definition: {
      name: CHAT_WORKFLOW_NAME,
      description:
        'Answers your Telegram messages that are not commands: pick it as telegram.free_text_workflow on the ' +
        'Telegram screen. conversational remembers the last few exchanges; telegram_notify sends the answer.',
      // One at a time, so answers come in the order the messages were sent.
      maxConcurrentRuns: 1,
      steps: [
        { id: 'answer', name: 'Answer', skill: 'conversational', config: {} },
        { id: 'reply', name: 'Reply on Telegram', skill: 'telegram_notify', config: {} },
      ],
    },
  },
];

/**
 * Creates each built-in workflow whose seed has not been claimed yet. A seed is claimed once its
 * workflow exists (created here, by another node starting at the same time, or one of the owner's by
 * that name), so a first start without the skills it needs tries again at the next start, and a
 * workflow the owner deleted is not created again. The workflow service has its own connections, so
 * nothing here holds a transaction open around it.
 */
export async function seedBuiltinWorkflows(options: {
  pool: DatabasePool;
  workflows: WorkflowService;
  logger: Logger;
}): Promise<string[]> {
  const created: string[] = [];
  for (const builtin of BUILTIN_WORKFLOWS) {
    const name = builtin.definition['name'] as string;
    try {
      const claimed = await options.pool.maybeOneFirst(sql.unsafe`
        SELECT name FROM builtin_workflow_seeds WHERE name = ${builtin.name}`);
      if (claimed !== null) continue;
      const taken = await options.pool.maybeOneFirst(sql.unsafe`
        SELECT id FROM workflows WHERE name = ${name}`);
      if (taken === null) {
        try {
          await options.workflows.create(builtin.definition);
          created.push(builtin.name);
        } catch (error) {
          // Another node starting at the same time created it first: claimed all the same.
          if (!(error instanceof WorkflowNameTakenError)) throw error;
        }
      }
      await options.pool.query(sql.unsafe`
        INSERT INTO builtin_workflow_seeds (name) VALUES (${builtin.name}) ON CONFLICT (name) DO NOTHING`);
    } catch (error) {
      options.logger.warn(
        { workflow: builtin.name, reason: errorMessage(error) },
        'the built-in workflow could not be created; it is tried again at the next start',
      );
    }
  }
  if (created.length > 0) options.logger.info({ workflows: created }, 'built-in workflows created');
  return created;
}
