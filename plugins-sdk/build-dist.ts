/**
 * `prepack`: builds what an installed SDK runs and type-checks against, so the packed SDK installs
 * and works outside this repository with no registry for `@talon/*` packages:
 *
 * - dist/*.js — the CLI, the library entries and the test harness, bundled with the skill runtime
 *   (`@talon/skill-runtime`); native and heavy dependencies stay external, installed from the
 *   package's dependencies. Node refuses to strip types under node_modules, so this must be JavaScript.
 * - dist/worker-main.mjs — the sandbox worker, bundled as the runtime bundles it in a checkout.
 * - dist/types/ — declarations (.d.ts) of the SDK and of the skill runtime, for authors' editors
 *   and type checks.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleWorkerSource } from '@talon/skill-runtime/sandbox/worker-entry.ts';

const sdk = path.dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = path.join(sdk, 'dist');
const TYPES_DIR = path.join(DIST_DIR, 'types');
const RUNTIME_IMPORT = /(['"])@talon\/skill-runtime\/([^'"]+)\1/g;

async function declarationFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Declarations of the SDK's public entries and of every runtime file they reach (tsc, with the
 * runtime mapped to its sources so it is emitted too), then the runtime's package imports
 * rewritten to relative paths: the types need nothing that is not in the tarball.
 */
async function buildDeclarations(): Promise<void> {
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  execFileSync(process.execPath, [tsc, '-p', path.join(sdk, 'tsconfig.dist.json')], { stdio: 'inherit' });
  const runtimeRoot = path.join(TYPES_DIR, 'skill-runtime', 'src');
  for (const file of await declarationFiles(TYPES_DIR)) {
    const text = await readFile(file, 'utf8');
    const rewritten = text.replace(RUNTIME_IMPORT, (_all, quote: string, rest: string) => {
      const relative = path.relative(path.dirname(file), path.join(runtimeRoot, rest));
      return `${quote}${relative.startsWith('.') ? relative : `./${relative}`}${quote}`;
    });
    if (rewritten !== text) await writeFile(file, rewritten);
  }
}

export async function buildDist(): Promise<void> {
  await rm(DIST_DIR, { recursive: true, force: true });
  await build({
    entryPoints: {
      cli: path.join(sdk, 'src', 'cli', 'main.ts'),
      index: path.join(sdk, 'src', 'index.ts'),
      skill: path.join(sdk, 'src', 'define-skill.ts'),
      testing: path.join(sdk, 'src', 'testing', 'index.ts'),
    },
    outdir: DIST_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: ['esbuild', 'ajv', 'isolated-vm', 'pino', 'vitest'],
    logLevel: 'warning',
  });
  // Workers start from one bundled file, found beside the code that starts them (worker-entry.ts).
  await writeFile(path.join(DIST_DIR, 'worker-main.mjs'), bundleWorkerSource());
  await buildDeclarations();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildDist();
