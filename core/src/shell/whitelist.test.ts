import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.ts';
import { DEFAULT_SHELL_WHITELIST } from './settings.ts';
import { Whitelist } from './whitelist.ts';
import { parseWhitelistEntry } from './whitelist-grammar.ts';

/** AlexClaw's seeded `shell.whitelist` (reference §1.1): a prefix list, stored as a JSON string. */
const ALEXCLAW_WHITELIST = JSON.stringify([
  'df',
  'free',
  'ps',
  'uptime',
  'cat /proc',
  'ping',
  'nslookup',
  'curl',
  'bin/alex_claw',
  'uname',
  'whoami',
  'hostname',
  'date',
  'ls',
  'git',
]);

const repos = realpathSync(mkdtempSync(path.join(tmpdir(), 'talon-whitelist-')));
mkdirSync(path.join(repos, 'talon'));
writeFileSync(path.join(repos, 'talon', 'README'), 'hi');
symlinkSync('/etc', path.join(repos, 'escape'));
symlinkSync(path.join(repos, 'talon'), path.join(repos, 'alias'));
mkdirSync(`${repos}-sibling`);

afterAll(() => {
  rmSync(repos, { recursive: true, force: true });
  rmSync(`${repos}-sibling`, { recursive: true, force: true });
});

function decide(whitelist: Whitelist, command: string): ReturnType<Whitelist['decide']> {
  const parsed = parseCommandLine(command);
  if (!parsed.ok) throw new Error(parsed.message);
  return whitelist.decide(parsed.argv);
}

describe('the entry grammar', () => {
  it("reads the issue's example into a program and one pattern per argument", () => {
    expect(parseWhitelistEntry('git -C <path under /srv/repos> log --oneline -n <int 1-50>')).toEqual({
      ok: true,
      entry: {
        text: 'git -C <path under /srv/repos> log --oneline -n <int 1-50>',
        program: 'git',
        patterns: [
          { kind: 'literal', value: '-C' },
          { kind: 'path', under: '/srv/repos' },
          { kind: 'literal', value: 'log' },
          { kind: 'literal', value: '--oneline' },
          { kind: 'literal', value: '-n' },
          { kind: 'int', min: 1, max: 50 },
        ],
      },
    });
    expect(parseWhitelistEntry('free <enum -m|-g>')).toMatchObject({
      ok: true,
      entry: { patterns: [{ kind: 'enum', values: ['-m', '-g'] }] },
    });
  });

  it('refuses what it cannot read, saying why', () => {
    const problems: [string, RegExp][] = [
      ['', /empty/],
      ['bin/alex_claw eval', /bare name .* or an absolute path/],
      ['rm;x', /metacharacter ;/],
      ['ls <int 5-1>', /5 is more than 1/],
      ['ls <int a-b>', /two whole numbers/],
      ['ls <int 1-9999999999>', /at most 9 digits/],
      ['ls <enum a||b>', /an <enum> value is empty/],
      ['ls <enum a b>', /spaces or quotes/],
      ['ls <path under srv>', /not an absolute path/],
      ['ls <path under /srv/../etc>', /\.\. segment/],
      ['ls <path /srv>', /<path under \/a\/folder>/],
      ['ls <regex .*>', /not a pattern/],
      ['ls <int 1-5', /no closing >/],
      ['ls <int 1-5>x', /a space must follow/],
      ["ls 'quoted'", /spaces or quotes/],
    ];
    for (const [entry, message] of problems) {
      const parsed = parseWhitelistEntry(entry);
      expect(parsed.ok, entry).toBe(false);
      if (!parsed.ok) expect(parsed.message, entry).toMatch(message);
    }
  });
});

