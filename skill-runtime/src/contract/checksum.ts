import { createHash } from 'node:crypto';

/** The first line hashed, so a checksum from a future format can never collide with this one. */
export const CHECKSUM_FORMAT = 'talon-skill-checksum/1';

/**
 * The manifest as canonical JSON: object keys sorted by UTF-16 code unit at every depth, no
 * whitespace, arrays in their order, strings and numbers as `JSON.stringify` writes them. The same
 * manifest read from a file, from PostgreSQL `jsonb` (which reorders keys) or from an upload gives the
 * same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as canonical JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/**
 * The checksum of a skill package, lower-case hex SHA-256 of the UTF-8 bytes of:
 *
 *     talon-skill-checksum/1 "\n" canonicalJson(manifest) "\n" code
 *
 * where `code` is `index.js` exactly as shipped. Canonical JSON never contains a raw newline, so the
 * second "\n" unambiguously ends the manifest: no (manifest, code) pair can be shifted into another.
 * Reproduce it by hand with `talon-skill check` or:
 *
 *     node -e 'import("@talon/plugins-sdk").then(s => console.log(s.skillChecksum(m, c)))'
 */
export function skillChecksum(manifest: unknown, code: string): string {
  return createHash('sha256')
    .update(`${CHECKSUM_FORMAT}\n`, 'utf8')
    .update(canonicalJson(manifest), 'utf8')
    .update('\n', 'utf8')
    .update(code, 'utf8')
    .digest('hex');
}

/** Decodes `index.js` strictly: a file that is not valid UTF-8 would hash differently from its text. */
export function decodeUtf8Strict(bytes: Uint8Array, fileName: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${fileName} is not valid UTF-8 text`);
  }
}
