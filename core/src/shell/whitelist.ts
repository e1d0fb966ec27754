/**
 * The shell whitelist as the host decides with it: an argument list is allowed only when an entry
 * has the same program and one pattern per argument, each matching. The value comes from the
 * setting `shell.whitelist` only; a workflow step or a skill cannot add to it.
 */
import { realpathSync } from 'node:fs';
import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { formatCommandLine } from './command-line.ts';
import { INT_MAX_DIGITS, WHITELIST_MAX_ENTRIES } from './limits.ts';
import {
  absolutePathProblem,
  isDigits,
  parseWhitelistEntry,
  type ArgumentPattern,
  type WhitelistEntry,
} from './whitelist-grammar.ts';

export type WhitelistDecision =
  { allowed: true; entry: WhitelistEntry } | { allowed: false; message: string };

export interface UnusableEntry {
  text: string;
  message: string;
}

/** Resolves a path to where it really is (symbolic links followed); throws when it does not exist. */
export type PathResolver = (path: string) => string;

/** Why `arg` does not match `pattern`, or undefined when it does. */
function mismatch(pattern: ArgumentPattern, arg: string, resolve: PathResolver): string | undefined {
  switch (pattern.kind) {
    case 'literal':
      return arg === pattern.value ? undefined : `expects ${pattern.value}`;
    case 'int': {
      const canonical = isDigits(arg) && arg.length <= INT_MAX_DIGITS && (arg === '0' || arg[0] !== '0');
      if (!canonical) return `expects a whole number from ${pattern.min} to ${pattern.max}`;
      const value = Number(arg);
      return value >= pattern.min && value <= pattern.max
        ? undefined
        : `expects a whole number from ${pattern.min} to ${pattern.max}`;
    }
    case 'enum':
      return pattern.values.includes(arg) ? undefined : `expects one of ${pattern.values.join(', ')}`;
    case 'path':
      return pathMismatch(pattern.under, arg, resolve);
  }
}

function isWithin(path: string, folder: string): boolean {
  return folder === '/' || path === folder || path.startsWith(`${folder}/`);
}

/**
 * `<path under DIR>`: written as a clean absolute path under DIR (no `.` or `..` segment), and still
 * under DIR once every symbolic link on the way is followed — a link pointing out is refused.
 */
function pathMismatch(under: string, arg: string, resolve: PathResolver): string | undefined {
  const problem = absolutePathProblem(arg);
  if (problem) return `expects a path under ${under}: ${problem}`;
  if (!isWithin(arg, under)) return `expects a path under ${under}`;
  let real: string;
  let base: string;
  try {
    base = resolve(under);
  } catch {
    return `expects a path under ${under}, which does not exist`;
  }
  try {
    real = resolve(arg);
  } catch {
    return `expects an existing path under ${under}`;
  }
  return isWithin(real, base) ? undefined : `expects a path under ${under}, but ${arg} leads out of it`;
}

export class Whitelist {
  readonly entries: readonly WhitelistEntry[];
  /** Entries of the setting that are not valid (AlexClaw's `bin/alex_claw`...): shown, never used. */
  readonly unusable: readonly UnusableEntry[];
  readonly #resolve: PathResolver;

  constructor(texts: readonly string[], resolve: PathResolver = realpathSync) {
    const entries: WhitelistEntry[] = [];
    const unusable: UnusableEntry[] = [];
    for (const text of texts.slice(0, WHITELIST_MAX_ENTRIES)) {
      const parsed = parseWhitelistEntry(text);
      if (parsed.ok) entries.push(parsed.entry);
      else unusable.push({ text, message: parsed.message });
    }
    for (const text of texts.slice(WHITELIST_MAX_ENTRIES)) {
      unusable.push({ text, message: `only the first ${WHITELIST_MAX_ENTRIES} entries are used` });
    }
    this.entries = entries;
    this.unusable = unusable;
    this.#resolve = resolve;
  }

  /**
   * The setting's value: a JSON list of entries, or (an AlexClaw database) a string holding one.
   * Anything else is an empty whitelist: nothing runs until the owner fixes it.
   */
  static fromSetting(value: JsonValue | undefined, resolve?: PathResolver): Whitelist {
    let list: unknown = value;
    if (typeof value === 'string') {
      try {
        list = JSON.parse(value);
      } catch {
        list = undefined;
      }
    }
    const texts = Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
    return new Whitelist(texts, resolve);
  }

  /** Allowed when some entry has this program and one matching pattern per argument. */
  decide(argv: readonly string[]): WhitelistDecision {
    const [program, ...args] = argv;
    if (program === undefined) return { allowed: false, message: 'the command is empty' };
    const candidates = this.entries.filter((entry) => entry.program === program);
    if (candidates.length === 0) {
      return { allowed: false, message: `${program} is not on the shell whitelist` };
    }
    const reasons: string[] = [];
    for (const entry of candidates) {
      const reason = this.#entryMismatch(entry, args);
      if (reason === undefined) return { allowed: true, entry };
      reasons.push(`“${entry.text}” ${reason}`);
    }
    return {
      allowed: false,
      message: `“${formatCommandLine(argv)}” is not on the shell whitelist: ${reasons.slice(0, 3).join('; ')}`,
    };
  }

  #entryMismatch(entry: WhitelistEntry, args: readonly string[]): string | undefined {
    if (entry.patterns.length !== args.length) {
      const count = entry.patterns.length;
      return `takes ${count} argument${count === 1 ? '' : 's'}, not ${args.length}`;
    }
    for (const [index, pattern] of entry.patterns.entries()) {
      const reason = mismatch(pattern, args[index]!, this.#resolve);
      if (reason) return `${reason} as argument ${index + 1}`;
    }
    return undefined;
  }
}
