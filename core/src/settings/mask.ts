/**
 * How a sensitive value is shown anywhere outside the host: first 4 + 8 stars + last 4 characters;
 * values of 8 characters or fewer are all stars, one per character; empty stays empty.
 */
export function maskSecret(value: string): string {
  const chars = [...value];
  if (chars.length === 0) return '';
  if (chars.length <= 8) return '*'.repeat(chars.length);
  return chars.slice(0, 4).join('') + '********' + chars.slice(-4).join('');
}
