import path from 'node:path';
import type { JsonObject, JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { SKILL_PERMISSIONS, type SkillPermission } from '@talon/skill-runtime/contract/permission-table.ts';
import type {
  SkillKind,
  SkillPackage,
  SkillRunResult,
} from '@talon/skill-runtime/contract/runtime-contract.ts';
import { stepSecretBinding } from '@talon/skill-runtime/contract/step-secret-binding.ts';
import { TalonError } from '@talon/skill-runtime/errors.ts';
import { grantedAsRequested, readSkillFolderAt } from '@talon/skill-runtime/package/package-reader.ts';
import { LocalSkillHost } from '../local-host.ts';
import { CliError, type CliOutput } from './output.ts';

export interface RunOptions {
  folder: string;
  input: string | undefined;
  config: string | undefined;
  /** Comma-separated permissions: narrows what skill.json asks for. */
  grant: string | undefined;
  /** Folders of other skills `skills.invoke` may call, each granted what its skill.json asks for. */
  with?: readonly string[];
  /** The owner's opt-ins of Talon's settings `skills.http.allow_private_addresses` / `allow_plain_http`. */
  allowPrivateAddresses?: boolean;
  allowPlainHttp?: boolean;
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
): Promise<SkillRunResult> {
  const folder = path.resolve(options.folder);
  if (options.input === undefined)
    throw new CliError(`run needs --input <json>, e.g. --input '"Ada"' or --input '{"a":1}'`);
  const input = parseJson('input', options.input);
  const config = options.config === undefined ? {} : parseJson('config', options.config);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new CliError('--config must be a JSON object');
  const kind = options.core ? 'core' : 'dynamic';
  const main = await readSkill(folder, kind);
  main.grants.permissions = parseGrant(options.grant, main.manifest.permissions);
  const skills: SkillPackage[] = [main];
  for (const other of options.with ?? []) {
    const skill = await readSkill(path.resolve(other), kind).catch((error: unknown) => {
      throw error instanceof CliError ? new CliError(`--with ${other}: ${error.message}`) : error;
    });
    const name = skill.manifest.name;
    if (skills.some((loaded) => loaded.manifest.name === name)) {
      throw new CliError(`--with ${other}: a skill named "${name}" is already loaded; names must differ`);
    }
    skills.push(skill);
  }
  let host: LocalSkillHost;
  try {
    host = await LocalSkillHost.open(skills, {
      network: {
        allowPrivateAddresses: options.allowPrivateAddresses === true,
        allowPlainHttp: options.allowPlainHttp === true,
      },
      log,
    });
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
    // A step's secret binding (api_request's `secretBinding`): Talon applies it once the owner approved
    // it with a code; a local run applies it as the author wrote it, with the value from TALON_SECRET_*.
    const chosen = stepSecretBinding(config, main.manifest.net ?? []);
    if (chosen.present && 'problems' in chosen) {
      throw new CliError(
        `--config: ${chosen.problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}`,
      );
    }
    return await host.run({
      input,
      config: config as JsonObject,
      ...(chosen.present ? { secretBindings: [chosen.binding] } : {}),
    });
  } finally {
    await host.close();
  }
}

/** A skill folder read by Talon's own package reader, granted what its manifest asks for. */
async function readSkill(folder: string, kind: SkillKind): Promise<SkillPackage> {
  try {
    return grantedAsRequested(await readSkillFolderAt(folder, kind), kind);
  } catch (error) {
    if (error instanceof TalonError) throw new CliError(`Talon would refuse ${folder}: ${error.message}`);
    throw error;
  }
}

export async function runCommand(options: RunOptions, output: CliOutput): Promise<number> {
  let result: SkillRunResult;
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
