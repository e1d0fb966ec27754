import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { configSchemaAjv, configSchemaSizeProblem, re2 } from './config-schema.ts';
import { SKILL_MANIFEST_SCHEMA, type SkillManifest } from './manifest.ts';
import { CORE_ONLY_PERMISSIONS, SKILL_PERMISSIONS } from './permission-table.ts';
import { isSecretBinding, secretBindingProblems } from './secret-bindings.ts';

/** One thing wrong with a manifest: the field (as `limits.memoryMb`, `permissions[2]`) and what is wrong. */
export interface ManifestProblem {
  field: string;
  message: string;
}

export type ManifestValidation =
  { ok: true; manifest: SkillManifest } | { ok: false; problems: ManifestProblem[] };

export interface ManifestValidationOptions {
  /** Core skills (shipped in `plugins/`) may hold core-only permissions; nobody else may. */
  kind?: 'core' | 'dynamic';
}

// RE2 here too: a manifest's strings meet the schema's patterns before anything else is known of it.
const ajv = new Ajv({ allErrors: true, strict: true, code: { regExp: re2 } });
const validateSchema = ajv.compile(SKILL_MANIFEST_SCHEMA);
// Authors' config schemas: their own instance, RE2 for every pattern (config-schema.ts).
const configAjv = configSchemaAjv();

/** What a pattern-checked field must look like, in words an author can act on. */
const PATTERN_HINTS: Record<string, string> = {
  name: 'must be 2–64 characters of lower-case letters, digits and _, starting with a letter (e.g. "json_transform")',
  version: 'must be a semantic version such as "1.0.0"',
  net: 'must be a lower-case host name such as "api.example.com" or "*.example.com", optionally with a :port, without scheme or path (or "*" alone: any public host)',
  secrets:
    'must be a setting key such as "github.token" (lower-case letters, digits, _ and dots); bind it: { "handle", "hosts", "in", "name", "prefix" }',
  routes:
    'must be a branch name such as "on_success" (lower-case letters, digits and _, starting with a letter)',
};

/** `/limits/memoryMb` → `limits.memoryMb`, `/permissions/2` → `permissions[2]`. */
export function fieldFromPointer(pointer: string): string {
  let field = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    field += /^\d+$/.test(key) ? `[${key}]` : field === '' ? key : `.${key}`;
  }
  return field === '' ? '(manifest)' : field;
}

