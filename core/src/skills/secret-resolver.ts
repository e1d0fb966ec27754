import type { SecretResolver } from '@talon/skill-runtime/ports.ts';
import type { SettingsStore } from '../settings/store.ts';

/**
 * How Talon turns a secret handle a skill names into the value `http.fetch` sends: a handle names
 * a sensitive setting (kept encrypted, never shown back), and never one of the owner's own
 * credentials (`auth.*`: the password's hash, the TOTP secret). Anything else resolves to no
 * value, which the runtime refuses as "no value" — so a binding approved for a plain setting such as
 * `server.public_url` hands out nothing, whatever the approval said.
 */
export function ownerSecretResolver(
  settings: Pick<SettingsStore, 'isSensitive' | 'getString'>,
): SecretResolver {
  return (handle) =>
    settings.isSensitive(handle) && !handle.startsWith('auth.') ? settings.getString(handle) : '';
}
