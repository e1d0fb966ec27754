import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Message, type Plugin } from 'esbuild';
import { formatBundleProblems, scanBundle } from '@talon/skill-runtime/contract/bundle-scan.ts';
import { skillChecksum } from '@talon/skill-runtime/contract/checksum.ts';
import { CliError, type CliOutput } from './output.ts';
import { sdkEntry } from './sdk-root.ts';
import { BUNDLE_FILE, findSourceEntry, readManifest } from './skill-project.ts';

export interface BuildOptions {
  /** The skill project folder (skill.json + src/index.ts). */
  folder: string;
  /** Core skills shipped in Talon's plugins/ may ask for core-only permissions. */
  core?: boolean;
  /** False builds and checks in memory only (to compare with a committed bundle). Default true. */
  write?: boolean;
}

export interface BuildResult {
  name: string;
  version: string;
  bundlePath: string;
  checksum: string;
  bytes: number;
  code: string;
}

/**
 * The skill's imports of the SDK resolve to this SDK's `skill` entry (`defineSkill`, `branch`), so
 * the bundle carries a few lines of helper and never the SDK's own dependencies, installed or not.
 */
const sdkImportsToDefineSkill: Plugin = {
  name: 'talon-sdk-imports',
  setup(builder) {
    builder.onResolve({ filter: /^@talon\/plugins-sdk(\/skill)?$/ }, () => ({ path: sdkEntry('skill') }));
  },
};

function describeEsbuildError(error: unknown): string {
  const messages = (error as { errors?: Message[] }).errors ?? [];
  if (messages.length === 0) return error instanceof Error ? error.message : String(error);
  return messages
    .slice(0, 5)
    .map((message) => {
      const where = message.location
        ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: `
        : '';
      return `${where}${message.text}`;
    })
    .join('\n');
}

/**
 * Bundles the skill's TypeScript into the one self-contained ES module the host accepts, writes it
 * as `index.js` beside `skill.json`, and checks it as the host will. Not minified: the owner reads
 * this exact code when approving it.
 */
export async function buildSkill(options: BuildOptions): Promise<BuildResult> {
  const folder = path.resolve(options.folder);
  const { manifest } = await readManifest(folder, { kind: options.core ? 'core' : 'dynamic' });
  const entry = await findSourceEntry(folder);
  let code: string;
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: folder,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2023',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
      banner: { js: `// ${manifest.name} ${manifest.version}: built by talon-skill, do not edit` },
      plugins: [sdkImportsToDefineSkill],
    });
    const output = result.outputFiles[0];
    if (!output) throw new CliError('esbuild produced no output');
    code = output.text;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`build failed:\n${describeEsbuildError(error)}`);
  }
  const scan = await scanBundle(code);
  if (!scan.ok)
    throw new CliError(`the bundle would be refused by Talon: ${formatBundleProblems(scan.problems)}`);
  const bundlePath = path.join(folder, BUNDLE_FILE);
  if (options.write !== false) await writeFile(bundlePath, code, { mode: 0o644 });
  return {
    name: manifest.name,
    version: manifest.version,
    bundlePath,
    checksum: skillChecksum(manifest, code),
    bytes: Buffer.byteLength(code, 'utf8'),
    code,
  };
}

export async function buildCommand(options: BuildOptions, output: CliOutput): Promise<number> {
  const result = await buildSkill(options);
  output.out(`built ${result.name} ${result.version} → ${result.bundlePath} (${result.bytes} bytes)`);
  output.out(`checksum ${result.checksum}`);
  return 0;
}
