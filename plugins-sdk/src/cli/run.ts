import path from 'node:path';
import type { LocalGrants } from '../api-handler.ts';
import { formatBundleProblems, scanBundle } from '../bundle-scan.ts';
import { localApi } from '../local-api.ts';
import { SKILL_PERMISSIONS, type SkillPermission } from '../permissions.ts';
import { SkillSandboxRunner, type SandboxRunResult } from '../sandbox-runner.ts';
import type { JsonObject, JsonValue } from '../skill-api.ts';
import { CliError, type CliOutput } from './output.ts';
import { readBundle, readManifest } from './skill-project.ts';

export interface RunOptions {
  folder: string;
  input: string | undefined;
  config: string | undefined;
  /** Comma-separated permissions: narrows what skill.json asks for. */
  grant: string | undefined;
  core?: boolean;
}

function parseJson(flag: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CliError(
      `--${flag} is not JSON (${(error as Error).message}); quote strings: --${flag} '"Ada"'`,
    );
  }
}

function parseGrant(text: string | undefined, asked: readonly SkillPermission[]): SkillPermission[] {
  if (text === undefined) return [...asked];
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!(SKILL_PERMISSIONS as readonly string[]).includes(name)) {
      throw new CliError(`--grant: "${name}" is not a permission (known: ${SKILL_PERMISSIONS.join(', ')})`);
    }
    if (!(asked as readonly string[]).includes(name)) {
      throw new CliError(
        `--grant: "${name}" is not asked for in skill.json; a grant can only narrow the request`,
      );
    }
  }
  return names as SkillPermission[];
}

/** Runs the skill once in Talon's sandbox with the local SkillAPI; one JSON line, exit 0 or 1. */
export async function runSkillOnce(
  options: RunOptions,
  log: (line: string) => void,
): Promise<SandboxRunResult> {
  const folder = path.resolve(options.folder);
  if (options.input === undefined)
    throw new CliError(`run needs --input <json>, e.g. --input '"Ada"' or --input '{"a":1}'`);
  const input = parseJson('input', options.input);
  const config = options.config === undefined ? {} : parseJson('config', options.config);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new CliError('--config must be a JSON object');
  const { manifest } = await readManifest(folder, { kind: options.core ? 'core' : 'dynamic' });
  const code = await readBundle(folder);
  const scan = await scanBundle(code);
  if (!scan.ok) throw new CliError(`Talon would refuse index.js: ${formatBundleProblems(scan.problems)}`);
  const grants: LocalGrants = {
    permissions: parseGrant(options.grant, manifest.permissions),
    net: manifest.net ?? [],
    secrets: manifest.secrets ?? [],
  };
  let runner: SkillSandboxRunner;
  try {
    runner = await SkillSandboxRunner.open(manifest, code);
  } catch (error) {
    const failure = error as { code?: string; message?: string };
    return {
      ok: false,
      error: { code: failure.code ?? 'invalid_skill', message: failure.message ?? String(error) },
      durationMs: 0,
      apiCalls: [],
    };
  }
  try {
    return await runner.run({ input, config: config as JsonObject }, localApi({ manifest, grants, log }));
  } finally {
    await runner.close();
  }
}

export async function runCommand(options: RunOptions, output: CliOutput): Promise<number> {
  let result: SandboxRunResult;
  try {
    result = await runSkillOnce(options, (line) => output.err(line));
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    // Scripts read stdout: a refused request is one JSON line too.
    output.out(JSON.stringify({ ok: false, error: { code: 'invalid_request', message: error.message } }));
    return 1;
  }
  output.out(
    JSON.stringify(
      result.ok
        ? {
            ok: true,
            result: result.result,
            branch: result.branch,
            durationMs: result.durationMs,
            apiCalls: result.apiCalls,
          }
        : { ok: false, error: result.error, durationMs: result.durationMs, apiCalls: result.apiCalls },
    ),
  );
  return result.ok ? 0 : 1;
}
