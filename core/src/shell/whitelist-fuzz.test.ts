import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { unprivilegedWorkerUser } from '@talon/skill-runtime/sandbox/worker-user.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.ts';
import { ShellJail } from './jail.ts';
import { runCommand } from './run-command.ts';
import { Whitelist } from './whitelist.ts';

// The parser and the whitelist against generated commands: every generated command carries what
// it is meant to be (its argument list, and whether it must be allowed), built from a model of the
// whitelist written independently of the grammar (plain sets and regular expressions here).

// Outside /tmp: the jail gives commands an empty /tmp of their own, and ~50 allowed ones really run.
const DIR = mkdtempSync('/var/tmp/talon-fuzz-');
const FILES = `${DIR}/files`;

type Slot =
  | { kind: 'literal'; value: string }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: string[] }
  | { kind: 'path'; valid: string[]; invalid: string[] };

interface ModelEntry {
  text: string;
  program: string;
  slots: Slot[];
}

const OUTSIDE_PATHS = [
  '/etc/passwd',
  '/etc/shadow',
  `${DIR}-sibling`,
  `${DIR}-sibling/x`,
  'files/a.txt',
  `${DIR}/`,
  `${DIR}//files`,
  `${DIR}/./files`,
  `${DIR}/files/../../etc`,
  `${DIR}/out`,
  `${DIR}/out/passwd`,
  `${DIR}/missing`,
  '/',
  '',
];

const MODEL: ModelEntry[] = [
  {
    text: 'echo <enum alpha|beta|gamma> <int 0-100>',
    program: 'echo',
    slots: [
      { kind: 'enum', values: ['alpha', 'beta', 'gamma'] },
      { kind: 'int', min: 0, max: 100 },
    ],
  },
  {
    text: 'printf <enum %s|%d> <int 1-9>',
    program: 'printf',
    slots: [
      { kind: 'enum', values: ['%s', '%d'] },
      { kind: 'int', min: 1, max: 9 },
    ],
  },
  {
    text: `ls -l <path under ${DIR}>`,
    program: 'ls',
    slots: [
      { kind: 'literal', value: '-l' },
      {
        kind: 'path',
        valid: [
          DIR,
          FILES,
          `${FILES}/a.txt`,
          `${FILES}/sub`,
          `${FILES}/sub/c.txt`,
          `${DIR}/inner`,
          `${DIR}/inner/a.txt`,
        ],
        invalid: OUTSIDE_PATHS,
      },
    ],
  },
  {
    text: `cat <path under ${FILES}>`,
    program: 'cat',
    slots: [
      {
        kind: 'path',
        valid: [`${FILES}/a.txt`, `${FILES}/b.txt`, `${FILES}/sub/c.txt`],
        invalid: [...OUTSIDE_PATHS, `${DIR}/inner/a.txt`, `${FILES}/../files/a.txt`, DIR, `${FILES}x`],
      },
    ],
  },
  { text: 'uname -a', program: 'uname', slots: [{ kind: 'literal', value: '-a' }] },
  { text: 'df -h', program: 'df', slots: [{ kind: 'literal', value: '-h' }] },
  { text: 'true', program: 'true', slots: [] },
];

/** What a shell would interpret, written out here rather than taken from the code under test. */
const SHELL_SPECIALS = [...';&|`$<>(){}[]*?~!#\\'];

const NOT_WHITELISTED = [
  'rm',
  'sh',
  'bash',
  'curl',
  'python3',
  'env',
  'nc',
  '/bin/echo',
  './echo',
  'ECHO',
  'dfx',
];

/** The model's own answer: does some entry allow this argument list? (regular expressions and sets) */
function modelAllows(argv: readonly string[]): boolean {
  return MODEL.some(
    (entry) =>
      entry.program === argv[0] &&
      entry.slots.length === argv.length - 1 &&
      entry.slots.every((slot, index) => {
        const arg = argv[index + 1]!;
        switch (slot.kind) {
          case 'literal':
            return arg === slot.value;
          case 'int':
            return /^(0|[1-9][0-9]{0,8})$/.test(arg) && Number(arg) >= slot.min && Number(arg) <= slot.max;
          case 'enum':
            return slot.values.includes(arg);
          case 'path':
            return slot.valid.includes(arg);
        }
      }),
  );
}

interface Case {
  text: string;
  /** The argument list the text is meant to be; undefined for random text. */
  argv?: string[];
  /** Whether it must be allowed; undefined for random text (the model decides). */
  allowed?: boolean;
  /** It holds a character the parser itself must refuse, before any whitelist is asked. */
  forbidden?: true;
}

