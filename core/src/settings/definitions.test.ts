import { describe, expect, it } from 'vitest';
import { codeRequirementOf } from './code-requirement.ts';
import { CODE_REQUIREMENTS, SETTING_DEFINITIONS } from './definitions.ts';

// Issue 10 §1: once 2FA is enrolled, a password-only session may use Talon but not weaken it. What
// needs a fresh code is each definition's `requiresCode`; this walks every definition, so a setting
// added without deciding (or decided against these rules) fails here, naming its key.

const keysWhere = (predicate: (key: string, sensitive: boolean, requirement: string) => boolean): string[] =>
  SETTING_DEFINITIONS.filter((definition) =>
    predicate(definition.key, definition.sensitive, String(definition.requiresCode)),
  ).map((definition) => definition.key);

/** Whom Talon obeys, where its data, commands and webhooks go: a code once 2FA is enrolled. */
const GATED_PREFIXES = ['telegram.', 'github.', 'web_automator.', 'shell.'];
/** Refused without 2FA enrolled before issue 10, and still: login, sessions, what skills may reach. */
const ENROLMENT_PREFIXES = ['auth.', 'skills.http.'];
/** An LLM provider's endpoint or key, whatever the LLM settings are called. */
const LLM_ENDPOINT_OR_KEY = /^llm\..*(key|url|endpoint|host|base)/;

describe('every setting definition', () => {
  it('says whether changing it needs a 2FA code', () => {
    const unclassified = keysWhere(
      (_key, _sensitive, requirement) => !CODE_REQUIREMENTS.includes(requirement as never),
    );
    expect(unclassified, 'these settings do not say requiresCode: none, once_enrolled or always').toEqual([]);
  });

  it('needs a code for auth.* and skills.http.*, and those only are refused until 2FA is enrolled', () => {
    const enrolmentKeys = (key: string) => ENROLMENT_PREFIXES.some((prefix) => key.startsWith(prefix));
    expect(keysWhere((key, _s, requirement) => enrolmentKeys(key) && requirement !== 'always')).toEqual([]);
    expect(keysWhere((key, _s, requirement) => !enrolmentKeys(key) && requirement === 'always')).toEqual([]);
  });

  it('needs a code once 2FA is enrolled for Telegram, GitHub, the browser sidecar and the shell', () => {
    const gated = (key: string) => GATED_PREFIXES.some((prefix) => key.startsWith(prefix));
    expect(keysWhere((key, _s, requirement) => gated(key) && requirement !== 'once_enrolled')).toEqual([]);
  });

  it('needs a code for every secret and every LLM provider endpoint or key', () => {
    expect(keysWhere((_key, sensitive, requirement) => sensitive && requirement === 'none')).toEqual([]);
    expect(
      keysWhere((key, _s, requirement) => LLM_ENDPOINT_OR_KEY.test(key) && requirement === 'none'),
    ).toEqual([]);
  });
});

describe('codeRequirementOf', () => {
  it('reads the definition, and treats a key no definition classifies as needing a code', () => {
    expect(codeRequirementOf('telegram.chat_id')).toBe('once_enrolled');
    expect(codeRequirementOf('auth.session.lifetime_seconds')).toBe('always');
    expect(codeRequirementOf('workflows.history.max_age_days')).toBe('none');
    expect(codeRequirementOf('discord.bot_token')).toBe('once_enrolled');
    expect(codeRequirementOf('auth.something_new')).toBe('always');
    expect(codeRequirementOf('skills.http.something_new')).toBe('always');
  });
});
