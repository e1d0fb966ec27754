/**
 * Characters that a person does not see but a model reads: how hidden instructions ride along in
 * web pages, feeds and API answers. Removed by the sanitizer, counted by kind for the step record.
 */

export const INVISIBLE_KINDS = [
  'zeroWidth',
  'bidiControl',
  'unicodeTag',
  'control',
  'variationSelector',
] as const;
export type InvisibleKind = (typeof INVISIBLE_KINDS)[number];

type CodePointRange = readonly [first: number, last: number];

/** A `u`-flag character class from code point ranges (built, so no control or combining character sits in the source). */
function characterClass(ranges: readonly CodePointRange[]): RegExp {
  const hex = (codePoint: number): string => `\\u{${codePoint.toString(16)}}`;
  const body = ranges.map(([first, last]) => (first === last ? hex(first) : `${hex(first)}-${hex(last)}`));
  return new RegExp(`[${body.join('')}]`, 'u');
}

/**
 * Zero-width and other blank-rendering code points (AlexClaw's 19 of reference §9 CS-2, less the
 * bidi marks counted below, plus the Hangul and Braille blanks used the same way).
 */
const ZERO_WIDTH = characterClass([
  [0x200b, 0x200d],
  [0x2060, 0x2064],
  [0xfeff, 0xfeff],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180e, 0x180e],
  [0x3164, 0x3164],
  [0xffa0, 0xffa0],
  [0x2800, 0x2800],
]);
/** Bidirectional controls: they reorder what is shown, so the text a model reads is not the text shown. */
const BIDI_CONTROL = characterClass([
  [0x200e, 0x200f],
  [0x061c, 0x061c],
  [0x202a, 0x202e],
  [0x2066, 0x2069],
]);
/** Unicode tags (U+E0000–U+E007F): invisible ASCII look-alikes, the "ASCII smuggling" carrier. */
const UNICODE_TAG = characterClass([[0xe0000, 0xe007f]]);
/** C0 and C1 controls and DEL, except tab, line feed and carriage return. */
const CONTROL = characterClass([
  [0x00, 0x08],
  [0x0b, 0x0c],
  [0x0e, 0x1f],
  [0x7f, 0x9f],
]);
/** Variation selectors can encode a byte each after any character ("emoji smuggling"). */
const VARIATION_SELECTOR = characterClass([
  [0xfe00, 0xfe0f],
  [0xe0100, 0xe01ef],
]);

const INVISIBLE_SOURCE = [ZERO_WIDTH, BIDI_CONTROL, UNICODE_TAG, CONTROL, VARIATION_SELECTOR]
  .map((pattern) => pattern.source)
  .join('|');
const ANY_INVISIBLE = new RegExp(INVISIBLE_SOURCE, 'gu');
const ONE_INVISIBLE = new RegExp(`^(?:${INVISIBLE_SOURCE})$`, 'u');

function kindOf(character: string): InvisibleKind {
  if (UNICODE_TAG.test(character)) return 'unicodeTag';
  if (BIDI_CONTROL.test(character)) return 'bidiControl';
  if (CONTROL.test(character)) return 'control';
  if (VARIATION_SELECTOR.test(character)) return 'variationSelector';
  return 'zeroWidth';
}

export type InvisibleCounts = Record<InvisibleKind, number>;

export function noInvisibles(): InvisibleCounts {
  return { zeroWidth: 0, bidiControl: 0, unicodeTag: 0, control: 0, variationSelector: 0 };
}

export interface StrippedText {
  text: string;
  counts: InvisibleCounts;
  /** What the Unicode tag characters spelled, as ASCII (tags mirror ASCII 0x20–0x7E). */
  tagText: string;
}

/** The character (a whole code point) that ends just before `offset`. */
function characterBefore(text: string, offset: number): string {
  const unit = text.charCodeAt(offset - 1);
  const isLowSurrogate = unit >= 0xdc00 && unit <= 0xdfff;
  return isLowSurrogate && offset >= 2 ? text.slice(offset - 2, offset) : text.slice(offset - 1, offset);
}

/**
 * Removes every invisible character. A single U+FE0F or U+FE0E right after a visible character is
 * kept: that is how emoji and text presentation are chosen; a run of selectors is not.
 */
export function stripInvisible(text: string, counts: InvisibleCounts = noInvisibles()): StrippedText {
  let tagText = '';
  const stripped = text.replace(ANY_INVISIBLE, (character: string, offset: number) => {
    const presentation = character === '\uFE0F' || character === '\uFE0E';
    if (presentation && offset > 0 && !ONE_INVISIBLE.test(characterBefore(text, offset))) return character;
    const kind = kindOf(character);
    counts[kind] += 1;
    if (kind === 'unicodeTag') {
      const ascii = character.codePointAt(0)! - 0xe0000;
      if (ascii >= 0x20 && ascii <= 0x7e) tagText += String.fromCharCode(ascii);
    }
    return '';
  });
  return { text: stripped, counts, tagText };
}
