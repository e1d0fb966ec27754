import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { PROBE_SOURCE } from './wall.ts';

/** Where the worker's code is, resolved once per host process. */
export interface WorkerFiles {
  /** The worker's one JavaScript file (worker-main.ts bundled, isolated-vm imported by path). */
  entry: string;
  /** The wall's probe, in the same folder (so the same read-only view serves both). */
  probe: string;
}

let files: WorkerFiles | undefined;

const ISOLATED_VM_IMPORT = /from\s*["']isolated-vm["']/;

/**
 * worker-main.ts and what it imports (the frame codec, the protocol), bundled into one ES module
 * with isolated-vm left external. `prepack` of the SDK ships the result as dist/worker-main.mjs.
 */
export function bundleWorkerSource(): string {
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL('./worker-main.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: ['isolated-vm'],
    logLevel: 'silent',
  });
  const source = result.outputFiles[0]!.text;
  if (!ISOLATED_VM_IMPORT.test(source)) throw new Error('the worker bundle does not import isolated-vm');
  return source;
}

/**
 * The files sandbox workers start from, in a folder of their own that the unprivileged worker user
 * can read (and the wall binds read-only); removed when the host exits. A bundle, not the .ts file:
 * starting a worker from TypeScript would load Node's type stripper (a WebAssembly module of about
 * 30 MB resident) into every worker.
 */
export function workerFiles(): WorkerFiles {
  if (files) return files;
  const prebuilt = new URL('./worker-main.mjs', import.meta.url);
  const bundle = existsSync(prebuilt) ? readFileSync(prebuilt, 'utf8') : bundleWorkerSource();
  // The entry lives in a temporary folder, where `isolated-vm` cannot be found by name.
  const javascript = bundle.replace(
    ISOLATED_VM_IMPORT,
    `from ${JSON.stringify(import.meta.resolve('isolated-vm'))}`,
  );
  const folder = mkdtempSync(path.join(tmpdir(), 'talon-sandbox-'));
  chmodSync(folder, 0o755);
  const entry = path.join(folder, 'worker-main.mjs');
  const probe = path.join(folder, 'wall-probe.mjs');
  writeFileSync(entry, javascript, { mode: 0o644 });
  writeFileSync(probe, PROBE_SOURCE, { mode: 0o644 });
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  files = { entry, probe };
  return files;
}
