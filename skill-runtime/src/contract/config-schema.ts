/**
 * Authors' config schemas (`configSchema` in skill.json) are third-party input that the host
 * compiles and runs on its main thread — when the skills folder is read, at every start, on upload
 * and for every run's config. Two rules keep them from stalling it: their regular expressions
 * (`pattern`, `patternProperties`) run on RE2 (re2js, linear time in the input: `^(a+)+$` cannot
 * backtrack), never on V8's backtracking engine; and a schema is capped in size and depth.
 */
import { Ajv } from 'ajv';
import { RE2JS } from 're2js';
import { PACKAGE_LIMITS } from '../limits.ts';

/** ajv's `code.regExp` option: a function of pattern and flags, and the code that names it. */
interface RegExpEngine {
  (pattern: string, flags: string): { test(text: string): boolean };
  code: string;
}

/** ajv's `code.regExp`: RE2 in place of `new RegExp` (a syntax RE2 lacks, such as backreferences, is refused). */
export const re2: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const compiled = RE2JS.compile(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
    // ajv keys compiled patterns by `toString()`: without it every pattern would share the first.
    return { test: (text: string) => compiled.test(text), toString: () => `/${pattern}/${flags}` };
  },
  { code: 'RE2JS.compile' },
);

/**
 * The ajv for authors' config schemas: lenient about unknown keywords (a manifest may carry hints
 * for other tools), never about structure, and RE2 for every pattern.
 */
export function configSchemaAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, code: { regExp: re2 } });
}

function depthOf(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, depth + 1));
    if (deepest > PACKAGE_LIMITS.maxConfigSchemaDepth) break;
  }
  return deepest;
}

/** Why a configSchema is too big or too deep to compile, or undefined. */
export function configSchemaSizeProblem(schema: unknown): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(schema) ?? '');
  if (bytes > PACKAGE_LIMITS.maxConfigSchemaBytes) {
    return `is ${bytes} bytes of JSON, more than the ${PACKAGE_LIMITS.maxConfigSchemaBytes} allowed`;
  }
  if (depthOf(schema) > PACKAGE_LIMITS.maxConfigSchemaDepth) {
    return `nests deeper than ${PACKAGE_LIMITS.maxConfigSchemaDepth} levels`;
  }
  return undefined;
}
