/**
 * A skill's config checked against its manifest's `configSchema`, the same way wherever a skill is
 * run: by Talon's runtime (the admin, workflows, `skills.invoke`) and by `talon-skill run`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { configSchemaAjv, configSchemaSizeProblem } from './config-schema.ts';

/** One thing wrong with a JSON document, located by JSON pointer (`/steps/1/routes/on_error`). */
export interface JsonProblem {
  path: string;
  message: string;
}

// Skill config schemas come from third-party manifests: RE2 for their patterns (config-schema.ts).
const configAjv = configSchemaAjv();
const validators = new WeakMap<Record<string, unknown>, ValidateFunction | Error>();

function describeAjvError(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    return `unknown field "${String(error.params['additionalProperty'])}"`;
  }
  if (error.keyword === 'required')
    return `missing required field "${String(error.params['missingProperty'])}"`;
  if (error.keyword === 'enum') {
    const allowed = (error.params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value));
    return `must be one of ${allowed.join(', ')}`;
  }
  return error.message ?? `fails ${error.keyword}`;
}

/** Ajv errors as problems, each with its JSON path; `required` errors point at the missing field. */
export function ajvProblems(errors: readonly ErrorObject[] | null | undefined, prefix = ''): JsonProblem[] {
  return (errors ?? []).map((error) => {
    const missing = error.keyword === 'required' ? `/${String(error.params['missingProperty'])}` : '';
    return { path: `${prefix}${error.instancePath}${missing}` || '/', message: describeAjvError(error) };
  });
}

/** Problems of `config` against a skill's configSchema (paths relative to the config object). */
export function checkSkillConfig(
  skill: { name: string; configSchema?: Record<string, unknown> | undefined },
  config: unknown,
): JsonProblem[] {
  if (!skill.configSchema) return [];
  let validate = validators.get(skill.configSchema);
  if (!validate) {
    const tooBig = configSchemaSizeProblem(skill.configSchema);
    try {
      if (tooBig !== undefined) throw new Error(`the schema ${tooBig}`);
      validate = configAjv.compile(skill.configSchema);
    } catch (error) {
      validate = error instanceof Error ? error : new Error(String(error));
    }
    validators.set(skill.configSchema, validate);
  }
  if (validate instanceof Error) {
    return [{ path: '', message: `skill ${skill.name} has an unusable configSchema: ${validate.message}` }];
  }
  return validate(config) ? [] : ajvProblems(validate.errors);
}

/** The one-line message of a refused config: `config does not fit weather 1.2.0: /units must be …`. */
export function configMismatchMessage(
  skill: { name: string; version: string },
  problems: readonly JsonProblem[],
): string {
  return (
    `config does not fit ${skill.name} ${skill.version}: ` +
    problems.map((problem) => `${problem.path || '/'} ${problem.message}`).join('; ')
  );
}