const validValue = (slot: Slot): fc.Arbitrary<string> => {
  switch (slot.kind) {
    case 'literal':
      return fc.constant(slot.value);
    case 'int':
      return fc.integer({ min: slot.min, max: slot.max }).map(String);
    case 'enum':
      return fc.constantFrom(...slot.values);
    case 'path':
      return fc.constantFrom(...slot.valid);
  }
};

const invalidValue = (slot: Slot): fc.Arbitrary<string> => {
  switch (slot.kind) {
    case 'literal':
      return fc.constantFrom(
        `${slot.value}x`,
        slot.value.toUpperCase() === slot.value ? '-x' : slot.value.toUpperCase(),
        '',
      );
    case 'int':
      return fc.oneof(
        fc.integer({ min: slot.max + 1, max: 1_000_000 }).map(String),
        fc.integer({ min: -1000, max: -1 }).map(String),
        fc.integer({ min: slot.min, max: slot.max }).map((n) => `0${n}`),
        fc.integer({ min: slot.min, max: slot.max }).map((n) => `+${n}`),
        fc.integer({ min: slot.min, max: slot.max }).map((n) => `${n}.0`),
        fc.constantFrom('', 'ten', '1e1', '0x1'),
      );
    case 'enum':
      return fc.constantFrom(...slot.values.map((value) => `${value}x`), 'delta', '', '-h');
    case 'path':
      return fc.constantFrom(...slot.invalid);
  }
};

/** One argument as the owner might type it: bare, single-quoted, double-quoted or half-quoted. */
const quoted = (arg: string): fc.Arbitrary<string> => {
  const forms = [`'${arg}'`, `"${arg}"`];
  if (arg.length > 1) forms.push(`${arg[0]}'${arg.slice(1)}'`, `"${arg.slice(0, -1)}"${arg.slice(-1)}`);
  if (arg !== '' && !arg.includes(' ')) forms.push(arg, arg, arg);
  return fc.constantFrom(...forms);
};

const spaces = fc.integer({ min: 1, max: 3 }).map((n) => ' '.repeat(n));

const written = (argv: string[]): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.tuple(...argv.map(quoted)),
      fc.array(spaces, { minLength: argv.length, maxLength: argv.length }),
    )
    .map(([parts, gaps]) => parts.map((part, index) => (index === 0 ? part : gaps[index]! + part)).join(''));

const entry = fc.constantFrom(...MODEL);

const validCase: fc.Arbitrary<Case> = entry
  .chain((e) => fc.tuple(...e.slots.map(validValue)).map((args) => [e.program, ...args]))
  .chain((argv) => written(argv).map((text) => ({ text, argv, allowed: true })));

const wrongArgument: fc.Arbitrary<Case> = entry
  .filter((e) => e.slots.length > 0)
  .chain((e) =>
    fc
      .integer({ min: 0, max: e.slots.length - 1 })
      .chain((bad) =>
        fc
          .tuple(...e.slots.map((slot, index) => (index === bad ? invalidValue(slot) : validValue(slot))))
          .map((args) => [e.program, ...args]),
      ),
  )
  .chain((argv) => written(argv).map((text) => ({ text, argv, allowed: false })));

const wrongArity: fc.Arbitrary<Case> = fc
  .tuple(validCase, fc.boolean(), fc.constantFrom('-h', 'alpha', '5', DIR, '/etc/shadow'))
  .chain(([base, drop, extra]) => {
    const argv = drop && base.argv!.length > 1 ? base.argv!.slice(0, -1) : [...base.argv!, extra];
    return written(argv).map((text) => ({ text, argv, allowed: modelAllows(argv) }));
  });

const wrongProgram: fc.Arbitrary<Case> = fc
  .tuple(validCase, fc.constantFrom(...NOT_WHITELISTED))
  .chain(([base, program]) => {
    const argv = [program, ...base.argv!.slice(1)];
    return written(argv).map((text) => ({ text, argv, allowed: false }));
  });

/** A character inserted anywhere, inside quotes or not: a metacharacter, a control or a non-ASCII one. */
const forbiddenInserted: fc.Arbitrary<Case> = fc
  .tuple(
    validCase,
    fc.oneof(
      fc.constantFrom(...SHELL_SPECIALS),
      fc.constantFrom(
        '&&',
        '||',
        '$(',
        '\n',
        '\t',
        '\r',
        '\u0000',
        '\u007f',
        '\u00e9',
        '\u202e',
        '\u200b',
        '\uff1b',
      ),
    ),
    fc.nat(),
  )
  .map(([base, inserted, at]) => {
    const position = at % (base.text.length + 1);
    const text = base.text.slice(0, position) + inserted + base.text.slice(position);
    return { text, allowed: false, forbidden: true as const };
  });

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const randomText: fc.Arbitrary<Case> = fc
  .oneof(
    fc.string({ unit: printable, maxLength: 60 }),
    fc
      .tuple(
        fc.constantFrom(...MODEL.map((e) => e.program), ...NOT_WHITELISTED),
        fc.string({ unit: printable, maxLength: 40 }),
      )
      .map(([program, rest]) => `${program} ${rest}`),
  )
  .map((text) => ({ text }));

