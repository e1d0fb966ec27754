import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSkill } from './build.ts';
import { CliError, type CliOutput } from './output.ts';
import { sdkEntry, sdkRoot } from './sdk-root.ts';

export interface TestOptions {
  folder: string;
  core?: boolean;
  /** Extra arguments for vitest (a test name filter, --reporter...). */
  vitestArgs?: string[];
}

function resolveVitest(folder: string): string {
  for (const from of [path.join(folder, 'package.json'), path.join(sdkRoot(), 'package.json')]) {
    try {
      const packageJson = createRequire(from).resolve('vitest/package.json');
      return path.join(path.dirname(packageJson), 'vitest.mjs');
    } catch {
      // Not installed there: try the next place.
    }
  }
  throw new CliError('vitest is not installed: add it to the skill project (npm install --save-dev vitest)');
}

/**
 * Builds the skill, then runs its own tests (`src/**\/*.test.ts`) with vitest. The SDK's imports
 * resolve to this SDK, so a fresh project needs nothing installed besides it.
 */
export async function testCommand(options: TestOptions, output: CliOutput): Promise<number> {
  const folder = path.resolve(options.folder);
  await buildSkill({ folder, ...(options.core ? { core: true } : {}) });
  const configFolder = await mkdtemp(path.join(tmpdir(), 'talon-skill-test-'));
  const configFile = path.join(configFolder, 'vitest.config.mjs');
  // Object form: the more specific entries first, since an entry also matches "<key>/...".
  const config = {
    root: folder,
    resolve: {
      alias: {
        '@talon/plugins-sdk/testing': sdkEntry('testing'),
        '@talon/plugins-sdk/skill': sdkEntry('skill'),
        '@talon/plugins-sdk': sdkEntry('index'),
      },
    },
    test: { include: ['src/**/*.test.{ts,js,mts,mjs}'], testTimeout: 30_000, pool: 'forks' },
  };
  await writeFile(configFile, `export default ${JSON.stringify(config, null, 2)};\n`);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [resolveVitest(folder), 'run', '--config', configFile, ...(options.vitestArgs ?? [])],
        {
          cwd: folder,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (chunk: Buffer) => output.out(chunk.toString('utf8').trimEnd()));
      child.stderr.on('data', (chunk: Buffer) => output.err(chunk.toString('utf8').trimEnd()));
      child.on('error', reject);
      child.on('close', (code) => resolve(code === 0 ? 0 : 1));
    });
  } finally {
    await rm(configFolder, { recursive: true, force: true });
  }
}
