import { Ajv } from 'ajv';
import type { WorkflowDefinition } from './definition.ts';
import { InvalidDefinitionError } from './errors.ts';
import type { WorkflowRecord } from './repository.ts';
import { isCompatibleVersion, type SkillCatalog } from './skill-catalog.ts';
import { ajvProblems } from '@talon/skill-runtime/contract/config-check.ts';
import { validateDefinition, type DefinitionProblem } from './validate-definition.ts';

export const EXPORT_FORMAT = 'talon-workflow';
export const EXPORT_FORMAT_VERSION = 1;

/** One JSON document: the definition and the skills (with versions) it was designed against. */
export interface WorkflowExport {
  format: typeof EXPORT_FORMAT;
  formatVersion: typeof EXPORT_FORMAT_VERSION;
  exportedAt: string;
  workflow: WorkflowDefinition;
  skills: { name: string; version: string | null }[];
}

/** The envelope only; the workflow inside is checked by the definition rules (paths under /workflow). */
const ENVELOPE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'formatVersion', 'workflow', 'skills'],
  properties: {
    format: { const: EXPORT_FORMAT },
    formatVersion: { const: EXPORT_FORMAT_VERSION },
    exportedAt: { type: 'string' },
    workflow: { type: 'object' },
    skills: {
      type: 'array',
      maxItems: 400,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'version'],
        properties: { name: { type: 'string' }, version: { type: ['string', 'null'] } },
      },
    },
  },
} as const;

const validateEnvelope = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(ENVELOPE_SCHEMA);

/** The export document of a workflow's current version. Step configs hold no secret values (skills name handles). */
export function exportWorkflow(record: WorkflowRecord, now = new Date()): WorkflowExport {
  const skills = new Map<string, string | null>();
  for (const step of record.definition.steps) {
    skills.set(step.skill, step.skillVersion);
    if (step.fallbackSkill !== null && !skills.has(step.fallbackSkill)) skills.set(step.fallbackSkill, null);
  }
  return {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: now.toISOString(),
    workflow: record.definition,
    skills: [...skills].map(([name, version]) => ({ name, version })),
  };
}

/**
 * Checks an import document completely before anything is written: the envelope, every rule of the
 * definition, and every skill it needs (missing, or installed at an incompatible version). Throws
 * one InvalidDefinitionError listing every problem with its JSON path; returns the definition to save.
 */
export function checkImport(document: unknown, catalog: SkillCatalog, rename?: string): WorkflowDefinition {
  if (!validateEnvelope(document)) {
    throw new InvalidDefinitionError(ajvProblems(validateEnvelope.errors), 'import document');
  }
  const envelope = document as unknown as {
    workflow: Record<string, unknown>;
    skills: WorkflowExport['skills'];
  };
  const problems: DefinitionProblem[] = [];
  envelope.skills.forEach((skill, index) => {
    const installed = catalog.describe(skill.name);
    if (!installed) {
      problems.push({ path: `/skills/${index}`, message: `skill "${skill.name}" is not installed` });
    } else if (skill.version !== null && !isCompatibleVersion(skill.version, installed.version)) {
      problems.push({
        path: `/skills/${index}/version`,
        message: `needs ${skill.name} ${skill.version}, but ${installed.version} is installed (incompatible)`,
      });
    }
  });
  const workflow = rename === undefined ? envelope.workflow : { ...envelope.workflow, name: rename };
  const check = validateDefinition(workflow, catalog);
  if (!check.ok) {
    for (const problem of check.problems)
      problems.push({
        path: `/workflow${problem.path === '/' ? '' : problem.path}`,
        message: problem.message,
      });
  }
  if (problems.length > 0 || !check.ok) throw new InvalidDefinitionError(problems, 'import document');
  return check.definition;
}
