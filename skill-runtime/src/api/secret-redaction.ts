/**
 * What comes back from a server to a skill is scrubbed of the secrets sent with the request: a
 * server that echoes a header (or logs the query into its answer) must not hand the skill a value
 * it was never meant to see. Every spelling a server is likely to echo is removed — plain,
 * base64 and base64url (at each of the three byte alignments it can fall on inside longer text),
 * hex, percent-encoded, and the ways JSON encoders write it (`\u`-escaped wholly or for non-ASCII
 * only, with `\/`, and JSON inside JSON) — and replaced with a marker naming the handle.
 */

/** Spellings shorter than this are not searched for: they would match ordinary text. */
const MIN_SPELLING_CHARS = 4;

/** The base64 characters that depend only on `value`'s bytes when it starts `offset` bytes into a block. */
function base64Cores(value: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), value])
      .toString('base64')
      .replace(/=+$/, '');
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + value.length)) / 6);
    cores.push(encoded.slice(first, last));
  }
  return cores;
}

function percentEncodedEveryByte(value: Buffer): string {
  return [...value].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/** `é` → `\u00e9`; a character beyond the BMP as its two surrogates. */
function unicodeEscape(char: string): string {
  let escaped = '';
  for (let index = 0; index < char.length; index++) {
    escaped += `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}

/** `\u00e9` → `\u00E9`. */
function upperHexEscapes(text: string): string {
  return text.replace(/\\u([0-9a-f]{4})/g, (_all, digits: string) => `\\u${digits.toUpperCase()}`);
}

/**
 * The ways a JSON encoder writes `value` inside a string: as is (quotes and backslashes escaped),
 * ASCII only (`é` as `\u00e9`, as Python's json does), with `\/`, every character escaped; each with
 * lower- and upper-case hex digits, and each escaped once more, for JSON carried in a JSON string.
 */
function jsonSpellings(value: string): string[] {
  const asIs = JSON.stringify(value).slice(1, -1);
  // eslint-disable-next-line no-control-regex
  const asciiOnly = asIs.replace(/[^\x00-\x7f]/gu, unicodeEscape);
  const everyChar = [...value].map(unicodeEscape).join('');
  const forms = [asIs, asciiOnly, asciiOnly.replaceAll('/', '\\/'), everyChar].flatMap((form) => [
    form,
    upperHexEscapes(form),
  ]);
  return [...forms, ...forms.map((form) => JSON.stringify(form).slice(1, -1))];
}

/** Every spelling of `value` to look for, longest first (so a longer spelling wins over a part of it). */
export function secretSpellings(value: string): string[] {
  if (value === '') return [];
  const bytes = Buffer.from(value, 'utf8');
  const base64 = base64Cores(bytes);
  const spellings = new Set<string>([
    value,
    ...base64,
    ...base64.map((core) => core.replaceAll('+', '-').replaceAll('/', '_')),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    encodeURIComponent(value),
    percentEncodedEveryByte(bytes),
    percentEncodedEveryByte(bytes).toLowerCase(),
    ...jsonSpellings(value),
  ]);
  return [...spellings]
    .filter((spelling) => spelling === value || spelling.length >= MIN_SPELLING_CHARS)
    .sort((a, b) => b.length - a.length);
}

/** `text` with every spelling replaced by `marker`, and how many were found. */
export function redactSpellings(
  text: string,
  spellings: readonly string[],
  marker: string,
): { text: string; count: number } {
  let count = 0;
  let redacted = text;
  for (const spelling of spellings) {
    if (!redacted.includes(spelling)) continue;
    const parts = redacted.split(spelling);
    count += parts.length - 1;
    redacted = parts.join(marker);
  }
  return { text: redacted, count };
}
