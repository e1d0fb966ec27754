/**
 * `prepack`: bundles the SDK into dist/ for an installed copy. Node runs Talon's TypeScript directly,
 * but refuses to strip types from files under node_modules, so what `npm install` puts there must
 * be JavaScript: the CLI, the library entries, the test harness and the sandbox worker it forks.
 * Native and heavy dependencies stay external (installed from the package's dependencies).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const sdk = path.dirname(fileURLToPath(import.meta.url));
const core = path.join(sdk, '..', 'core', 'src');
export const DIST_DIR = path.join(sdk, 'dist');

/** The sandbox forks its worker by file name: in the bundle the worker is dist/worker-main.js. */
const workerEntryAsJs: Plugin = {
  name: 'talon-worker-entry',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]sandbox[\\/]worker-process\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace("'./worker-main.ts'", "'./worker-main.js'"),
      loader: 'ts',
    }));
  },
};

export async function buildDist(): Promise<void> {
  await rm(DIST_DIR, { recursive: true, force: true });
  await build({
    entryPoints: {
      cli: path.join(sdk, 'src', 'cli', 'main.ts'),
      index: path.join(sdk, 'src', 'index.ts'),
      skill: path.join(sdk, 'src', 'define-skill.ts'),
      testing: path.join(sdk, 'src', 'testing', 'index.ts'),
      'worker-main': path.join(core, 'sandbox', 'worker-main.ts'),
    },
    outdir: DIST_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: ['esbuild', 'ajv', 'isolated-vm', 'pino', 'vitest'],
    logLevel: 'warning',
    plugins: [workerEntryAsJs],
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildDist();