describe('deciding a command, argument by argument', () => {
  it("refuses AlexClaw's bypass: `cat /proc /etc/shadow` is not `cat /proc`", () => {
    const whitelist = Whitelist.fromSetting(ALEXCLAW_WHITELIST);
    expect(decide(whitelist, 'cat /proc /etc/shadow')).toEqual({
      allowed: false,
      message: '“cat /proc /etc/shadow” is not on the shell whitelist: “cat /proc” takes 1 argument, not 2',
    });
    expect(decide(whitelist, 'cat /proc')).toMatchObject({ allowed: true });
  });

  it("turns AlexClaw's prefix list into entries of literal tokens, and keeps bin/alex_claw out", () => {
    const whitelist = Whitelist.fromSetting(ALEXCLAW_WHITELIST);
    expect(whitelist.entries.map((entry) => entry.text)).toContain('cat /proc');
    expect(whitelist.entries.every((entry) => entry.patterns.every((p) => p.kind === 'literal'))).toBe(true);
    expect(whitelist.unusable).toEqual([
      { text: 'bin/alex_claw', message: expect.stringMatching(/bare name/) },
    ]);
    // A prefix no longer allows more: `df` is exactly `df`; `define` never was.
    expect(decide(whitelist, 'df')).toMatchObject({ allowed: true });
    expect(decide(whitelist, 'df -h')).toMatchObject({ allowed: false });
    expect(decide(whitelist, 'define x')).toEqual({
      allowed: false,
      message: 'define is not on the shell whitelist',
    });
  });

  it('checks <int A-B> as a whole number in range, written plainly', () => {
    const whitelist = new Whitelist(['git log --oneline -n <int 1-50>']);
    expect(decide(whitelist, 'git log --oneline -n 50')).toMatchObject({ allowed: true });
    for (const n of ['0', '51', '007', '+5', '5.0', '-1', '1e1', '', ' 5']) {
      expect(whitelist.decide(['git', 'log', '--oneline', '-n', n]), n).toMatchObject({
        allowed: false,
        message: expect.stringMatching(/expects a whole number from 1 to 50 as argument 4/),
      });
    }
  });

  it('checks <enum> values exactly', () => {
    const whitelist = new Whitelist(['free <enum -m|-g>']);
    expect(decide(whitelist, 'free -g')).toMatchObject({ allowed: true });
    expect(decide(whitelist, 'free -h')).toMatchObject({
      allowed: false,
      message:
        '“free -h” is not on the shell whitelist: “free <enum -m|-g>” expects one of -m, -g as argument 1',
    });
  });

  it('checks <path under DIR> as written and as resolved: no .., no symbolic link out, no sibling prefix', () => {
    const whitelist = new Whitelist([`ls <path under ${repos}>`]);
    expect(decide(whitelist, `ls ${repos}/talon/README`)).toMatchObject({ allowed: true });
    expect(decide(whitelist, `ls ${repos}`)).toMatchObject({ allowed: true });
    // A link that stays inside is fine; one that leads out is not.
    expect(decide(whitelist, `ls ${repos}/alias/README`)).toMatchObject({ allowed: true });
    const refused: [string, RegExp][] = [
      [`${repos}/escape/shadow`, /leads out of it/],
      [`${repos}/escape`, /leads out of it/],
      [`${repos}/talon/../../../etc`, /\.\. segment/],
      [`${repos}/./talon`, /\. segment/],
      [`${repos}//talon`, /empty segment/],
      [`${repos}-sibling`, /expects a path under/],
      ['talon/README', /not an absolute path/],
      [`${repos}/missing`, /expects an existing path/],
    ];
    for (const [arg, message] of refused) {
      expect(whitelist.decide(['ls', arg]), arg).toMatchObject({
        allowed: false,
        message: expect.stringMatching(message),
      });
    }
  });

  it('needs the same number of arguments as patterns, and names what each entry expects', () => {
    const whitelist = new Whitelist(['df', 'df -h']);
    expect(decide(whitelist, 'df -h /')).toEqual({
      allowed: false,
      message:
        '“df -h /” is not on the shell whitelist: “df” takes 0 arguments, not 2; “df -h” takes 1 argument, not 2',
    });
  });

  it('reads the setting as a list, or as a string holding one (an AlexClaw database); anything else allows nothing', () => {
    expect(Whitelist.fromSetting(['uptime']).entries).toHaveLength(1);
    expect(Whitelist.fromSetting('["uptime"]').entries).toHaveLength(1);
    for (const value of ['uptime', { uptime: true }, 42, null, undefined]) {
      expect(Whitelist.fromSetting(value as never).entries).toEqual([]);
    }
  });

  it('ships a default list where every entry is valid', () => {
    const whitelist = new Whitelist(DEFAULT_SHELL_WHITELIST);
    expect(whitelist.unusable).toEqual([]);
    expect(decide(whitelist, 'df -h')).toMatchObject({ allowed: true });
    expect(decide(whitelist, 'cat /proc/meminfo')).toMatchObject({ allowed: true });
    expect(decide(whitelist, 'cat /etc/shadow')).toMatchObject({ allowed: false });
  });
});
