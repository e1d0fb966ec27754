/**
 * How a command line becomes an argument list (README "Quoting rules"). There is no shell: the
 * list goes to `execFile` as it is. Anything a shell would have interpreted is refused rather than
 * passed on, so a command never means something else than it looks like. Written with character
 * codes, no regular expressions, so what is accepted is exactly what this file says.
 */
import { COMMAND_MAX_ARGS, COMMAND_MAX_CHARS } from './limits.ts';

/** Characters a shell would interpret: refused anywhere in a command, quoted or not. */
export const METACHARACTERS: ReadonlySet<string> = new Set([
  ';',
  '&',
  '|',
  '`',
  '$',
  '<',
  '>',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '*',
  '?',
  '~',
  '!',
  '#',
  '\\',
]);

const SPACE = 0x20;
const LAST_PRINTABLE = 0x7e;
const SINGLE_QUOTE = "'";
const DOUBLE_QUOTE = '"';

export type CommandLineProblemCode = 'shell_metacharacter' | 'shell_invalid_command';

export type ParsedCommandLine =
  { ok: true; argv: string[] } | { ok: false; code: CommandLineProblemCode; message: string };

function refused(code: CommandLineProblemCode, message: string): ParsedCommandLine {
  return { ok: false, code, message };
}

/** `U+0009` for a character that cannot be shown as itself. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why `text` may not appear in a command at all, or undefined: only printable ASCII
 * (U+0020–U+007E) without shell metacharacters. Tabs, newlines, control and non-ASCII characters
 * (which can hide what a command does, e.g. bidi controls) are refused.
 */
export function forbiddenCharacter(
  text: string,
): { code: CommandLineProblemCode; message: string } | undefined {
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    const code = text.charCodeAt(index);
    if (code < SPACE || code > LAST_PRINTABLE) {
      return {
        code: 'shell_invalid_command',
        message: `the command contains ${describeCharacter(char)} at position ${index + 1}: only printable ASCII characters are accepted`,
      };
    }
    if (METACHARACTERS.has(char)) {
      return {
        code: 'shell_metacharacter',
        message: `the command contains the shell metacharacter ${char} at position ${index + 1}: there is no shell, so pipes, redirections, variables, globs and command separators are refused`,
      };
    }
  }
  return undefined;
}

/**
 * Splits a command line into its program and arguments:
 * - arguments are separated by one or more spaces; leading and trailing spaces are ignored;
 * - `'…'` and `"…"` group text (spaces included) into one argument and are removed; inside them
 *   every character is itself (the other quote too); there are no escapes and nothing is expanded;
 * - quoted and unquoted text next to each other make one argument (`--name="a b"` → `--name=a b`);
 *   `''` is an empty argument;
 * - an unterminated quote, a metacharacter (`; & | \` $ < > ( ) { } [ ] * ? ~ ! # \`), a character
 *   outside printable ASCII, more than 4,000 characters or 64 arguments: refused.
 */
export function parseCommandLine(text: string): ParsedCommandLine {
  if (text.length > COMMAND_MAX_CHARS) {
    return refused(
      'shell_invalid_command',
      `the command is ${text.length} characters long; at most ${COMMAND_MAX_CHARS} are accepted`,
    );
  }
  const forbidden = forbiddenCharacter(text);
  if (forbidden) return refused(forbidden.code, forbidden.message);
  const argv: string[] = [];
  let current = '';
  let inArgument = false;
  let quote: string | undefined;
  let quoteStart = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else current += char;
      continue;
    }
    if (char === SINGLE_QUOTE || char === DOUBLE_QUOTE) {
      quote = char;
      quoteStart = index;
      inArgument = true;
      continue;
    }
    if (char === ' ') {
      if (inArgument) argv.push(current);
      current = '';
      inArgument = false;
      continue;
    }
    current += char;
    inArgument = true;
  }
  if (quote !== undefined) {
    return refused(
      'shell_invalid_command',
      `the quote ${quote} at position ${quoteStart + 1} is never closed`,
    );
  }
  if (inArgument) argv.push(current);
  if (argv.length === 0) return refused('shell_invalid_command', 'the command is empty');
  if (argv.length - 1 > COMMAND_MAX_ARGS) {
    return refused(
      'shell_invalid_command',
      `the command has ${argv.length - 1} arguments; at most ${COMMAND_MAX_ARGS} are accepted`,
    );
  }
  return { ok: true, argv };
}

/** An argument list written back as a command line that `parseCommandLine` reads as the same list. */
export function formatCommandLine(argv: readonly string[]): string {
  return argv
    .map((arg) => {
      const single = arg.includes("'");
      const double = arg.includes('"');
      if (arg !== '' && !arg.includes(' ') && !single && !double) return arg;
      if (!single) return `'${arg}'`;
      if (!double) return `"${arg}"`;
      // Both quotes: each quote inside the other kind, the rest in single quotes, all joined.
      let written = '';
      let run = '';
      for (const char of arg) {
        if (char !== "'" && char !== '"') {
          run += char;
          continue;
        }
        if (run !== '') written += `'${run}'`;
        run = '';
        written += char === "'" ? `"'"` : `'"'`;
      }
      return run === '' ? written : `${written}'${run}'`;
    })
    .join(' ');
}
