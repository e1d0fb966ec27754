import { describe, expect, it } from 'vitest';
import { formatCommandLine, METACHARACTERS, parseCommandLine } from './command-line.ts';

const argv = (text: string): string[] => {
  const parsed = parseCommandLine(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.argv;
};

describe('the quoting rules', () => {
  it('splits on runs of spaces and ignores spaces around', () => {
    expect(argv('  df   -h  ')).toEqual(['df', '-h']);
  });

  it('groups quoted text into one argument, removes the quotes and takes everything inside literally', () => {
    expect(argv(`git log --format='%h %s' -n 5`)).toEqual(['git', 'log', '--format=%h %s', '-n', '5']);
    expect(argv(`echo "it's" 'say "hi"'`)).toEqual(['echo', "it's", 'say "hi"']);
    expect(argv(`echo ''`)).toEqual(['echo', '']);
    expect(argv(`echo a"b c"d`)).toEqual(['echo', 'ab cd']);
  });

  it('refuses an unterminated quote and says where it opened', () => {
    expect(parseCommandLine(`echo 'oops`)).toEqual({
      ok: false,
      code: 'shell_invalid_command',
      message: "the quote ' at position 6 is never closed",
    });
  });

  it('refuses every metacharacter, inside quotes too, naming it', () => {
    for (const char of METACHARACTERS) {
      for (const text of [`ls ${char}`, `ls '${char}'`, `ls "a${char}b"`]) {
        const parsed = parseCommandLine(text);
        expect(parsed, text).toMatchObject({ ok: false, code: 'shell_metacharacter' });
        if (!parsed.ok) expect(parsed.message).toContain(`metacharacter ${char}`);
      }
    }
    expect(parseCommandLine('uptime && rm -rf /')).toMatchObject({ ok: false, code: 'shell_metacharacter' });
    expect(parseCommandLine('ls $(whoami)')).toMatchObject({ ok: false, code: 'shell_metacharacter' });
  });

  it('refuses tabs, newlines, control and non-ASCII characters (a bidi control could hide an argument)', () => {
    for (const text of ['df\t-h', 'uptime\nrm x', 'ls \u0000', 'ls caf\u00e9', 'ls \u202e/', 'ls \u007f']) {
      expect(parseCommandLine(text), JSON.stringify(text)).toMatchObject({
        ok: false,
        code: 'shell_invalid_command',
        message: expect.stringMatching(/only printable ASCII/),
      });
    }
  });

  it('refuses an empty command, more than 64 arguments and more than 4,000 characters', () => {
    expect(parseCommandLine('   ')).toMatchObject({ ok: false, message: 'the command is empty' });
    expect(parseCommandLine(`echo ${'a '.repeat(65)}`)).toMatchObject({
      ok: false,
      message: 'the command has 65 arguments; at most 64 are accepted',
    });
    expect(parseCommandLine(`echo ${'a'.repeat(4000)}`)).toMatchObject({ ok: false });
  });

  it('writes an argument list back so that it reads as the same list', () => {
    for (const list of [
      ['df', '-h'],
      ['echo', 'a b', "it's", 'say "hi"', '', `both ' and "`],
    ]) {
      expect(argv(formatCommandLine(list))).toEqual(list);
    }
    expect(formatCommandLine(['git', 'log', '--format=%h %s'])).toBe("git log '--format=%h %s'");
  });
});
