import { branch, defineSkill, type ShellResult } from '@talon/plugins-sdk/skill';

type Config = { command?: string; output?: 'text' | 'object' };

/** AlexClaw's layout: `$ command`, `Exit: n | Time: ms`, a blank line, the output, a note when cut. */
function textOf(result: ShellResult): string {
  const head = result.timedOut
    ? `$ ${result.command}\nTimed out after ${result.timeoutSeconds}s`
    : `$ ${result.command}\nExit: ${result.exitCode ?? '?'} | Time: ${result.durationMs}ms`;
  const cut = result.truncated ? `\n\n[truncated at ${result.maxOutputChars} chars]` : '';
  return `${head}\n\n${result.output}${cut}`;
}

export default defineSkill<Config>({
  async run({ input, config, api }) {
    // A workflow step's command is fixed in its config (what the run's approval covers); from
    // Telegram or the admin the command is the input.
    const command = (
      typeof config.command === 'string' ? config.command : typeof input === 'string' ? input : ''
    ).trim();
    if (command === '') {
      return branch(
        'on_error',
        "Shell error: no_command: set the step's command, or pass the command as a string",
      );
    }
    let result: ShellResult;
    try {
      result = await api.shell.exec(command, []);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      return branch('on_error', `Shell error: ${code}: ${(error as Error).message}`);
    }
    const output = config.output === 'object' ? result : textOf(result);
    if (result.timedOut) return branch('on_timeout', output);
    return result.exitCode === 0 ? output : branch('on_error', output);
  },
});
