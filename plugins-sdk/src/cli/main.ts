import { parseArgs } from 'node:util';
import { buildCommand } from './build.ts';
import { checkCommand } from './check.ts';
import { initCommand } from './init.ts';
import { CliError, processOutput, type CliOutput } from './output.ts';
import { runCommand } from './run.ts';
import { testCommand } from './test-command.ts';

const USAGE = `talon-skill: write, build, check and run Talon skills

usage:
  talon-skill init <name> [--dir <folder>]     a working skill project with a test
  talon-skill build [folder]                   bundle src/index.ts into index.js (esbuild)
  talon-skill check [folder] [--json]          validate skill.json, scan index.js, print the checksum
  talon-skill run <folder> --input <json> [--config <json>] [--grant <perm,...>]
                  [--with <folder>]... [--allow-private-addresses] [--allow-plain-http]
                                               run once in Talon's sandbox; prints one JSON line
  talon-skill test [folder] [-- vitest args]   build, then run the skill's own tests

options of run:
  --grant <perm,...>           grant fewer permissions than skill.json asks for
  --with <folder>              load another skill for skills.invoke (repeat for more);
                               it is granted what its skill.json asks for
  --allow-private-addresses    let http reach loopback and private addresses, as the owner's
                               setting skills.http.allow_private_addresses does in Talon
  --allow-plain-http           let http use http:// too (setting skills.http.allow_plain_http)

options:
  --core      (Talon's own plugins/ only) allow the core-only permissions
  -h, --help  this text`;

/** Runs one command; returns the exit code. Failures print one line, never a stack trace. */
export async function main(
  argv: string[],
  output: CliOutput = processOutput,
  cwd = process.cwd(),
): Promise<number> {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const passThrough = separator === -1 ? [] : argv.slice(separator + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        input: { type: 'string' },
        config: { type: 'string' },
        grant: { type: 'string' },
        with: { type: 'string', multiple: true },
        'allow-private-addresses': { type: 'boolean' },
        'allow-plain-http': { type: 'boolean' },
        dir: { type: 'string' },
        json: { type: 'boolean' },
        core: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    output.err(`talon-skill: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, target] = parsed.positionals;
  const { values } = parsed;
  if (values.help || command === undefined) {
    output.out(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const folder = target ?? cwd;
  const core = values.core === true ? { core: true } : {};
  try {
    switch (command) {
      case 'init':
        if (target === undefined) throw new CliError('init needs a name: talon-skill init <name>');
        return await initCommand(
          { name: target, ...(values.dir ? { directory: values.dir } : {}) },
          cwd,
          output,
        );
      case 'build':
        return await buildCommand({ folder, ...core }, output);
      case 'check':
        return await checkCommand({ folder, ...core, ...(values.json ? { json: true } : {}) }, output);
      case 'run':
        if (target === undefined)
          throw new CliError('run needs a folder: talon-skill run <folder> --input <json>');
        return await runCommand(
          {
            folder: target,
            input: values.input,
            config: values.config,
            grant: values.grant,
            with: values.with ?? [],
            allowPrivateAddresses: values['allow-private-addresses'] === true,
            allowPlainHttp: values['allow-plain-http'] === true,
            ...core,
          },
          output,
        );
      case 'test':
        return await testCommand({ folder, ...core, vitestArgs: passThrough }, output);
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      output.err(`talon-skill ${command}: ${error.message}`);
      return 1;
    }
    output.err(
      `talon-skill ${command}: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
}
