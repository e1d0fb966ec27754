import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SKILL_NAME_PATTERN } from '@talon/skill-runtime/contract/manifest.ts';
import { CliError, type CliOutput } from './output.ts';
import { exists } from './skill-project.ts';
import { skillTemplate } from './templates.ts';

export interface InitOptions {
  name: string;
  /** The folder to create the skill in; default `./<name>`. */
  directory?: string;
}

/** Creates a working skill project: manifest, TypeScript source, a test, and the scripts to build and check it. */
export async function initSkill(options: InitOptions, cwd: string): Promise<string> {
  if (!new RegExp(SKILL_NAME_PATTERN).test(options.name)) {
    throw new CliError(
      `"${options.name}" is not a valid skill name: use 2–64 lower-case letters, digits and _, starting with a letter (e.g. "weather_report")`,
    );
  }
  const folder = path.resolve(cwd, options.directory ?? options.name);
  if (await exists(path.join(folder, 'skill.json'))) {
    throw new CliError(`${folder} already holds a skill (skill.json exists): nothing was changed`);
  }
  await mkdir(path.join(folder, 'src'), { recursive: true });
  for (const [file, content] of Object.entries(skillTemplate(options.name))) {
    await writeFile(path.join(folder, file), content, { flag: 'wx' }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST')
          throw new CliError(`${path.join(folder, file)} already exists: nothing was overwritten`);
        throw error;
      },
    );
  }
  return folder;
}

export async function initCommand(options: InitOptions, cwd: string, output: CliOutput): Promise<number> {
  const folder = await initSkill(options, cwd);
  const relative = path.relative(cwd, folder) || '.';
  output.out(`created ${options.name} in ${folder}`);
  output.out('next:');
  output.out(`  cd ${relative}`);
  output.out('  npx talon-skill build     # src/index.ts → index.js (or: npm run build)');
  output.out('  npx talon-skill check     # what Talon will check, and the checksum');
  output.out(`  npx talon-skill run . --input '"Ada"'`);
  output.out('  npx talon-skill test      # src/*.test.ts in the real sandbox');
  return 0;
}
