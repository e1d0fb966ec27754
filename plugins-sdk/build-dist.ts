/**
 * `prepack`: bundles the SDK into dist/ for an installed copy. Node runs Talon's TypeScript directly,
 * but refuses to strip types from files under node_modules, so what `npm install` puts there must
 * be JavaScript: the CLI, the library entries and the test harness (plus the sandbox worker's source).
 * Native and heavy dependencies stay external (installed from the package's dependencies).
 */
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const sdk = path.dirname(fileURLToPath(import.meta.url));
const core = path.join(sdk, '..', 'core', 'src');
export const DIST_DIR = path.join(sdk, 'dist');

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
  // The sandbox forks its workers from worker-main.ts, read as text beside the code that starts them
  // and type-stripped once by the host (core/src/sandbox/worker-entry.ts): ship it as it is.
  await copyFile(path.join(core, 'sandbox', 'worker-main.ts'), path.join(DIST_DIR, 'worker-main.ts'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildDist();
