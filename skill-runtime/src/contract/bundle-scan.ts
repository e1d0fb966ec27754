import { build, transform, type Message, type Plugin } from 'esbuild';
import { PACKAGE_LIMITS } from '../limits.ts';

/** Something in `index.js` the host refuses, with where it is when known. */
export interface BundleProblem {
  construct: string;
  message: string;
  line?: number;
  column?: number;
}

export interface BundleScan {
  ok: boolean;
  problems: BundleProblem[];
  /** Whether the module has a default export (the skill object with `run`). */
  hasDefaultExport: boolean;
}

// Dynamic code is refused because the owner approves exact code by checksum: code built from strings at
// run time was never reviewed. The sandbox is the boundary either way; this is the early, readable refusal.
const FORBIDDEN_PATTERNS: readonly { construct: string; pattern: RegExp; message: string }[] = [
  {
    construct: 'eval',
    pattern: /(?<![\w$.])eval\s*\(/,
    message: 'calls eval(): dynamic code is not allowed',
  },
  {
    construct: 'Function',
    pattern: /(?<![\w$.])(?:new\s+)?Function\s*\(/,
    message: 'builds a function from a string (Function(...)): dynamic code is not allowed',
  },
  {
    construct: 'WebAssembly',
    pattern: /(?<![\w$.])WebAssembly\s*\./,
    message: 'uses WebAssembly, which the sandbox does not offer',
  },
  { construct: 'import.meta', pattern: /\bimport\s*\.\s*meta\b/, message: 'uses import.meta' },
];

const IMPORT_KIND_WORDS: Record<string, string> = {
  'import-statement': 'imports',
  'require-call': 'calls require() for',
  'dynamic-import': 'dynamically imports',
  'require-resolve': 'calls require.resolve() for',
};

/** Every import stays unresolved so that esbuild only reports it (it never reads another file). */
const reportEveryImport: Plugin = {
  name: 'talon-report-imports',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path, external: true },
    );
  },
};

function locate(code: string, index: number): { line: number; column: number } {
  const before = code.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/**
 * Scans a bundled `index.js` for what the host refuses: imports of any kind (the bundle must be
 * self-contained), dynamic code, a missing default export, syntax errors. Used by `talon-skill check`
 * and by the host before it accepts a package, so both refuse the same things with the same words.
 */
export async function scanBundle(code: string): Promise<BundleScan> {
  const problems: BundleProblem[] = [];
  if (Buffer.byteLength(code, 'utf8') > PACKAGE_LIMITS.maxBundleBytes) {
    problems.push({
      construct: 'size',
      message: `is larger than ${PACKAGE_LIMITS.maxBundleBytes / 1024 / 1024} MiB`,
    });
    return { ok: false, problems, hasDefaultExport: false };
  }
  let hasDefaultExport: boolean;
  try {
    const result = await build({
      stdin: { contents: code, loader: 'js', sourcefile: 'index.js', resolveDir: '/' },
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'neutral',
      logLevel: 'silent',
      plugins: [reportEveryImport],
    });
    for (const input of Object.values(result.metafile.inputs)) {
      for (const imported of input.imports) {
        problems.push({
          construct: 'import',
          message: `${IMPORT_KIND_WORDS[imported.kind] ?? 'imports'} "${imported.path}": index.js must be one self-contained bundle (run "talon-skill build")`,
        });
      }
    }
    hasDefaultExport = Object.values(result.metafile.outputs).some((output) =>
      output.exports.includes('default'),
    );
  } catch (error) {
    const messages = (error as { errors?: Message[] }).errors ?? [];
    for (const message of messages.slice(0, 5)) {
      problems.push({
        construct: 'syntax',
        message: `is not valid JavaScript: ${message.text}`,
        ...(message.location ? { line: message.location.line, column: message.location.column + 1 } : {}),
      });
    }
    if (messages.length === 0) problems.push({ construct: 'syntax', message: 'could not be parsed' });
    return { ok: false, problems, hasDefaultExport: false };
  }
  if (!hasDefaultExport) {
    problems.push({
      construct: 'default export',
      message: 'has no default export: export the skill with "export default defineSkill({ run })"',
    });
  }
  // Comments are dropped first so that a comment mentioning eval() is not a finding.
  const stripped = (await transform(code, { loader: 'js', minifyWhitespace: true, legalComments: 'none' }))
    .code;
  for (const rule of FORBIDDEN_PATTERNS) {
    const match = rule.pattern.exec(stripped);
    if (match) {
      const original = code.search(rule.pattern);
      problems.push({
        construct: rule.construct,
        message: rule.message,
        ...(original >= 0 ? locate(code, original) : {}),
      });
    }
  }
  return { ok: problems.length === 0, problems, hasDefaultExport };
}

export function formatBundleProblems(problems: readonly BundleProblem[]): string {
  return problems
    .map(
      (problem) =>
        `index.js${problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 0}`} ${problem.message}`,
    )
    .join('; ');
}
