/**
 * RFC 3986 §5.2 reference resolution for `http(s)` links. A skill's isolate is bare V8: it has no
 * `URL` (a web API, not JavaScript), so links are made absolute here.
 */

interface Parts {
  scheme: string;
  authority: string | undefined;
  path: string;
  query: string | undefined;
}

// RFC 3986 appendix B: scheme, authority, path, query, fragment.
const REFERENCE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

function split(reference: string): (Parts & { hasScheme: boolean }) | undefined {
  const match = REFERENCE.exec(reference);
  if (!match) return undefined;
  return {
    scheme: (match[1] ?? '').toLowerCase(),
    hasScheme: match[1] !== undefined,
    authority: match[2],
    path: match[3] ?? '',
    query: match[4],
  };
}

/** §5.2.4: `/a/b/../c/./d` → `/a/c/d`. */
function removeDotSegments(path: string): string {
  const output: string[] = [];
  const segments = path.split('/');
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '..') {
      if (output.length > 1) output.pop();
      if (last) output.push('');
    } else if (segment === '.') {
      if (last) output.push('');
    } else {
      output.push(segment);
    }
  });
  return output.join('/');
}

function merge(base: Parts, path: string): string {
  if (base.authority !== undefined && base.path === '') return `/${path}`;
  return base.path.slice(0, base.path.lastIndexOf('/') + 1) + path;
}

/** The absolute http(s) address of `href` on a page at `base`, without its fragment; undefined otherwise. */
export function resolveHttpUrl(href: string, base: string | undefined): string | undefined {
  const reference = split(href.trim().replace(/[\t\n\r]/g, ''));
  if (!reference) return undefined;
  let target: Parts;
  if (reference.hasScheme) {
    target = { ...reference, path: removeDotSegments(reference.path) };
  } else {
    const baseParts = base === undefined ? undefined : split(base);
    if (!baseParts?.scheme || baseParts.authority === undefined) return undefined;
    if (reference.authority !== undefined) {
      target = { ...reference, scheme: baseParts.scheme, path: removeDotSegments(reference.path) };
    } else if (reference.path === '') {
      target = { ...baseParts, query: reference.query ?? baseParts.query };
    } else {
      const path = reference.path.startsWith('/') ? reference.path : merge(baseParts, reference.path);
      target = { ...baseParts, path: removeDotSegments(path), query: reference.query };
    }
  }
  if ((target.scheme !== 'http' && target.scheme !== 'https') || !target.authority) return undefined;
  if (/[\s<>"\\^`{|}]/.test(target.authority) || target.authority.includes('@')) return undefined;
  const path = target.path === '' ? '/' : target.path;
  const query = target.query === undefined ? '' : `?${target.query}`;
  return `${target.scheme}://${target.authority.toLowerCase()}${path}${query}`;
}
