import { CODE_REQUIREMENTS, SETTING_DEFINITIONS, type CodeRequirement } from './definitions.ts';
import type { OpenWithoutTwoFactor } from './setting-view.ts';

const DEFINED = new Map(SETTING_DEFINITIONS.map((definition) => [definition.key, definition.requiresCode]));

/** Prefixes whose keys were refused without 2FA before issue 10, and still are (no definition can say otherwise). */
const ENROLMENT_REQUIRED_PREFIXES = ['auth.', 'skills.http.'] as const;

/**
 * What changing `key` needs besides the admin session, as its definition states it. A key no
 * definition classifies (a row an older version left, a definition that forgot) is treated as
 * needing a code once 2FA is enrolled: when in doubt, deny.
 */
export function codeRequirementOf(key: string): CodeRequirement {
  const declared = DEFINED.get(key);
  if (declared !== undefined && CODE_REQUIREMENTS.includes(declared)) return declared;
  return ENROLMENT_REQUIRED_PREFIXES.some((prefix) => key.startsWith(prefix)) ? 'always' : 'once_enrolled';
}

/** True when a change of `key` needs a fresh 2FA code right now (or is refused until 2FA is enrolled). */
export function settingChangeNeedsCode(key: string, totpEnrolled: boolean): boolean {
  const requirement = codeRequirementOf(key);
  return requirement === 'always' || (requirement === 'once_enrolled' && totpEnrolled);
}

/**
 * What a password-only session can change while 2FA is not enrolled that it could not once 2FA
 * is on: the dashboard shows this in red, so the owner knows what enrolling closes.
 */
export function openWithoutTwoFactor(): OpenWithoutTwoFactor {
  const byCategory = new Map<string, string[]>();
  for (const definition of SETTING_DEFINITIONS) {
    if (codeRequirementOf(definition.key) !== 'once_enrolled') continue;
    byCategory.set(definition.category, [...(byCategory.get(definition.category) ?? []), definition.key]);
  }
  return {
    settings: [...byCategory].map(([category, keys]) => ({ category, keys })),
    other: [
      'edit or delete a workflow that requires 2FA, or switch its 2FA off, and then run it without a code',
    ],
  };
}
