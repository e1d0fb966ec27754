/**
 * Secret bindings: a manifest binds each secret handle to where its value may go — which hosts,
 * and in which header or query parameter, with which prefix. The owner approves the binding with
 * the grants; at run time the skill names the handle only and the host applies the approved
 * binding. A skill never chooses where a secret goes, so it cannot ask for it in a header a server
 * echoes back (and whatever comes back is scrubbed of it anyway: secret-redaction.ts).
 */

export interface SecretBinding {
  /** The sensitive setting that holds the value (`github.token`); never an `auth.*` key. */
  handle: string;
  /** The only hosts the value may be sent to (each must be in the manifest's `net`). */
  hosts: string[];
  /** Where it goes: a request header, or a query parameter (for APIs that take the key that way). */
  in: 'header' | 'query';
  /** The header or query parameter's name. */
  name: string;
  /** Put before the value (`Bearer `). */
  prefix?: string;
}

/** What a manifest's `secrets` may list: bindings, or (approved before bindings existed) bare handles. */
export type SecretEntry = SecretBinding | string;

export const SECRET_HANDLE_PATTERN = '^[a-z0-9_]+(\\.[a-z0-9_]+)*$';
/** Handles a skill may never name: the owner's own credentials. */
export const FORBIDDEN_HANDLE_PREFIXES: readonly string[] = ['auth.'];
export const QUERY_NAME_PATTERN = '^[A-Za-z0-9_.~-]{1,100}$';
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$";

/** Headers the host sets itself: neither a skill's request nor a binding may name them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
]);

export function isSecretBinding(entry: SecretEntry): entry is SecretBinding {
  return typeof entry === 'object' && entry !== null;
}

/**
 * A binding as one line: what the owner sees and approves, and what a grant holds. Any change to
 * the binding changes the line, so an upgrade that moves a secret elsewhere needs a new approval.
 */
export function secretBindingKey(binding: SecretBinding): string {
  const prefix = binding.prefix ? ` (prefix ${JSON.stringify(binding.prefix)})` : '';
  return `${binding.handle} → ${binding.in} ${binding.name}${prefix} for ${[...binding.hosts].sort().join(', ')}`;
}

/** The grant line of a manifest entry: a binding's key, or a legacy bare handle as it was granted. */
export function secretGrantOf(entry: SecretEntry): string {
  return isSecretBinding(entry) ? secretBindingKey(entry) : entry;
}

/** A grant made before bindings existed (a bare handle): it enables nothing until re-approved. */
export function isLegacySecretGrant(grant: string): boolean {
  return !grant.includes(' → ');
}

/**
 * Whether `host` (of a binding) is one the manifest's `net` lets `http` reach; `*` covers a host on
 * the default port (a binding to a private address under `*` is still refused when it is used).
 */
export function hostCoveredByNet(host: string, net: readonly string[]): boolean {
  return net.some((entry) => {
    if (entry === host) return true;
    if (entry === '*') return !/:\d+$/.test(host);
    if (!entry.startsWith('*.')) return false;
    const [pattern = '', port] = entry.split(/:(?=\d+$)/);
    const [name = '', hostPort] = host.split(/:(?=\d+$)/);
    return port === hostPort && name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  });
}

/** What is wrong with one binding beyond its JSON shape (field paths relative to it). */
export function secretBindingProblems(
  binding: SecretBinding,
  net: readonly string[],
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (FORBIDDEN_HANDLE_PREFIXES.some((prefix) => binding.handle.startsWith(prefix))) {
    problems.push({
      field: 'handle',
      message: `"${binding.handle}" is one of the owner's own credentials: no skill may use it`,
    });
  }
  const namePattern = new RegExp(binding.in === 'header' ? HEADER_NAME_PATTERN : QUERY_NAME_PATTERN);
  if (!namePattern.test(binding.name)) {
    problems.push({ field: 'name', message: `${JSON.stringify(binding.name)} is not a ${binding.in} name` });
  } else if (binding.in === 'header' && RESERVED_HEADERS.has(binding.name.toLowerCase())) {
    problems.push({ field: 'name', message: `"${binding.name}" is a header the host sets itself` });
  }
  // eslint-disable-next-line no-control-regex
  if (binding.prefix !== undefined && /[\u0000-\u001f\u007f]/.test(binding.prefix)) {
    problems.push({ field: 'prefix', message: 'must not hold control characters' });
  }
  binding.hosts.forEach((host, index) => {
    if (!hostCoveredByNet(host, net)) {
      problems.push({
        field: `hosts[${index}]`,
        message: `"${host}" is not in "net": a secret goes only to hosts the skill may reach`,
      });
    }
  });
  return problems;
}
