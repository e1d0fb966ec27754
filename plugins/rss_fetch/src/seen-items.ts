/**
 * Which items of a feed were already returned: short hashes of their ids, the newest last, at most
 * `SEEN_PER_FEED` per feed, in one storage value per feed. Hashes keep 1,000 ids within a storage
 * value's 64 KiB however long the ids are (URLs often are).
 */
export const SEEN_PER_FEED = 1000;

/** cyrb53: a fast 53-bit string hash (no crypto in an isolate; collisions only cost a missed item). */
export function shortHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** The storage key of a feed's seen list (keys are at most 200 characters; URLs may be longer). */
export function seenKey(feedUrl: string): string {
  return `seen:${shortHash(feedUrl)}`;
}

/** The seen list with `ids` added at the end, oldest dropped past the cap. */
export function remember(seen: readonly string[], ids: readonly string[]): string[] {
  const known = new Set(seen);
  const added = ids.filter((id) => !known.has(id));
  return [...seen, ...added].slice(-SEEN_PER_FEED);
}
