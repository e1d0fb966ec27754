import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fail, loadSkill, type LoadedSkill } from '@talon/plugins-sdk/testing';

let skill: LoadedSkill;

beforeAll(async () => {
  skill = await loadSkill(new URL('..', import.meta.url), { core: true });
});
afterAll(async () => {
  await skill.close();
});

const ran = (over: Record<string, unknown> = {}) => ({
  command: 'df -h',
  exitCode: 0,
  timedOut: false,
  output: 'Filesystem Size Used\n/dev/vda 252G 24G',
  truncated: false,
  durationMs: 12,
  timeoutSeconds: 30,
  maxOutputChars: 4000,
  ...over,
});

describe('shell', () => {
  it("runs the step's fixed command (never the input) and reports it as AlexClaw did, on_success for exit 0", async () => {
    skill.api.respond('shell.exec', ran());
    const outcome = await skill.run({ input: 'rm -rf /', config: { command: ' df -h ' } });
    expect(skill.api.callsOf('shell.exec').at(-1)?.args).toEqual(['df -h', []]);
    expect(outcome).toMatchObject({
      ok: true,
      branch: 'on_success',
      result: '$ df -h\nExit: 0 | Time: 12ms\n\nFilesystem Size Used\n/dev/vda 252G 24G',
    });
  });

  it('takes the command from a string input when no command is configured (Telegram, the admin)', async () => {
    skill.api.respond('shell.exec', ran({ command: 'uptime', output: ' 10:00 up 1 day' }));
    await skill.run({ input: 'uptime' });
    expect(skill.api.callsOf('shell.exec').at(-1)?.args).toEqual(['uptime', []]);
  });

  it('routes a non-zero exit to on_error and a timeout to on_timeout, and says when the output was cut', async () => {
    skill.api.respond('shell.exec', ran({ exitCode: 2, output: 'df: /nope: No such file', truncated: true }));
    expect(await skill.run({ input: 'df /nope' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result: '$ df -h\nExit: 2 | Time: 12ms\n\ndf: /nope: No such file\n\n[truncated at 4000 chars]',
    });
    skill.api.respond('shell.exec', ran({ exitCode: null, timedOut: true, output: '' }));
    expect(await skill.run({ input: 'df -h' })).toMatchObject({
      ok: true,
      branch: 'on_timeout',
      result: '$ df -h\nTimed out after 30s\n\n',
    });
  });

  it('gives the structured result with output: object', async () => {
    skill.api.respond('shell.exec', ran());
    expect(await skill.run({ input: 'df -h', config: { output: 'object' } })).toMatchObject({
      ok: true,
      branch: 'on_success',
      result: { command: 'df -h', exitCode: 0, output: expect.stringContaining('/dev/vda') },
    });
  });

  it("routes the host's refusals to on_error with their code, and refuses an empty command without asking", async () => {
    const before = skill.api.callsOf('shell.exec').length;
    expect(await skill.run({ input: '  ' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result: expect.stringMatching(/^Shell error: no_command/),
    });
    expect(skill.api.callsOf('shell.exec')).toHaveLength(before);
    skill.api.handle('shell.exec', () => {
      throw fail('shell_not_whitelisted', 'Refused: “cat /proc /etc/shadow” is not on the shell whitelist');
    });
    expect(await skill.run({ input: 'cat /proc /etc/shadow' })).toMatchObject({
      ok: true,
      branch: 'on_error',
      result:
        'Shell error: shell_not_whitelisted: Refused: “cat /proc /etc/shadow” is not on the shell whitelist',
    });
  });

  it('a non-core copy of it cannot even be loaded: the shell permission is core-only', async () => {
    await expect(loadSkill(new URL('..', import.meta.url))).rejects.toThrow(/shell/);
  });

  it('says shell.exec is not available in a test that did not script it, on_error with how to script it', async () => {
    const bare = await loadSkill(new URL('..', import.meta.url), { core: true });
    try {
      expect(await bare.run({ input: null, config: { command: 'df -h' } })).toMatchObject({
        ok: true,
        branch: 'on_error',
        result:
          "Shell error: not_available: shell.exec is not available in a test: script it with api.respond('shell.exec', value)",
      });
    } finally {
      await bare.close();
    }
  });
});
