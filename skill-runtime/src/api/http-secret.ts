/**
 * The secret of one `http.fetch`: the skill names a handle; the host looks up the binding the
 * owner approved for it (secret-bindings.ts), puts the value where that binding says and only for
 * its hosts, keeps it out of redirects that would carry it elsewhere, and scrubs it from whatever
 * comes back before the skill sees it.
 */
import type { JsonValue } from '../contract/json.ts';
import {
  FORBIDDEN_HANDLE_PREFIXES,
  isSecretBinding,
  secretBindingKey,
  type SecretBinding,
} from '../contract/secret-bindings.ts';
import type { SecretResolver } from '../ports.ts';
import { SkillApiError } from './api-error.ts';
import type { ApiCallContext } from './call-context.ts';
import { isAllowedByNet } from './net-policy.ts';
import { redactSpellings, secretSpellings } from './secret-redaction.ts';

export interface BoundSecret {
  binding: SecretBinding;
  /** What goes into the header or parameter: the binding's prefix and the value. */
  sent: string;
  /** Every spelling of the value a server might echo (secret-redaction.ts). */
  spellings: string[];
  marker: string;
}

/** The secret a request asked for by handle, checked against the approved binding; undefined without one. */
export function boundSecret(
  context: ApiCallContext,
  raw: JsonValue | undefined,
  url: URL,
  secrets: SecretResolver,
): BoundSecret | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    throw new SkillApiError(
      'invalid_argument',
      'http.fetch: secret is a handle only (e.g. secret: "github.token"); where it goes is bound in skill.json',
    );
  }
  const handle = raw;
  if (!context.grants.permissions.includes('secrets')) {
    throw new SkillApiError('permission_denied', 'http.fetch: using a secret needs the `secrets` permission');
  }
  if (FORBIDDEN_HANDLE_PREFIXES.some((prefix) => handle.startsWith(prefix))) {
    throw new SkillApiError(
      'permission_denied',
      `http.fetch: "${handle.slice(0, 100)}" is not a secret a skill may use`,
    );
  }
  const declared = (context.manifest.secrets ?? []).find(
    (entry): entry is SecretBinding => isSecretBinding(entry) && entry.handle === handle,
  );
  const granted =
    declared !== undefined && context.grants.secrets.includes(secretBindingKey(declared))
      ? declared
      : undefined;
  // The manifest's binding the owner granted, else one the owner approved for this run's workflow step.
  const binding = granted ?? context.runSecretBindings.find((entry) => entry.handle === handle);
  if (binding === undefined) {
    throw new SkillApiError(
      'secret_not_granted',
      declared === undefined
        ? `http.fetch: no approved binding of the secret "${handle.slice(0, 100)}": skill.json binds none (secrets: [{ handle, hosts, in, name }]) and this run's step chose none`
        : `http.fetch: the binding of the secret "${handle}" was not approved by the owner (or changed since it was)`,
    );
  }
  if (!isAllowedByNet(url, binding.hosts)) {
    throw new SkillApiError(
      'secret_not_granted',
      `http.fetch: the secret "${handle}" may be sent only to ${binding.hosts.join(', ')}, not to ${url.host}`,
    );
  }
  const value = secrets(handle);
  if (value === '')
    throw new SkillApiError(
      'not_found',
      `http.fetch: the secret "${handle}" has no value: the owner has not set it, or it is not a sensitive setting (auth.* never is one a skill may use)`,
    );
  return {
    binding,
    sent: (binding.prefix ?? '') + value,
    spellings: secretSpellings(value),
    marker: `[secret ${handle} removed]`,
  };
}

/** One hop's URL and headers with the secret where its binding says, when this hop may carry it. */
export function withSecret(
  secret: BoundSecret | undefined,
  url: URL,
  headers: Record<string, string>,
  sameOrigin: boolean,
): { url: URL; headers: Record<string, string> } {
  if (!secret || !sameOrigin || !isAllowedByNet(url, secret.binding.hosts)) return { url, headers };
  if (secret.binding.in === 'header') {
    return { url, headers: { ...headers, [secret.binding.name.toLowerCase()]: secret.sent } };
  }
  const carrying = new URL(url);
  carrying.searchParams.set(secret.binding.name, secret.sent);
  return { url: carrying, headers };
}

/** A redirect whose target carries the secret (a server echoing the query into `Location`) to another host. */
export function assertRedirectKeepsSecret(secret: BoundSecret | undefined, next: URL): void {
  if (!secret || isAllowedByNet(next, secret.binding.hosts)) return;
  if (redactSpellings(next.href, secret.spellings, '').count === 0) return;
  throw new SkillApiError(
    'secret_not_granted',
    `http.fetch: the server redirected the request, with the secret "${secret.binding.handle}" in it, to ${next.host}`,
  );
}

/** Text with the secret removed; `found` counts what was there. */
export function scrub(secret: BoundSecret | undefined, text: string): { text: string; found: number } {
  if (!secret) return { text, found: 0 };
  const { text: clean, count } = redactSpellings(text, secret.spellings, secret.marker);
  return { text: clean, found: count };
}