function topLevelField(field: string): string {
  return field.split(/[.[]/)[0] ?? field;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return current;
}

function problemFromAjv(error: ErrorObject, manifest: unknown): ManifestProblem {
  const field = fieldFromPointer(error.instancePath);
  const value = valueAt(manifest, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      return { field: field === '(manifest)' ? missing : `${field}.${missing}`, message: 'is required' };
    }
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      const prefix = field === '(manifest)' ? '' : `${field}.`;
      return { field: `${prefix}${extra}`, message: 'is not a known field (check the spelling)' };
    }
    case 'enum':
      if (topLevelField(field) === 'permissions') {
        return {
          field,
          message: `${describe(value)} is not a known permission (known: ${SKILL_PERMISSIONS.join(', ')})`,
        };
      }
      return { field, message: `must be one of ${JSON.stringify(params['allowedValues'])}` };
    case 'pattern': {
      // A binding's hosts are hosts like `net`'s; its handle is a setting key like a bare handle.
      const hint = /\.hosts\[\d+\]$/.test(field) ? 'net' : topLevelField(field);
      return {
        field,
        message: `${describe(value)} ${PATTERN_HINTS[hint] ?? `must match ${String(params['pattern'])}`}`,
      };
    }
    case 'type':
      return { field, message: `must be ${article(String(params['type']))} (got ${describe(value)})` };
    case 'uniqueItems':
      return {
        field,
        message: `lists the same entry twice (items ${String(params['j'])} and ${String(params['i'])})`,
      };
    case 'minimum':
    case 'maximum':
      return {
        field,
        message: `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params['limit'])} (got ${describe(value)})`,
      };
    case 'minLength':
      return { field, message: Number(params['limit']) === 1 ? 'must not be empty' : `is too short` };
    case 'maxLength':
      return { field, message: `must be at most ${String(params['limit'])} characters` };
    case 'minItems':
      return {
        field,
        message: `must list at least ${String(params['limit'])} entr${params['limit'] === 1 ? 'y' : 'ies'}`,
      };
    case 'maxItems':
      return { field, message: `must list at most ${String(params['limit'])} entries` };
    default:
      return { field, message: error.message ?? `is invalid (${error.keyword})` };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Rules a JSON Schema cannot say: how fields depend on each other, and who may hold what. */
function semanticProblems(manifest: SkillManifest, options: ManifestValidationOptions): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  manifest.permissions.forEach((permission, index) => {
    if (CORE_ONLY_PERMISSIONS.includes(permission) && options.kind !== 'core') {
      problems.push({
        field: `permissions[${index}]`,
        message: `"${permission}" is reserved for the core skills shipped with Talon`,
      });
    }
  });
  if ((manifest.net?.length ?? 0) > 0 && !manifest.permissions.includes('http')) {
    problems.push({ field: 'net', message: 'lists hosts, but "permissions" does not ask for "http"' });
  }
  if (manifest.permissions.includes('http') && (manifest.net?.length ?? 0) === 0) {
    problems.push({ field: 'net', message: 'must list the hosts "http" may reach (it asks for "http")' });
  }
  if ((manifest.secrets?.length ?? 0) > 0 && !manifest.permissions.includes('secrets')) {
    problems.push({
      field: 'secrets',
      message: 'lists secret handles, but "permissions" does not ask for "secrets"',
    });
  }
  manifest.secrets?.forEach((entry, index) => {
    if (!isSecretBinding(entry)) return;
    for (const problem of secretBindingProblems(entry, manifest.net ?? [])) {
      problems.push({ field: `secrets[${index}].${problem.field}`, message: problem.message });
    }
  });
  if ((manifest.invokes?.length ?? 0) > 0 && !manifest.permissions.includes('skills.invoke')) {
    problems.push({
      field: 'invokes',
      message: 'lists skills to invoke, but "permissions" does not ask for "skills.invoke"',
    });
  }
  const schemaTooBig =
    manifest.configSchema === undefined ? undefined : configSchemaSizeProblem(manifest.configSchema);
  if (schemaTooBig !== undefined) {
    problems.push({ field: 'configSchema', message: schemaTooBig });
  } else if (manifest.configSchema !== undefined) {
    try {
      const validateConfig = configAjv.compile(manifest.configSchema);
      problems.push(...uiProblems(manifest, validateConfig));
    } catch (error) {
      problems.push({
        field: 'configSchema',
        message: `is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  } else if ((manifest.ui?.fields?.length ?? 0) > 0) {
    problems.push({
      field: 'ui.fields',
      message: 'names config fields, but there is no "configSchema" to define them',
    });
  }
  return problems;
}

/** The workflow editor's hints must agree with the config schema they describe. */
function uiProblems(manifest: SkillManifest, validateConfig: ValidateFunction): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const properties = manifest.configSchema?.['properties'];
  if (properties !== null && typeof properties === 'object') {
    manifest.ui?.fields?.forEach((field, index) => {
      if (!Object.hasOwn(properties, field)) {
        problems.push({
          field: `ui.fields[${index}]`,
          message: `"${field}" is not a property of configSchema`,
        });
      }
    });
  }
  const examples: [string, unknown][] = [];
  if (manifest.ui?.configScaffold !== undefined)
    examples.push(['ui.configScaffold', manifest.ui.configScaffold]);
  manifest.ui?.presets?.forEach((preset, index) =>
    examples.push([`ui.presets[${index}].config`, preset.config]),
  );
  for (const [field, config] of examples) {
    if (!validateConfig(config)) {
      const first = validateConfig.errors?.[0];
      const where = first ? fieldFromPointer(first.instancePath) : '';
      problems.push({
        field,
        message: `does not fit configSchema: ${where === '(manifest)' ? '' : `${where} `}${first?.message ?? 'is invalid'}`,
      });
    }
  }
  return problems;
}

/**
 * A `secrets` entry is a binding object or (approved before bindings) a bare handle: report only
 * the errors of the form the entry has, not "must be a string" for an object and the like.
 */
function relevantErrors(errors: readonly ErrorObject[], manifest: unknown): ErrorObject[] {
  return errors.filter((error) => {
    const branch = /\/secrets\/items\/oneOf\/(\d)\//.exec(error.schemaPath)?.[1];
    if (error.keyword === 'oneOf') return false;
    if (branch === undefined) return true;
    const entryPointer = /^\/secrets\/\d+/.exec(error.instancePath)?.[0] ?? '';
    const isObject = typeof valueAt(manifest, entryPointer) === 'object';
    return branch === (isObject ? '1' : '0');
  });
}

/**
 * Validates a parsed `skill.json`. Every problem names the field and says what is wrong; an invalid
 * manifest never reaches the sandbox.
 */
export function validateManifest(
  manifest: unknown,
  options: ManifestValidationOptions = {},
): ManifestValidation {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    return {
      ok: false,
      problems: [{ field: '(manifest)', message: `must be a JSON object (got ${describe(manifest)})` }],
    };
  }
  if (!validateSchema(manifest)) {
    const seen = new Set<string>();
    const problems: ManifestProblem[] = [];
    for (const error of relevantErrors(validateSchema.errors ?? [], manifest)) {
      const problem = problemFromAjv(error, manifest);
      const key = `${problem.field}\u0000${problem.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
    return { ok: false, problems };
  }
  const valid = manifest as SkillManifest;
  const problems = semanticProblems(valid, options);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, manifest: valid };
}

/** Parses the text of `skill.json`, then validates it. */
export function parseManifest(text: string, options: ManifestValidationOptions = {}): ManifestValidation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [
        {
          field: '(manifest)',
          message: `skill.json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
        },
      ],
    };
  }
  return validateManifest(parsed, options);
}

/** One line per problem, for a terminal or an HTTP error message. */
export function formatManifestProblems(problems: readonly ManifestProblem[]): string {
  return problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
}