const anyCase = fc.oneof(
  { arbitrary: validCase, weight: 3 },
  { arbitrary: wrongArgument, weight: 3 },
  { arbitrary: wrongArity, weight: 1 },
  { arbitrary: wrongProgram, weight: 1 },
  { arbitrary: forbiddenInserted, weight: 2 },
  { arbitrary: randomText, weight: 2 },
);

const whitelist = new Whitelist(MODEL.map((e) => e.text));

function decide(text: string): { parsed: boolean; allowed: boolean; argv?: string[] } {
  const parsed = parseCommandLine(text);
  if (!parsed.ok) return { parsed: false, allowed: false };
  return { parsed: true, allowed: whitelist.decide(parsed.argv).allowed, argv: parsed.argv };
}

beforeAll(() => {
  mkdirSync(`${FILES}/sub`, { recursive: true });
  writeFileSync(`${FILES}/a.txt`, 'alpha file\n');
  writeFileSync(`${FILES}/b.txt`, 'beta file\n');
  writeFileSync(`${FILES}/sub/c.txt`, 'gamma file\n');
  symlinkSync(FILES, `${DIR}/inner`);
  symlinkSync('/etc', `${DIR}/out`);
  mkdirSync(`${DIR}-sibling`);
  for (const folder of [DIR, FILES, `${FILES}/sub`]) chmodSync(folder, 0o755);
});

afterAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  rmSync(`${DIR}-sibling`, { recursive: true, force: true });
});

describe('the shell whitelist under 10,000 generated commands', () => {
  it('allows none with a metacharacter, a non-whitelisted program or argument, and parses every allowed one as meant', () => {
    expect(whitelist.unusable).toEqual([]);
    const tally = { decided: 0, allowed: 0, refused: 0 };
    fc.assert(
      fc.property(anyCase, (c) => {
        const decision = decide(c.text);
        tally.decided++;
        tally[decision.allowed ? 'allowed' : 'refused']++;
        if (c.allowed !== undefined) expect(decision.allowed, c.text).toBe(c.allowed);
        if (c.forbidden) expect(decision.parsed, c.text).toBe(false);
        if (decision.allowed) {
          if (c.argv) expect(decision.argv, c.text).toEqual(c.argv);
          expect(modelAllows(decision.argv!), c.text).toBe(true);
          for (const char of c.text) {
            expect(SHELL_SPECIALS.includes(char) || char < ' ' || char > '~', c.text).toBe(false);
          }
        } else if (decision.argv && c.allowed === undefined) {
          expect(modelAllows(decision.argv), c.text).toBe(false);
        }
      }),
      { numRuns: 10_000 },
    );
    expect(tally.decided).toBe(10_000);
    // Both answers are exercised in earnest, not one of them by accident.
    expect(tally.allowed).toBeGreaterThan(1_000);
    expect(tally.refused).toBeGreaterThan(5_000);
  });

  it('runs about 50 of the allowed ones for real, in the jail, with the output they mean', async () => {
    const jail = new ShellJail({ hiddenFolders: [], hiddenFiles: [], user: unprivilegedWorkerUser() });
    expect((await jail.check()).up).toBe(true);
    const samples = fc.sample(validCase, { numRuns: 50 });
    const expected = (argv: string[]): RegExp | string => {
      const [program, ...args] = argv;
      switch (program) {
        case 'echo':
          return `${args.join(' ')}\n`;
        case 'printf':
          return args[1]!;
        case 'cat':
          return /^(alpha|beta|gamma) file\n$/;
        case 'uname':
          return /^Linux /;
        case 'df':
          return /^Filesystem/;
        case 'true':
          return '';
        default:
          return /\S/;
      }
    };
    for (const sample of samples) {
      const { allowed, argv } = decide(sample.text);
      expect(allowed, sample.text).toBe(true);
      const outcome = await runCommand(jail.launch(argv!), { timeoutMs: 10_000, maxOutputChars: 4_000 });
      expect(outcome.exitCode, `${sample.text}: ${outcome.output}`).toBe(0);
      const want = expected(argv!);
      if (typeof want === 'string') expect(outcome.output, sample.text).toBe(want);
      else expect(outcome.output, sample.text).toMatch(want);
    }
  });
});
