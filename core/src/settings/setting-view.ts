/**
 * Settings as the API shows them. No imports with runtime code: the admin UI imports these as types.
 */
export const SETTING_TYPES = ['string', 'integer', 'float', 'boolean', 'json'] as const;
export type SettingType = (typeof SETTING_TYPES)[number];

/** A setting as shown outside the host: sensitive values masked, never in plaintext. */
export interface SettingView {
  key: string;
  value: string;
  type: SettingType;
  description: string;
  category: string;
  sensitive: boolean;
  hasValue: boolean;
  /** The stored value could not be decrypted with the current key. */
  unreadable: boolean;
  updatedAt: string;
}

/** A setting as the admin API sends it: the store's masked view plus whether a change needs a code. */
export interface AdminSettingView extends SettingView {
  /**
   * Changing it now needs a fresh code from the authenticator app (`totpCode`) as well as the
   * session; for `auth.*` and `skills.http.*` also before 2FA is enrolled (they are refused until then).
   */
  requiresCode: boolean;
}

/** While 2FA is off: what a password-only session can change that 2FA would protect (the dashboard shows it in red). */
export interface OpenWithoutTwoFactor {
  /** Setting keys, by category. */
  settings: { category: string; keys: string[] }[];
  /** What else, in words. */
  other: string[];
}
