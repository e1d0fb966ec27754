import type { JsonValue } from '@talon/skill-runtime/contract/json.ts';
import type { SettingDefinition } from '../settings/definitions.ts';
import {
  DEFAULT_INJECTION_PATTERNS,
  DEFAULT_MAX_STRING_CHARS,
  INJECTION_PATTERNS_SETTING,
  MAX_STRING_CHARS_SETTING,
} from './injection-patterns.ts';
import type { SanitizerOptions } from './sanitizer.ts';

/** The sanitizer's settings, for the seeder (settings/definitions.ts spreads these). */
export const CONTENT_SETTING_DEFINITIONS: readonly SettingDefinition[] = [
  {
    key: INJECTION_PATTERNS_SETTING,
    type: 'json',
    defaultValue: JSON.stringify(DEFAULT_INJECTION_PATTERNS),
    category: 'content',
    sensitive: false,
    description:
      'Phrases neutralised in the output of external skills before the next step sees it (a JSON array of strings, matched case-insensitively)',
    // Emptying the list switches a protection off: a code once 2FA is enrolled.
    requiresCode: 'once_enrolled',
  },
  {
    key: MAX_STRING_CHARS_SETTING,
    type: 'integer',
    defaultValue: String(DEFAULT_MAX_STRING_CHARS),
    category: 'content',
    sensitive: false,
    description: 'Strings in the output of external skills are cut to this many characters',
    requiresCode: 'once_enrolled',
  },
];

/**
 * The sanitizer's options from the live settings. A patterns value that is not a list of strings is
 * not "no patterns": the seeded list applies until the owner fixes it (deny first).
 */
export function sanitizerOptionsFrom(settings: {
  get(key: string): JsonValue | undefined;
}): () => SanitizerOptions {
  let lastRaw: JsonValue | undefined;
  let lastPatterns: readonly string[] = DEFAULT_INJECTION_PATTERNS;
  return () => {
    const raw = settings.get(INJECTION_PATTERNS_SETTING);
    if (raw !== lastRaw) {
      lastRaw = raw;
      lastPatterns =
        Array.isArray(raw) && raw.every((item) => typeof item === 'string')
          ? (raw as string[])
          : DEFAULT_INJECTION_PATTERNS;
    }
    const max = settings.get(MAX_STRING_CHARS_SETTING);
    return {
      patterns: lastPatterns,
      maxStringChars:
        typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_STRING_CHARS,
    };
  };
}
