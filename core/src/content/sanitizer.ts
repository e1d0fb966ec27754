import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import { noInvisibles, stripInvisible, type InvisibleCounts } from './invisible-characters.ts';

/** What the sanitizer removed from one value: what the run's step record shows the owner. */
export interface SanitizeReport {
  /** Strings looked at (object keys included). */
  strings: number;
  /** Strings that came out different. */
  changed: number;
  /** Invisible characters removed, by kind. */
  removedCharacters: InvisibleCounts;
  /** What Unicode tag characters spelled (hidden ASCII), first HIDDEN_TEXT_PREVIEW characters. */
  hiddenTagText: string;
  /** Injection phrases neutralised (replaced by NEUTRALISED_MARKER), with how often. */
  phrases: { phrase: string; count: number }[];
  /** Strings cut to the cap: where (JSON pointer) and how long they were, in characters. */
  truncated: { path: string; length: number }[];
}

export interface SanitizerOptions {
  /** Phrases to neutralise (the owner's list, setting `content.sanitizer.injection_patterns`). */
  patterns: readonly string[];
  /** The longest a string may be, in characters (code points). */
  maxStringChars: number;
}

/** What replaces a neutralised phrase: visible, so a reader and the model see something was there. */
export const NEUTRALISED_MARKER = '[filtered]';
const HIDDEN_TEXT_PREVIEW = 200;
/** The report lists at most this many cut strings (the count of changed strings is exact). */
const MAX_TRUNCATED_LISTED = 20;

interface CompiledPattern {
  phrase: string;
  regex: RegExp;
}

const WORDY = /^[\p{L}\p{N}\s]+$/u;
const ALPHANUMERIC_EDGE = /[\p{L}\p{N}]/u;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A phrase of words matches them separated by any run of non-letters (spaces, new lines,
 * punctuation); a phrase with punctuation matches literally, spaces flexible. A phrase never
 * matches inside a longer word.
 */
export function compilePattern(phrase: string): CompiledPattern | undefined {
  const normalised = phrase.normalize('NFKC').trim().toLowerCase();
  if (normalised === '') return undefined;
  const words = normalised.split(/\s+/);
  const separator = WORDY.test(normalised) ? '[^\\p{L}\\p{N}]+' : '\\s+';
  const body = words.map(escapeRegex).join(separator);
  const start = ALPHANUMERIC_EDGE.test(normalised.at(0)!) ? '(?<![\\p{L}\\p{N}])' : '';
  const end = ALPHANUMERIC_EDGE.test(normalised.at(-1)!) ? '(?![\\p{L}\\p{N}])' : '';
  return { phrase: normalised, regex: new RegExp(`${start}${body}${end}`, 'giu') };
}

function emptyReport(): SanitizeReport {
  return {
    strings: 0,
    changed: 0,
    removedCharacters: noInvisibles(),
    hiddenTagText: '',
    phrases: [],
    truncated: [],
  };
}

/** True when the sanitizer removed or changed anything. */
export function reportHasFindings(report: SanitizeReport): boolean {
  return report.changed > 0;
}

function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Cleans untrusted text before a model reads it (reference §9, as Talon does it): invisible
 * characters (zero-width, bidi controls, Unicode tags, controls, variation selector runs) removed,
 * NFKC normalisation, known injection phrasings neutralised, each string capped. Non-strings pass
 * unchanged; strings inside arrays and objects (keys too) are cleaned wherever they are.
 */
export class ContentSanitizer {
  readonly #options: () => SanitizerOptions;
  #compiledFor: readonly string[] | undefined;
  #compiled: CompiledPattern[] = [];

  /** `options` is asked on every call, so an edit of the owner's list applies at once. */
  constructor(options: () => SanitizerOptions) {
    this.#options = options;
  }

  #patterns(patterns: readonly string[]): CompiledPattern[] {
    if (patterns !== this.#compiledFor) {
      this.#compiled = patterns.flatMap((phrase) => compilePattern(phrase) ?? []);
      this.#compiledFor = patterns;
    }
    return this.#compiled;
  }

  /** Sanitizes every string in a JSON value; the report says what was removed. */
  sanitize(value: JsonValue): { value: JsonValue; report: SanitizeReport } {
    const options = this.#options();
    const patterns = this.#patterns(options.patterns);
    const report = emptyReport();
    const phraseCounts = new Map<string, number>();
    const clean = (text: string, path: string): string =>
      this.#cleanString(text, path, options.maxStringChars, patterns, report, phraseCounts);
    const walk = (node: JsonValue, path: string): JsonValue => {
      if (typeof node === 'string') return clean(node, path);
      if (Array.isArray(node)) return node.map((item, index) => walk(item, `${path}/${index}`));
      if (node !== null && typeof node === 'object') {
        const result: { [key: string]: JsonValue } = {};
        for (const [key, item] of Object.entries(node)) {
          const cleanKey = clean(key, `${path}/${pointerSegment(key)}`);
          result[cleanKey] = walk(item, `${path}/${pointerSegment(cleanKey)}`);
        }
        return result;
      }
      return node;
    };
    const sanitized = walk(value, '');
    report.phrases = [...phraseCounts].map(([phrase, count]) => ({ phrase, count }));
    report.hiddenTagText = report.hiddenTagText.slice(0, HIDDEN_TEXT_PREVIEW);
    return { value: sanitized, report };
  }

  /** One string: the same cleaning, its own report. */
  sanitizeText(text: string): { text: string; report: SanitizeReport } {
    const { value, report } = this.sanitize(text);
    return { text: value as string, report };
  }

  #cleanString(
    original: string,
    path: string,
    maxChars: number,
    patterns: readonly CompiledPattern[],
    report: SanitizeReport,
    phraseCounts: Map<string, number>,
  ): string {
    report.strings += 1;
    const stripped = stripInvisible(original, report.removedCharacters);
    if (stripped.tagText !== '' && report.hiddenTagText.length < HIDDEN_TEXT_PREVIEW) {
      report.hiddenTagText += (report.hiddenTagText === '' ? '' : ' ') + stripped.tagText;
    }
    let text = stripped.text.normalize('NFKC');
    for (const { phrase, regex } of patterns) {
      text = text.replace(regex, () => {
        phraseCounts.set(phrase, (phraseCounts.get(phrase) ?? 0) + 1);
        return NEUTRALISED_MARKER;
      });
    }
    // UTF-16 length ≥ code points: only a string that may be too long is split into characters.
    if (text.length > maxChars) {
      const characters = [...text];
      if (characters.length > maxChars) {
        text = characters.slice(0, Math.max(0, maxChars)).join('');
        if (report.truncated.length < MAX_TRUNCATED_LISTED) {
          report.truncated.push({ path: path === '' ? '/' : path, length: characters.length });
        }
      }
    }
    if (text !== original) report.changed += 1;
    return text;
  }
}
