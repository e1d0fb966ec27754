/**
 * The rules a workflow with a shell step must follow, checked when it is saved or imported
 * (workflows/validate-definition.ts): it requires 2FA for as long as it has one, each shell step has
 * a fixed command (what a run's approval covers), and nothing runs a shell step again on its own.
 */
import type { WorkflowDefinition } from '../workflows/definition.ts';
import type { DefinitionProblem } from '../workflows/wire-types.ts';
import { formatCommandLine, parseCommandLine } from './command-line.ts';

/** The core skill that runs commands (plugins/shell). */
export const SHELL_SKILL = 'shell';

/** The command of a shell step as the host compares it (quoting normalised), or undefined. */
export function fixedCommandOf(config: { [key: string]: unknown }): string | undefined {
  const command = config['command'];
  if (typeof command !== 'string') return undefined;
  const parsed = parseCommandLine(command.trim());
  return parsed.ok ? formatCommandLine(parsed.argv) : undefined;
}

/** The fixed commands of a definition's shell steps, one per step. */
export function shellStepCommands(definition: WorkflowDefinition): string[] {
  return definition.steps
    .filter((step) => step.skill === SHELL_SKILL)
    .map((step) => fixedCommandOf(step.config))
    .filter((command): command is string => command !== undefined);
}

export function hasShellStep(definition: WorkflowDefinition): boolean {
  return definition.steps.some((step) => step.skill === SHELL_SKILL || step.fallbackSkill === SHELL_SKILL);
}

export function shellStepProblems(definition: WorkflowDefinition): DefinitionProblem[] {
  if (!hasShellStep(definition)) return [];
  const problems: DefinitionProblem[] = [];
  if (!definition.requires2fa) {
    problems.push({
      path: '/requires2fa',
      message: 'a workflow with a shell step always requires 2FA: every shell command needs a fresh code',
    });
  }
  if (definition.retryOnNodeLost) {
    problems.push({
      path: '/retryOnNodeLost',
      message: 'a workflow with a shell step is never restarted on its own: switch retryOnNodeLost off',
    });
  }
  definition.steps.forEach((step, index) => {
    const at = `/steps/${index}`;
    if (step.fallbackSkill === SHELL_SKILL) {
      problems.push({ path: `${at}/fallbackSkill`, message: 'the shell cannot be a fallback skill' });
    }
    if (step.skill !== SHELL_SKILL) return;
    if (step.retry.maxAttempts !== 1) {
      problems.push({
        path: `${at}/retry/maxAttempts`,
        message: 'a shell step is never retried automatically: maxAttempts must be 1',
      });
    }
    const command = step.config['command'];
    if (typeof command !== 'string' || command.trim() === '') {
      problems.push({
        path: `${at}/config/command`,
        message: "a shell step needs a fixed command: a run's 2FA approval covers that command only",
      });
      return;
    }
    const parsed = parseCommandLine(command.trim());
    if (!parsed.ok) problems.push({ path: `${at}/config/command`, message: parsed.message });
  });
  return problems;
}
