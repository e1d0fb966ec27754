import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

let entryFile: string | undefined;

/** Runs `work` without the one ExperimentalWarning `stripTypeScriptTypes` prints (it is synchronous). */
function quietly<T>(work: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return work();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * The file sandbox workers are forked from: worker-main.ts with its types stripped once by the host.
 * Forking the .ts file itself would make every worker load Node's TypeScript stripper (a WebAssembly
 * module of about 30 MB resident), which is most of an idle worker's memory.
 */
export function workerEntryFile(): string {
  if (entryFile) return entryFile;
  const source = readFileSync(new URL('./worker-main.ts', import.meta.url), 'utf8');
  const isolatedVm = import.meta.resolve('isolated-vm');
  const javascript = quietly(() => stripTypeScriptTypes(source, { mode: 'strip' })).replace(
    /from 'isolated-vm'/,
    `from ${JSON.stringify(isolatedVm)}`,
  );
  if (/from '\.\.?\//.test(javascript.replace(/import type [^;]*;/g, ''))) {
    throw new Error('worker-main.ts may import only node: modules and isolated-vm (type imports are fine)');
  }
  // Readable by the unprivileged worker user; removed when the host exits.
  const folder = mkdtempSync(path.join(tmpdir(), 'talon-sandbox-'));
  chmodSync(folder, 0o755);
  const file = path.join(folder, 'worker-main.mjs');
  writeFileSync(file, javascript, { mode: 0o644 });
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  entryFile = file;
  return file;
}
