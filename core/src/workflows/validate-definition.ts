import { Ajv } from 'ajv';
import { CronExpressionParser } from 'cron-parser';
import { DEFAULT_BRANCH, END, ERROR_BRANCH, type WorkflowDefinition } from './definition.ts';
import { WORKFLOW_DEFINITION_SCHEMA } from './definition-schema.ts';
import { ajvProblems, checkSkillConfig } from '@talon/skill-runtime/contract/config-check.ts';
import { isCompatibleVersion, type SkillCatalog } from './skill-catalog.ts';
import type { DefinitionProblem } from './wire-types.ts';
import { shellStepProblems } from '../shell/workflow-shell-steps.ts';

export type { DefinitionProblem };

export type DefinitionCheck =
  { ok: true; definition: WorkflowDefinition } | { ok: false; problems: DefinitionProblem[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, allowUnionTypes: true, strict: true });
const validateShape = ajv.compile<WorkflowDefinition>(WORKFLOW_DEFINITION_SCHEMA);

function checkSchedule(definition: WorkflowDefinition, problems: DefinitionProblem[]): void {
  const schedule = definition.schedule;
  if (!schedule) return;
  let zoneOk = true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: schedule.timezone });
  } catch {
    zoneOk = false;
    problems.push({ path: '/schedule/timezone', message: `unknown time zone "${schedule.timezone}"` });
  }
  const fields = schedule.cron.trim().split(/\s+/).length;
  if (fields !== 5) {
    problems.push({
      path: '/schedule/cron',
      message: `a cron expression has 5 fields (minute hour day month weekday), got ${fields}`,
    });
    return;
  }
  try {
    CronExpressionParser.parse(schedule.cron, zoneOk ? { tz: schedule.timezone, strict: false } : {});
  } catch (error) {
    problems.push({
      path: '/schedule/cron',
      message: `invalid cron expression: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/** Cross-field rules the JSON Schema cannot express, and the checks against installed skills. */
function checkSteps(
  definition: WorkflowDefinition,
  catalog: SkillCatalog,
  problems: DefinitionProblem[],
): void {
  const positions = new Map<string, number>();
  definition.steps.forEach((step, index) => {
    if (positions.has(step.id)) {
      problems.push({ path: `/steps/${index}/id`, message: `duplicate step id "${step.id}"` });
    } else positions.set(step.id, index);
  });

  definition.steps.forEach((step, index) => {
    const at = `/steps/${index}`;
    if (step.inputFrom !== null) {
      const source = positions.get(step.inputFrom);
      if (source === undefined) {
        problems.push({ path: `${at}/inputFrom`, message: `no step has the id "${step.inputFrom}"` });
      } else if (source >= index) {
        problems.push({ path: `${at}/inputFrom`, message: `"${step.inputFrom}" is not an earlier step` });
      }
    }
    if (step.onUnavailable === 'fallback' && step.fallbackSkill === null) {
      problems.push({
        path: `${at}/fallbackSkill`,
        message: 'onUnavailable "fallback" needs a fallbackSkill',
      });
    }
    if (step.onUnavailable !== 'fallback' && step.fallbackSkill !== null) {
      problems.push({
        path: `${at}/fallbackSkill`,
        message: 'fallbackSkill is only used with onUnavailable "fallback"',
      });
    }
    if (step.fallbackSkill !== null && catalog.describe(step.fallbackSkill) === undefined) {
      problems.push({
        path: `${at}/fallbackSkill`,
        message: `skill "${step.fallbackSkill}" is not installed`,
      });
    }
    if (step.retry.maxBackoffMs < step.retry.backoffMs) {
      problems.push({ path: `${at}/retry/maxBackoffMs`, message: 'must be at least backoffMs' });
    }

    const skill = catalog.describe(step.skill);
    for (const [branch, target] of Object.entries(step.routes)) {
      if (target !== END && !positions.has(target)) {
        problems.push({
          path: `${at}/routes/${branch}`,
          message: `goes to "${target}", which is neither a step id nor "end"`,
        });
      }
      const offered = branch === DEFAULT_BRANCH || branch === ERROR_BRANCH || skill?.routes.includes(branch);
      if (skill && !offered) {
        problems.push({
          path: `${at}/routes/${branch}`,
          message: `skill ${skill.name} never returns "${branch}" (it declares ${skill.routes.join(', ')}; "default" is always offered)`,
        });
      }
    }

    if (!skill) {
      problems.push({ path: `${at}/skill`, message: `skill "${step.skill}" is not installed` });
      return;
    }
    if (step.skillVersion !== null && !isCompatibleVersion(step.skillVersion, skill.version)) {
      problems.push({
        path: `${at}/skillVersion`,
        message: `designed for ${step.skill} ${step.skillVersion}, but ${skill.version} is installed (incompatible)`,
      });
    }
    for (const problem of checkSkillConfig(skill, step.config)) {
      problems.push({ path: `${at}/config${problem.path}`, message: problem.message });
    }
  });
}

/**
 * Validates a workflow definition from outside (API body, import document): shape with ajv, then
 * the rules across fields and against the installed skills. Returns every problem, each with its
 * JSON path; never stops at the first. On success, the definition has its defaults filled in and
 * each step's skillVersion set to the installed version when it was left out.
 */
export function validateDefinition(input: unknown, catalog: SkillCatalog): DefinitionCheck {
  const candidate: unknown = structuredClone(input);
  if (!validateShape(candidate)) return { ok: false, problems: ajvProblems(validateShape.errors) };
  const problems: DefinitionProblem[] = [];
  checkSchedule(candidate, problems);
  checkSteps(candidate, catalog, problems);
  // A shell step makes the workflow require 2FA, fixes its command and forbids reruns.
  problems.push(...shellStepProblems(candidate));
  if (problems.length > 0) return { ok: false, problems };
  for (const step of candidate.steps) step.skillVersion ??= catalog.describe(step.skill)?.version ?? null;
  return { ok: true, definition: candidate };
}
