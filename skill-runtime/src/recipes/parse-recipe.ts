import { isIP } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';
import { isAllowedByNet } from '../api/net-policy.ts';
import { RECIPE_VERSION, type Recipe, type RecipeStep } from './recipe.ts';
import { RECIPE_SCHEMA } from './recipe-schema.ts';
import { TalonError } from '../errors.ts';

/** A recipe that cannot be used; `problems` lists every fault found, each naming its field. */
export class RecipeError extends TalonError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
    super('recipe_invalid', `Invalid recipe: ${shown}${more}`, 400);
    this.problems = problems;
  }
}

const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
const validateSchema = ajv.compile<Recipe>(RECIPE_SCHEMA);

/** `/steps/3/target/locators/0` → `steps[3].target.locators[0]`. */
function fieldOf(pointer: string): string {
  let field = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    field += /^\d+$/.test(key) ? `[${key}]` : field === '' ? key : `.${key}`;
  }
  return field === '' ? 'recipe' : field;
}

function describeSchemaError(error: ErrorObject): string {
  const field = fieldOf(error.instancePath);
  const { params } = error;
  if (error.keyword === 'additionalProperties')
    return `${field} has an unknown field "${String(params['additionalProperty'])}"`;
  if (error.keyword === 'required') return `${field} needs "${String(params['missingProperty'])}"`;
  if (error.keyword === 'const' && field === 'version') return `version must be ${RECIPE_VERSION}`;
  if (error.keyword === 'discriminator' && params['tag'] === 'type')
    return `${field}.type is not a known step type`;
  if (error.keyword === 'discriminator') return `${field}.kind is not a known locator kind`;
  if (error.keyword === 'minProperties' || error.keyword === 'maxProperties') {
    return `${field} must have exactly one of "literal", "secret" or "parameter"`;
  }
  return `${field} ${error.message ?? 'is invalid'}`;
}

function checkWebUrl(field: string, value: string, problems: string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problems.push(`${field} is not a URL`);
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    problems.push(`${field} must be an http or https URL (got ${parsed.protocol})`);
  }
  if (parsed.username || parsed.password) {
    problems.push(`${field} must not carry credentials; use a secret handle and a fill step`);
  }
}

function checkAddress(field: string, entry: string, problems: string[]): void {
  const [address = '', prefix] = entry.split('/');
  const family = isIP(address);
  const maxPrefix = family === 4 ? 32 : 128;
  if (family === 0) problems.push(`${field} is not an IP address or CIDR range (got "${entry}")`);
  else if (prefix !== undefined && Number(prefix) > maxPrefix) {
    problems.push(`${field} has a prefix longer than ${maxPrefix} bits`);
  }
}

function duplicates(names: readonly string[]): string[] {
  return names.filter((name, index) => names.indexOf(name) !== index);
}

function checkReferences(recipe: Recipe, problems: string[]): void {
  const secrets = new Set(recipe.secrets.map((secret) => secret.handle));
  const parameters = new Set(recipe.parameters.map((parameter) => parameter.name));
  for (const name of duplicates(recipe.secrets.map((secret) => secret.handle))) {
    problems.push(`secrets declares "${name}" twice`);
  }
  for (const name of duplicates(recipe.parameters.map((parameter) => parameter.name))) {
    problems.push(`parameters declares "${name}" twice`);
  }
  recipe.steps.forEach((step: RecipeStep, index) => {
    const field = `steps[${index}]`;
    if (step.type === 'navigate') checkWebUrl(`${field}.url`, step.url, problems);
    if (step.type !== 'fill') return;
    if ('secret' in step.value && !secrets.has(step.value.secret)) {
      problems.push(`${field}.value uses the secret "${step.value.secret}", which secrets does not declare`);
    }
    if ('parameter' in step.value && !parameters.has(step.value.parameter)) {
      problems.push(
        `${field}.value uses the parameter "${step.value.parameter}", which parameters does not declare`,
      );
    }
  });
}

/**
 * Validates a recipe from outside (an API body, an import, the database): the schema, then what a
 * schema cannot say. Returns it typed, or throws a RecipeError listing every problem.
 */
export function parseRecipe(input: unknown): Recipe {
  if (!validateSchema(input)) {
    throw new RecipeError((validateSchema.errors ?? []).map(describeSchemaError));
  }
  const recipe = input;
  const problems: string[] = [];
  checkWebUrl('startUrl', recipe.startUrl, problems);
  if (problems.length === 0 && !isAllowedByNet(new URL(recipe.startUrl), recipe.allowedDomains)) {
    problems.push(`startUrl's host ${new URL(recipe.startUrl).host} is not in allowedDomains`);
  }
  recipe.allowedPrivateAddresses.forEach((entry, index) =>
    checkAddress(`allowedPrivateAddresses[${index}]`, entry, problems),
  );
  checkReferences(recipe, problems);
  if (problems.length > 0) throw new RecipeError(problems);
  return recipe;
}
