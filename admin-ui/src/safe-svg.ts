/** What a QR code needs: shapes and how to paint them. No script, style, link, text or foreign content. */
const ALLOWED_ELEMENTS = new Set(['svg', 'g', 'path', 'rect']);
const ALLOWED_ATTRIBUTES = new Set([
  'xmlns',
  'viewBox',
  'width',
  'height',
  'version',
  'shape-rendering',
  'fill',
  'stroke',
  'stroke-width',
  'd',
  'x',
  'y',
]);

function isPlainShapes(element: Element): boolean {
  if (!ALLOWED_ELEMENTS.has(element.localName)) return false;
  if ([...element.attributes].some((attribute) => !ALLOWED_ATTRIBUTES.has(attribute.name))) return false;
  return [...element.children].every(isPlainShapes);
}

/**
 * The SVG document re-serialised when it holds only plain shapes, otherwise undefined. It is parsed
 * as XML, where nothing runs, before anything reaches the page.
 */
export function safeSvg(source: string): string | undefined {
  const text = source.trim();
  if (!text.startsWith('<svg')) return undefined;
  const document = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = document.documentElement;
  if (root.localName !== 'svg' || document.getElementsByTagName('parsererror').length > 0) return undefined;
  if (!isPlainShapes(root)) return undefined;
  return new XMLSerializer().serializeToString(root);
}
