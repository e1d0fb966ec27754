/**
 * A secret binding chosen in a workflow step rather than in the skill's manifest: a skill such as
 * `api_request` calls whatever API the owner names in the step, so where its secret may go is the
 * owner's choice for that step. The step's config carries the binding under `secretBinding`; the
 * workflow saves it only with a fresh 2FA code and records it as approved for that step; a run
 * hands the runtime the step's approved binding (`SkillRunRequest.secretBindings`), and `http.fetch`
 * then treats it as it treats an approved manifest binding — the skill still names only the handle.
 */
import { Ajv } from 'ajv';
import { ajvProblems, type JsonProblem } from './config-check.ts';
import { SECRET_BINDING_SCHEMA } from './manifest.ts';
import { re2 } from './config-schema.ts';
import { secretBindingKey, secretBindingProblems, type SecretBinding } from './secret-bindings.ts';

/** The step config field that holds a binding chosen for the step. */
export const STEP_SECRET_BINDING_FIELD = 'secretBinding';

const validateBinding = new Ajv({
  allErrors: true,
  strict: true,
  code: { regExp: re2 },
}).compile<SecretBinding>(SECRET_BINDING_SCHEMA);

export type StepSecretBinding =
  | { present: false }
  | { present: true; binding: SecretBinding; key: string }
  | { present: true; problems: JsonProblem[] };

/**
 * The binding a step config chooses, checked: its shape, and where it may send the secret — only to
 * hosts the skill's `net` lets it reach, never an owner credential (`auth.*`), never in a header the
 * host sets itself. Problem paths are relative to the config (`/secretBinding/hosts/0`).
 */
export function stepSecretBinding(config: unknown, net: readonly string[]): StepSecretBinding {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return { present: false };
  const value = (config as Record<string, unknown>)[STEP_SECRET_BINDING_FIELD];
  if (value === undefined) return { present: false };
  const base = `/${STEP_SECRET_BINDING_FIELD}`;
  if (!validateBinding(value)) return { present: true, problems: ajvProblems(validateBinding.errors, base) };
  const problems = secretBindingProblems(value, net).map((problem) => ({
    path: `${base}/${problem.field.replace(/\[(\d+)\]/g, '/$1')}`,
    message: problem.message,
  }));
  if (problems.length > 0) return { present: true, problems };
  return { present: true, binding: value, key: secretBindingKey(value) };
}
