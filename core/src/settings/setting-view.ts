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
  /** Changing it needs a fresh code from the authenticator app (`totpCode`) as well as the session. */
  requiresCode: boolean;
}
