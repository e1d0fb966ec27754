/**
 * The grammar of a whitelist entry (README "The whitelist"): a program followed by one pattern per
 * argument. No regular expressions: every rule is a loop over characters here, so an entry means
 * exactly what it looks like, and nothing an owner writes can be slow to match.
 *
 *   entry    = program { " " pattern }
 *   program  = a bare name (letters, digits, . _ + -) looked up in PATH, or an absolute path
 *   pattern  = literal | "<int " A "-" B ">" | "<enum " value { "|" value } ">" | "<path under " DIR ">"
 */
import { forbiddenCharacter } from './command-line.ts';
import { ENTRY_MAX_CHARS, ENUM_MAX_VALUES, INT_MAX_DIGITS } from './limits.ts';

export type ArgumentPattern =
  | { kind: 'literal'; value: string }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'enum'; values: string[] }
  | { kind: 'path'; under: string };

export interface WhitelistEntry {
  /** The entry as the owner wrote it (spaces tidied). */
  text: string;
  program: string;
  patterns: ArgumentPattern[];
}

export type ParsedEntry = { ok: true; entry: WhitelistEntry } | { ok: false; message: string };

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isLetterOrDigit(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

export function isDigits(text: string): boolean {
  if (text === '') return false;
  for (let index = 0; index < text.length; index++) if (!isDigit(text.charCodeAt(index))) return false;
  return true;
}

/** A plain token: printable ASCII, no metacharacter, no space, no quote, not empty. */
function plainTokenProblem(token: string, what: string): string | undefined {
  if (token === '') return `${what} is empty`;
  const forbidden = forbiddenCharacter(token);
  if (forbidden) return `${what} ${JSON.stringify(token)}: ${forbidden.message.replace('the command', 'it')}`;
  if (token.includes(' ') || token.includes("'") || token.includes('"')) {
    return `${what} ${JSON.stringify(token)} may not hold spaces or quotes`;
  }
  return undefined;
}

/**
 * Why `text` is not a clean absolute path, or undefined: it starts with `/`, has no `.` or `..`
 * segment, no empty segment (`//`) and no trailing slash (except `/` itself).
 */
export function absolutePathProblem(text: string): string | undefined {
  if (!text.startsWith('/')) return `${JSON.stringify(text)} is not an absolute path`;
  if (text === '/') return undefined;
  const segments = text.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return `${JSON.stringify(text)} has an empty segment (// or a trailing /)`;
    if (segment === '.' || segment === '..') {
      return `${JSON.stringify(text)} has a ${segment} segment: write the path without it`;
    }
  }
  return undefined;
}

function programProblem(program: string): string | undefined {
  const plain = plainTokenProblem(program, 'the program');
  if (plain) return plain;
  if (program.startsWith('/')) return absolutePathProblem(program);
  for (let index = 0; index < program.length; index++) {
    const code = program.charCodeAt(index);
    const char = program[index]!;
    const allowed = isLetterOrDigit(code) || char === '.' || char === '_' || char === '+' || char === '-';
    if (!allowed || (index === 0 && !isLetterOrDigit(code))) {
      return `the program ${JSON.stringify(program)} must be a bare name (letters, digits, . _ + -, looked up in PATH) or an absolute path`;
    }
  }
  return undefined;
}

function parseIntPattern(body: string): ArgumentPattern | string {
  const dash = body.indexOf('-');
  const low = dash < 0 ? '' : body.slice(0, dash);
  const high = dash < 0 ? '' : body.slice(dash + 1);
  if (!isDigits(low) || !isDigits(high) || low.length > INT_MAX_DIGITS || high.length > INT_MAX_DIGITS) {
    return `<int ${body}> needs two whole numbers of at most ${INT_MAX_DIGITS} digits, e.g. <int 1-50>`;
  }
  const min = Number(low);
  const max = Number(high);
  if (min > max) return `<int ${body}>: ${min} is more than ${max}`;
  return { kind: 'int', min, max };
}

function parseEnum(body: string): ArgumentPattern | string {
  const values = body.split('|');
  if (values.length > ENUM_MAX_VALUES) return `<enum ...> may list at most ${ENUM_MAX_VALUES} values`;
  for (const value of values) {
    const problem = plainTokenProblem(value, 'an <enum> value');
    if (problem) return `${problem} (write <enum a|b|c>)`;
  }
  return { kind: 'enum', values };
}

function parsePath(body: string): ArgumentPattern | string {
  const problem = absolutePathProblem(body) ?? plainTokenProblem(body, 'the folder of <path under ...>');
  if (problem) return `<path under ${body}>: ${problem}`;
  return { kind: 'path', under: body };
}

/** `<int 1-50>`, `<enum a|b>`, `<path under /srv>` → a pattern, or what is wrong with it. */
function parsePattern(inside: string): ArgumentPattern | string {
  const space = inside.indexOf(' ');
  const kind = space < 0 ? inside : inside.slice(0, space);
  const body = space < 0 ? '' : inside.slice(space + 1);
  switch (kind) {
    case 'int':
      return parseIntPattern(body);
    case 'enum':
      return parseEnum(body);
    case 'path': {
      const prefix = 'under ';
      if (!body.startsWith(prefix)) return `<path ${body}> must be written <path under /a/folder>`;
      return parsePath(body.slice(prefix.length));
    }
    default:
      return `<${inside}> is not a pattern: use <int A-B>, <enum a|b|c> or <path under DIR>`;
  }
}

/** Splits an entry into tokens: runs of non-spaces, and `<…>` patterns as one token each. */
function entryTokens(text: string): string[] | string {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === ' ') {
      index++;
      continue;
    }
    if (text[index] === '<') {
      const close = text.indexOf('>', index);
      if (close < 0) return `the pattern starting at position ${index + 1} has no closing >`;
      const inside = text.slice(index + 1, close);
      if (inside.includes('<')) return `the pattern starting at position ${index + 1} holds another <`;
      tokens.push(text.slice(index, close + 1));
      index = close + 1;
      if (index < text.length && text[index] !== ' ') {
        return `a space must follow the pattern ending at position ${index}`;
      }
      continue;
    }
    let end = index;
    while (end < text.length && text[end] !== ' ') end++;
    tokens.push(text.slice(index, end));
    index = end;
  }
  return tokens;
}

/**
 * Reads one whitelist entry. AlexClaw's prefixes (`df`, `cat /proc`) are entries of literal
 * tokens here: `cat /proc` allows exactly `cat /proc`, never `cat /proc /etc/shadow`.
 */
export function parseWhitelistEntry(text: string): ParsedEntry {
  if (text.length > ENTRY_MAX_CHARS) {
    return { ok: false, message: `the entry is longer than ${ENTRY_MAX_CHARS} characters` };
  }
  const tokens = entryTokens(text);
  if (typeof tokens === 'string') return { ok: false, message: tokens };
  if (tokens.length === 0) return { ok: false, message: 'the entry is empty' };
  const [program, ...rest] = tokens as [string, ...string[]];
  const problem = programProblem(program);
  if (problem) return { ok: false, message: problem };
  const patterns: ArgumentPattern[] = [];
  for (const token of rest) {
    if (token.startsWith('<')) {
      const pattern = parsePattern(token.slice(1, -1));
      if (typeof pattern === 'string') return { ok: false, message: pattern };
      patterns.push(pattern);
      continue;
    }
    const literalProblem = plainTokenProblem(token, 'the argument');
    if (literalProblem) return { ok: false, message: literalProblem };
    patterns.push({ kind: 'literal', value: token });
  }
  return { ok: true, entry: { text: tokens.join(' '), program, patterns } };
}
